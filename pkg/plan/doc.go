// Package plan answers "what would this request do?" before it runs: a
// dry run of onboard and offboard requests against the configured tenant
// (or the emulator) that makes no Graph write and writes nothing to the
// journal.
//
// It does not re-implement the steps. It runs the real engine
// (pkg/engine) over two stand-ins:
//
//   - an overlay directory (engine.Directory) that forwards every read to
//     the real directory (a Reader: the read-only part of the Graph
//     adapter, so the planner has no way to write) and records every write
//     instead of making it, applying the write's effect to an in-memory
//     overlay so that later reads of the same plan, and later requests of a
//     batch, see it: a created user (under a planned id such as
//     "planned-user-1"), attribute changes, licence assignments counted
//     against each SKU's free seats, group memberships, Temporary Access
//     Passes (a planned pass has no value at all), revoked sessions, mails
//     (recipients and subject only; the body may hold a credential and is
//     dropped), deletes and restores;
//   - a scratch journal: an in-memory SQLite journal seeded, request by
//     request, from the real journal (read only) with the account records
//     and requests the engine consults for the accounts concerned, so that
//     naming, ordering, contract changes and the credential bookkeeping
//     decide as they would in the real run.
//
// The engine's Observer says which step made each recorded write; the
// planner turns the recorded writes, the scratch journal's step records and
// the engine's result into a Report: per request, its validation, each
// step with what it would change attribute by attribute (or "nothing to
// do"), the seats it takes or frees, the segment and barrier reachability
// it produces, the credential it would mail, and the outcome with its exit
// code (domain.OutcomeOf); for a batch, totals with seats needed against
// seats free.
//
// What the overlay checks before a recorded write, as Graph would at write
// time: a UPN taken by a live or soft-deleted user (Conflict), a free seat
// for every added licence (Business, the adapter's message), the tenant's
// Temporary Access Pass policy (Business, the adapter's message with the
// rule that refuses it), the group of a membership and the sender mailbox
// (NotFound, as Graph's 404).
//
// What a plan cannot know: other writers between the plan and the run
// (another request, an administrator, a seat taken elsewhere), Graph's
// replication lag (the overlay answers at once), the leases of runs in
// progress, and checks the tenant makes only at write time beyond those
// above (password complexity, usage-location replication, Exchange's right
// to send as the sender). docs/plan.md says more.
package plan
