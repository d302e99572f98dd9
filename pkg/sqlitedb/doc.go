// Package sqlitedb is the SQLite plumbing shared by vendorflow's embedded
// stores (the journal, the queue): opening a database with the settings every
// store needs, applying embedded migrations, and running write transactions
// that do not deadlock between processes.
//
// It uses modernc.org/sqlite (driver name "sqlite", pure Go, no cgo).
//
// # Concurrency model
//
// A file database is opened in WAL mode: any number of readers run alongside
// one writer, in this process and in others. Every connection's DSN sets
// _txlock=immediate, so a transaction begun without sql.TxOptions.ReadOnly
// (which is what WithTx does) is "BEGIN IMMEDIATE": it takes the database's
// write lock before its first statement, waiting up to the busy timeout for
// another writer. A read-only transaction (ReadOnly: true) is a plain
// deferred BEGIN and never waits for writers.
//
// Why IMMEDIATE: a deferred transaction that reads and then writes must
// upgrade its read snapshot to a write lock. If another connection committed
// in between, SQLite answers SQLITE_BUSY (SQLITE_BUSY_SNAPSHOT in WAL mode) at
// once, without calling the busy handler, so a retry loop would be needed at
// every call site. Taking the write lock up front turns that race into an
// ordinary wait under busy_timeout (https://sqlite.org/lang_transaction.html,
// https://sqlite.org/wal.html#sometimes_queries_return_sqlite_busy_in_wal_mode).
//
// ":memory:" is one private database per *sql.DB, held on a single
// connection. Inside WithTx, use the *sql.Tx only: a query on the *sql.DB
// would wait for the connection the transaction holds.
package sqlitedb
