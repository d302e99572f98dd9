// Package writebudget is vendorflow's Graph write budget shared by every
// instance of the service: one token bucket kept in Azure Table Storage,
// which satisfies graph.WriteBudget (set it as graph.Config.WriteBudget).
//
// # Why
//
// Graph allows 3,000 identity writes per 150 s per app per tenant, 18,000
// per 5 min per tenant across all apps (REFERENCE §2 "Faults, limits,
// consistency"). graph's in-process pacer keeps one process at 80 % of the
// per-app limit; Azure Functions scales out (REFERENCE §4 "Hosting": any
// state shared across deliveries lives in a shared store), and N
// instances with a pacer each would write at N × 80 %. A Budget paces all
// of them together.
//
// # The entity
//
// One row per budget, in the table "writebudget" (tables.Settings.Prefix
// first): PartitionKey "graphwrites", RowKey tables.Key(Config.Key). Its
// properties, all Edm.Int64:
//
//   - TAT: the bucket as a GCRA "theoretical arrival time", Unix ns. The
//     bucket holds (now + τ + T − TAT)/T tokens, at most Burst: T is the
//     emission interval (one token per T) and τ = (Burst−1)·T the burst
//     tolerance. TAT ≤ now means a full bucket.
//   - PausedUntil: Unix ns before which no write may go (the latest 429
//     Retry-After any instance saw).
//   - SlowPPM, SlowSince: the slow factor (parts per million of the full
//     rate) set by the last x-ms-throttle-limit-percentage decrease, and
//     when; it recovers linearly to 1 over Window.
//   - Limit, WindowMS: the configuration of the last writer (diagnostics).
//
// The row is created with AddEntity (409: another instance created it
// first, read it) and changed only by UpdateEntity in Replace mode with
// IfMatch set to the ETag read: 412 means another instance changed it
// first, so the instance re-reads and recomputes (Stats.Conflicts). Every
// change is a pure function of the row read and the instance's clock, so
// a lost race never loses or double-spends a token.
//
// # The algorithm
//
// Taking n tokens at now: for each, at = max(now, TAT − τ, PausedUntil),
// then TAT = max(TAT, now) + T/f, where f is the current slow factor (≤ 1).
// A token at a future time is a reservation: its caller waits until then.
// An instance takes min(Slice, callers waiting in it) tokens per
// compare-and-swap (Slice defaults to 5) and hands them out locally in
// time order; a token not spent within Hold (default 1 s) of its time is
// dropped, never spent late.
//
// Bound: consecutive tokens are at least T apart once the burst is used,
// so any closed interval of length W holds at most Burst + W/T tokens, and
// writes, which happen between a token's time and Hold later, at most
// Burst + (W + Hold)/T. T is therefore ceil((Window + Hold)/(Limit −
// Burst)), which keeps every window of Window at or under Limit. Burst
// defaults to 5 s of the rate (at most Limit/2): after an idle spell an
// instance may write a few seconds' worth at once, never the whole
// window's quota.
//
// Feedback (graph's pace middleware calls these):
//
//   - Throttled(retryAfter), a 429: PausedUntil = max(PausedUntil,
//     now+retryAfter) and TAT = max(TAT, PausedUntil + τ), so that the bucket
//     is empty when the pause ends and writes resume at the rate, without
//     a burst. The instance that saw it drops its local tokens before then;
//     the others see the pause at their next refill, within Hold.
//   - Pressure(use), x-ms-throttle-limit-percentage above 0.8: the slow
//     factor becomes min(current, 0.8/use) (at least 0.1), recovering
//     linearly to 1 over Window. Signals that would not lower the factor
//     cost no Table request.
//
// # Several apps and tenants
//
// Graph counts the 3,000 / 150 s per app registration per tenant, and the
// 18,000 / 5 min per tenant across all apps. Key the row by what Graph
// counts: every instance of every vendorflow Function App that signs in
// as the same app registration in the same tenant uses Config.Key =
// "<tenant id>/<client id>" (or just the tenant id when all vendorflow apps
// of the tenant share one registration, or should share one budget)
// against the same storage account, so that they draw from one bucket;
// Limit is then that app's share (default 2,400 per 150 s, 80 % of the
// per-app limit). Several vendorflow registrations in one tenant should
// either share one row keyed by the tenant id, with Limit set to their
// combined allowance (the per-tenant 18,000 / 5 min is 60 per second, more
// than one app's 20 per second, so one app is bound by its own limit
// first), or have rows of their own whose Limits add up to what the
// tenant can give them. Other applications of the tenant (other products,
// scripts, Microsoft's own) do not use this budget: their share is only
// visible in Graph's answers, x-ms-throttle-limit-percentage above 80 %
// and 429s, which every instance reports to the budget and which slow or
// pause all of them.
package writebudget
