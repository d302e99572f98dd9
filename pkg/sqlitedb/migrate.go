package sqlitedb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/vendorflow/vendorflow/pkg/clock"
)

// Migration errors, wrapped with the migration's name.
var (
	// ErrChecksumMismatch: an applied migration's file was edited afterwards.
	// Applied migrations are immutable; add a new one instead.
	ErrChecksumMismatch = errors.New("applied migration was changed")
	// ErrUnknownMigration: the database records a migration this build does
	// not have (it was migrated by a newer build).
	ErrUnknownMigration = errors.New("database has a migration this build does not know")
	// ErrNoMigrations: the directory holds no *.sql file.
	ErrNoMigrations = errors.New("no migrations found")
)

// MigrateOption adjusts Migrate.
type MigrateOption func(*migrateConfig)

type migrateConfig struct{ clock clock.Clock }

// WithClock sets the clock whose time is recorded as applied_at (default:
// clock.Real{}).
func WithClock(c clock.Clock) MigrateOption { return func(m *migrateConfig) { m.clock = c } }

// Migrate applies the *.sql files of dir in fsys (typically an embed.FS) in
// lexical order of their names (0001_init.sql, 0002_...). Each migration
// runs in its own IMMEDIATE transaction together with its record in the
// schema_migrations table (name, sha256 checksum of the file, applied_at as
// RFC 3339 UTC), so a failing migration leaves no trace and two processes
// migrating one file apply each migration once. A migration already recorded
// is skipped if its checksum matches and is an ErrChecksumMismatch error
// naming it otherwise; a recorded migration missing from dir is an
// ErrUnknownMigration error. Re-running is a no-op.
//
// Migrations must be transactional SQL: statements that cannot run inside a
// transaction (VACUUM, PRAGMA journal_mode, ...) do not belong in them.
func Migrate(ctx context.Context, db *sql.DB, fsys fs.FS, dir string, opts ...MigrateOption) error {
	cfg := migrateConfig{clock: clock.Real{}}
	for _, o := range opts {
		o(&cfg)
	}
	files, err := readMigrations(fsys, dir)
	if err != nil {
		return err
	}
	if err := WithTx(ctx, db, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			name       TEXT NOT NULL PRIMARY KEY,
			checksum   TEXT NOT NULL,
			applied_at TEXT NOT NULL
		)`)
		return err
	}); err != nil {
		return fmt.Errorf("sqlitedb: create schema_migrations: %w", err)
	}
	if err := checkKnown(ctx, db, files); err != nil {
		return err
	}
	for _, m := range files {
		if err := apply(ctx, db, m, cfg.clock); err != nil {
			return err
		}
	}
	return nil
}

// ErrNotMigrated is wrapped by Applied's error for a database that lacks
// some migration (or has no schema_migrations table at all).
var ErrNotMigrated = errors.New("migrations not applied")

// Applied checks, without writing, that every migration in dir is
// recorded in db with its checksum: the read-only counterpart of Migrate,
// for a database that must not be changed (ErrNotMigrated,
// ErrChecksumMismatch or ErrUnknownMigration when it is not so).
func Applied(ctx context.Context, db *sql.DB, fsys fs.FS, dir string) error {
	files, err := readMigrations(fsys, dir)
	if err != nil {
		return err
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&n); err != nil {
		return fmt.Errorf("sqlitedb: read the schema: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("sqlitedb: no schema_migrations table: %w", ErrNotMigrated)
	}
	if err := checkKnown(ctx, db, files); err != nil {
		return err
	}
	for _, m := range files {
		var sum string
		switch err := db.QueryRowContext(ctx, `SELECT checksum FROM schema_migrations WHERE name = ?`, m.name).Scan(&sum); {
		case errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("sqlitedb: migration %s: %w", m.name, ErrNotMigrated)
		case err != nil:
			return fmt.Errorf("sqlitedb: migration %s: %w", m.name, err)
		case sum != m.checksum:
			return fmt.Errorf("sqlitedb: migration %s: %w", m.name, ErrChecksumMismatch)
		}
	}
	return nil
}

type migration struct {
	name     string // file name, without dir
	body     string
	checksum string // hex sha256 of the file's bytes
}

func readMigrations(fsys fs.FS, dir string) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, dir) // sorted by name
	if err != nil {
		return nil, fmt.Errorf("sqlitedb: list migrations in %s: %w", dir, err)
	}
	var out []migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("sqlitedb: read migration %s: %w", e.Name(), err)
		}
		sum := sha256.Sum256(b)
		out = append(out, migration{name: e.Name(), body: string(b), checksum: hex.EncodeToString(sum[:])})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("sqlitedb: %s: %w", dir, ErrNoMigrations)
	}
	return out, nil
}

func checkKnown(ctx context.Context, db *sql.DB, files []migration) error {
	known := make(map[string]bool, len(files))
	for _, m := range files {
		known[m.name] = true
	}
	rows, err := db.QueryContext(ctx, `SELECT name FROM schema_migrations ORDER BY name`)
	if err != nil {
		return fmt.Errorf("sqlitedb: list applied migrations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return fmt.Errorf("sqlitedb: list applied migrations: %w", err)
		}
		if !known[name] {
			return fmt.Errorf("sqlitedb: migration %s: %w", name, ErrUnknownMigration)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlitedb: list applied migrations: %w", err)
	}
	return nil
}

// apply runs one migration unless it is recorded; the check and the work
// share one IMMEDIATE transaction.
func apply(ctx context.Context, db *sql.DB, m migration, clk clock.Clock) error {
	return WithTx(ctx, db, func(tx *sql.Tx) error {
		var sum string
		switch err := tx.QueryRowContext(ctx, `SELECT checksum FROM schema_migrations WHERE name = ?`, m.name).Scan(&sum); {
		case err == nil:
			if sum != m.checksum {
				return fmt.Errorf("sqlitedb: migration %s was edited after it was applied (recorded sha256 %.12s…, file %.12s…); add a new migration instead: %w",
					m.name, sum, m.checksum, ErrChecksumMismatch)
			}
			return nil
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("sqlitedb: migration %s: read record: %w", m.name, err)
		}
		if strings.TrimSpace(m.body) != "" {
			if _, err := tx.ExecContext(ctx, m.body); err != nil {
				return fmt.Errorf("sqlitedb: migration %s failed (rolled back): %w", m.name, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name, checksum, applied_at) VALUES (?, ?, ?)`,
			m.name, m.checksum, clk.Now().UTC().Format(time.RFC3339Nano)); err != nil {
			return fmt.Errorf("sqlitedb: migration %s: record: %w", m.name, err)
		}
		return nil
	})
}
