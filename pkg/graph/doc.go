// Package graph is vendorflow's Microsoft Graph adapter: the only package
// that imports msgraph-sdk-go and the kiota libraries. Client implements
// engine.Directory on Graph v1.0 (or on the tenantsim emulator, which speaks
// the same wire protocol).
//
// The adapter owns three concerns so that nothing else has to:
//
//   - Transport: a request adapter built here with an explicit middleware
//     chain. kiota's RetryHandler is replaced by one retry middleware — the
//     single choke point that retries what is transient (429, 503, 504,
//     timeouts), prefers Retry-After (fractional seconds and HTTP dates) and
//     waits on the injected Config.Clock (REFERENCE §2 "Faults, limits,
//     consistency", "msgraph-sdk-go practicalities").
//   - Errors: every failure is classified once, in errors.go, into a
//     *domain.Error (Transient, NotFound, Conflict, Business, Invalid,
//     Internal).
//   - Queries: every string that reaches an OData $filter goes through
//     odata.String (REFERENCE §2 "Queries").
package graph
