// Package producer is the library a procurement system written in Go uses
// to put requests on vendorflow's queues: it builds onboard and offboard
// requests, validates them with the handler's own rules, gives each a
// deterministic request id, and sends them to Azure Service Bus or to the
// embedded queue of `vendorflow dev`, as the configuration says.
//
// Validation is the handler's, not a copy of it: a request is encoded as
// the JSON that is sent, decoded again by domain.DecodeRequest (duplicate
// keys, unknown fields, types, sizes) and checked by domain.ValidateOnboard
// or domain.ValidateOffboard against the tenant settings (vendor registry,
// allowed email domains, dates, names), exactly as the engine's validate
// step does when the message is delivered. A request the producer accepts
// is therefore one the handler accepts (unless the tenant settings differ,
// or its contract has ended by the time it is delivered).
//
// # Request ids
//
// A request without a requestId is given one derived from what it asks
// (Builder.Onboard, Builder.Offboard). The derivation hashes the request as
// it is sent, after normalisation (the vendor key as the registry spells
// it, names with their spaces trimmed and collapsed, the email with its
// domain lower-cased), with SHA-256:
//
//	onboard:  "onboard-<vendor key>-" + the first 24 hex digits of
//	          SHA-256("vendorflow/producer/v1\nonboard\n" + JSON of the
//	          normalised request with an empty requestId)
//	offboard: "offboard-" + the first 24 hex digits of
//	          SHA-256("vendorflow/producer/v1\noffboard\n" + the UTC date
//	          of the producer's clock + "\n" + JSON of the normalised
//	          request with an empty requestId)
//
// Every field takes part, because the journal refuses a request id it has
// seen with other content (a conflict, parked): an id that named the
// person and the contract only would turn a corrected sponsor into a
// parked conflict. So a retry of the same request (the same intent) gets
// the same id, and the queue's duplicate detection and the journal's
// idempotency drop it; anything else (another contract end, another
// sponsor, reissueCredential) is a new request with a new id, which the
// engine applies to the person's one account (a contract change). The
// offboard id includes the day the offboarding is asked for: an offboard
// request has no date of its own, and a person onboarded again later and
// offboarded again with the same reason must not meet the earlier
// request's id (the journal would call it done and nothing would happen).
// A retry on the same UTC day is de-duplicated; one after midnight is a
// second offboarding of an account already offboarded, which changes
// nothing. Likewise an onboarding sent again with the very same content
// after the person was offboarded early gets the earlier id, which the
// journal knows as done: give such a re-onboarding its own requestId (or
// its new contract). A caller that needs another rule gives its own
// requestId.
//
// The message id equals the request id, and so does the correlation id,
// as with `vendorflow enqueue`.
package producer
