// Package tablejournal is vendorflow's journal on Azure Table Storage: the
// shared state of every instance of the Functions app (Flex Consumption
// scales each function out, REFERENCE §4 "Hosting"). It implements the same
// port as the embedded SQLite journal (engine.Journal), and the conformance
// suite in pkg/journal/journaltest runs against both.
//
// # Tables and keys
//
// Keys are chosen for the access paths; every write that must be atomic
// touches one entity (optimistic concurrency with its ETag) or one partition.
//
//		<prefix>Requests      PartitionKey = requestId
//		                      RowKey "request"        the request record
//		                      RowKey "step|<step>"    one per started step (Seq = start order)
//		<prefix>RequestIndex  PartitionKey "all"
//		                      RowKey <inverted createdAt>|<requestId>  (Kind)
//		<prefix>Accounts      PartitionKey = lower-cased UPN
//		                      RowKey "account"        the account record
//		                      RowKey "lease"          who may change the account, until when
//
//	  - By request id (every delivery, status): a request and its steps share
//	    one partition, so resuming reads one partition and each step is one
//	    entity updated with If-Match.
//	  - By account UPN (ordering, warnings, leases): the account and its lease
//	    share one partition, keyed case-insensitively as Entra compares UPNs.
//	    A lease is taken with AddEntity (409: someone holds it), renewed or
//	    taken over after expiry with an If-Match update (412: someone else
//	    won) and released with an If-Match delete.
//	  - Newest-first listings (requests list, status pages): the index
//	    partition's row keys start with an inverted timestamp
//	    (tables.Inverted), because queries return rows in key order. The index
//	    row is written before the request, so a request is never missing from
//	    the index; an index row whose request was never written (a crash
//	    between the two) or was written by a racing duplicate at another time
//	    is skipped when listing. One partition takes about 2,000 entities/s
//	    (Azure's scalability target), far above Graph's 20 writes/s.
//	  - The expiry sweep's scan reads Graph (users by employeeLeaveDateTime),
//	    not the journal; it then reads accounts by UPN, which is one point
//	    read each. A journal-side scan of accounts (by contract end) is a
//	    query over <prefix>Accounts with RowKey eq 'account', filtered on the
//	    ContractEnd property.
//
// Times are written from the injected clock, as RFC 3339 text with
// nanoseconds (Table's own DateTime keeps only 100 ns ticks).
//
// Errors are *domain.Error, as in the SQLite journal: NotFound, Conflict,
// Invalid; Transient for throttling (429/503), timeouts and connection
// failures, or when optimistic concurrency keeps losing; Internal, wrapping
// the cause, for anything else. The storage connection string is a secret
// and never appears in an error.
package tablejournal
