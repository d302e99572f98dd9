package sqlitedb

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // registers driver "sqlite"
)

// Open opens (creating if needed) the SQLite database at path with the
// default Config: WAL, foreign keys on, busy_timeout 5 s, synchronous NORMAL,
// IMMEDIATE write transactions. See OpenConfig.
func Open(ctx context.Context, path string) (*sql.DB, error) {
	return OpenConfig(ctx, Config{Path: path})
}

// OpenConfig opens the database described by cfg. For a file it creates the
// parent directory, and checks that WAL mode and foreign keys took effect.
// ":memory:" is held on one connection that never expires (closing it
// would drop the database).
func OpenConfig(ctx context.Context, cfg Config) (*sql.DB, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	memory := cfg.Path == MemoryPath
	if cfg.ReadOnly {
		fi, err := os.Stat(cfg.Path)
		if err != nil {
			return nil, fmt.Errorf("sqlitedb: open %s: %w", cfg.Path, err)
		}
		if !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("sqlitedb: open %s: not a file", cfg.Path)
		}
	} else if !memory {
		if err := os.MkdirAll(filepath.Dir(cfg.Path), 0o750); err != nil {
			return nil, fmt.Errorf("sqlitedb: open %s: create directory: %w", cfg.Path, err)
		}
	}
	db, err := sql.Open("sqlite", dsn(cfg))
	if err != nil {
		return nil, fmt.Errorf("sqlitedb: open %s: %w", cfg.Path, err)
	}
	if memory {
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
	} else {
		db.SetMaxOpenConns(cfg.MaxOpenConns)
		// every connection kept: a new one re-applies the pragmas and
		// re-prepares each statement it runs (Statements)
		db.SetMaxIdleConns(cfg.MaxOpenConns)
	}
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := check(ctx, db, memory || cfg.ReadOnly); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlitedb: open %s: %w", cfg.Path, err)
	}
	return db, nil
}

// dsn builds the modernc.org/sqlite DSN. The pragmas are per connection, so
// they go in the DSN, which the driver applies to every new connection
// (busy_timeout first). _txlock=immediate makes every non-read-only BEGIN a
// BEGIN IMMEDIATE (see the package documentation).
//
// A read-only database leaves the journal mode as the file has it, and
// sets query_only, which refuses every write on the connection.
func dsn(cfg Config) string {
	mode := "&_pragma=journal_mode(WAL)"
	if cfg.ReadOnly {
		mode = "&_pragma=query_only(1)"
	}
	return fmt.Sprintf("%s?_txlock=immediate"+
		"&_pragma=busy_timeout(%d)"+
		mode+
		"&_pragma=synchronous(%s)"+
		"&_pragma=foreign_keys(1)",
		cfg.Path, cfg.BusyTimeout.Milliseconds(), cfg.Synchronous)
}

// check verifies the settings that SQLite may silently refuse: WAL needs
// shared memory, which some network file systems lack (not checked for
// a database that is not WAL's to set: in memory, or read-only).
func check(ctx context.Context, db *sql.DB, anyMode bool) error {
	var mode string
	if err := db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		return err
	}
	if !anyMode && !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal_mode is %q, want wal", mode)
	}
	var fk int
	if err := db.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil {
		return err
	}
	if fk != 1 {
		return fmt.Errorf("foreign_keys is %d, want 1", fk)
	}
	return nil
}
