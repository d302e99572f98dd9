// Package tenantsim is a Microsoft Graph v1.0 tenant emulator: a real HTTP
// server (an http.Handler) that the real msgraph-sdk-go client can be pointed
// at with adapter.SetBaseUrl("http://127.0.0.1:PORT/v1.0").
//
// It keeps one tenant in memory — users, soft-deleted users, security groups,
// subscribed SKUs with seat counts, Temporary Access Passes and captured
// sendMail messages — and answers the Graph routes vendorflow uses with the
// status codes, error codes and messages that REFERENCE.md §2 documents. On
// demand it injects the platform's faults: 429 with (fractional) Retry-After,
// 503, 504, slow responses, replication-lag 404s and the per-app write quota.
//
// It is a product feature (demos and dry runs of `vendorflow dev`) and the
// test bed of the Graph adapter. Small JSON admin endpoints under /_sim/
// (outside /v1.0) expose the outbox, statistics and fault settings; see
// admin.go.
//
// Routes (under /v1.0; RouteTemplates lists them, and the same strings key
// Faults.Routes and Stats.Routes):
//
//	GET|POST /users, GET /users/$count, GET|PATCH|DELETE /users/{id|upn}
//	POST /users/{id}/assignLicense, POST /users/{id}/revokeSignInSessions
//	GET /users/{id}/memberOf[/microsoft.graph.group][/$count] (and transitiveMemberOf), POST /users/{id}/sendMail
//	GET|POST /users/{id}/authentication/temporaryAccessPassMethods[/{methodId}] (+ DELETE)
//	GET /subscribedSkus
//	GET /groups, GET /groups/$count, GET|PATCH /groups/{id} (members@odata.bind)
//	GET /groups/{id}/members[/microsoft.graph.user][/$count]
//	POST /groups/{id}/members/$ref, DELETE /groups/{id}/members/{memberId}/$ref
//	DELETE /groups/{id}/members/$ref?@id=..., DELETE /groups/{id}/members/{memberId} (deletes the user!)
//	GET /directory/deletedItems/microsoft.graph.user|group (or graph.user|group), GET /directory/deletedItems/{id}
//	POST /directory/deletedItems/{id}/restore, DELETE /directory/deletedItems/{id}
//	POST /$batch
//
// Collections take $filter (eq ne lt le gt ge in, and/or/not, startsWith,
// endsWith, any() over otherMails and assignedLicenses), $select, $top
// (≤ 999), $count, $orderby (displayName, userPrincipalName) and page with an
// absolute @odata.nextLink carrying an opaque $skiptoken.
//
// It is strict by default: Content-Type, unknown properties, nullability
// and documented lengths are checked as Graph documents them; Config.Lenient
// relaxes them for exploring. The conformance suite (conformance_test.go,
// testdata/conformance) holds the emulator to the documented examples, and
// docs/emulator.md reports what is reproduced, what is not, and what is
// still UNVERIFIED against live Graph.
//
// Verified against msgraph-sdk-go v1.89.0 (create with gzip body, $select,
// PageIterator with ConsistencyLevel, assignLicense, $ref add/remove, typed
// members, TAP, sendMail, deletedItems/graph.user, restore, $batch, 429 retry).
package tenantsim
