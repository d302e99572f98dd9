package sqlitedb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// WithTx runs fn in a write transaction and commits it, or rolls it back
// when fn returns an error or panics. fn's error is returned unchanged.
//
// db must come from Open or OpenConfig: their DSN sets _txlock=immediate, so
// the transaction is begun with "BEGIN IMMEDIATE" and holds the write lock
// from its first statement. A second writer, in this process or another,
// waits for it under busy_timeout (and gives up when ctx ends) instead of
// failing with SQLITE_BUSY when it upgrades a read to a write. fn may read
// and then write without a retry loop. Keep fn short: it blocks every other
// writer of the file.
func WithTx(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: false})
	if err != nil {
		return fmt.Errorf("sqlitedb: begin: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			_ = tx.Rollback()
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlitedb: commit: %w", err)
	}
	committed = true
	return nil
}

// IsBusy reports whether err is SQLite's SQLITE_BUSY or SQLITE_LOCKED (any
// extended code): a lock was still held when the busy timeout ran out. Such
// an error is transient. It inspects the driver's typed error code, not the
// message text.
func IsBusy(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return true
	}
	return false
}
