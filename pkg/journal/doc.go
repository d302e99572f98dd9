// Package journal is vendorflow's embedded journal: it records requests,
// their steps and the accounts they manage in one SQLite file (or
// ":memory:"), and implements engine.Journal.
//
// The schema is in migrations/, embedded and applied on Open through
// sqlitedb.Migrate (ordered, one transaction each, recorded with a
// checksum). Every write is one IMMEDIATE transaction (sqlitedb.WithTx), so
// several processes may share the file; every time written comes from the
// injected clock, read inside the transaction. Times are stored as UTC
// RFC 3339 text with a fixed nine-digit fraction, so that text order is time
// order.
//
// Errors are *domain.Error: NotFound for a missing request, step or account;
// Conflict for a reused requestId with another fingerprint and for a refused
// status move (domain.CheckMove); Invalid for an empty id; Transient when
// the database stayed locked past the busy timeout; Internal, wrapping the
// cause, for anything else.
//
// The journal stores only what it is given and is never given secrets
// (DESIGN "Non-negotiables"). As a guard against a caller passing a whole
// response body, error and reason texts are cut to MaxMessageLen characters.
package journal
