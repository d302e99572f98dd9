// Package tables opens Azure Table Storage (aztables) for vendorflow's
// shared state: the journal (pkg/tablejournal) and the shared Graph write
// budget. It is the one place that turns Table settings into a client:
// a connection string (Azurite, or a storage account's key, which this
// package treats as a secret) or an account endpoint with the app's
// azidentity credential (Storage Table Data Contributor, REFERENCE §4).
//
// It also holds what every Table user needs: keys escaped for the
// characters PartitionKey and RowKey refuse, 409/412/404 recognised from
// *azcore.ResponseError, and inverted timestamps for newest-first row keys
// (queries return entities in PartitionKey, RowKey order; REFERENCE §4
// "Table Storage").
package tables
