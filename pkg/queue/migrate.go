package queue

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var embeddedMigrations embed.FS

type migration struct {
	name     string
	sql      string
	checksum string
}

// loadMigrations reads every *.sql file under dir of fsys, sorted by name.
func loadMigrations(fsys fs.FS, dir string) ([]migration, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.sql"))
	if err != nil {
		return nil, fmt.Errorf("queue: list migrations: %w", err)
	}
	sort.Strings(names)
	out := make([]migration, 0, len(names))
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("queue: read migration %s: %w", n, err)
		}
		sum := sha256.Sum256(b)
		out = append(out, migration{name: path.Base(n), sql: string(b), checksum: hex.EncodeToString(sum[:])})
	}
	return out, nil
}

// migrate applies the migrations not yet recorded, in order, each in its own
// IMMEDIATE transaction (so two processes opening a fresh file do not both
// apply one), and verifies the checksum of those already applied.
func migrate(ctx context.Context, db *sql.DB, migs []migration, now func() time.Time) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name       TEXT    NOT NULL PRIMARY KEY,
		checksum   TEXT    NOT NULL,
		applied_at INTEGER NOT NULL
	) STRICT`); err != nil {
		return fmt.Errorf("queue: create schema_migrations: %w", err)
	}
	known := make(map[string]bool, len(migs))
	for _, m := range migs {
		known[m.name] = true
		if err := applyOne(ctx, db, m, now); err != nil {
			return err
		}
	}
	rows, err := db.QueryContext(ctx, `SELECT name FROM schema_migrations ORDER BY name`)
	if err != nil {
		return fmt.Errorf("queue: list applied migrations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return fmt.Errorf("queue: list applied migrations: %w", err)
		}
		if !known[name] {
			return fmt.Errorf("%w: %s", ErrMigrationUnknown, name)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("queue: list applied migrations: %w", err)
	}
	return nil
}

func applyOne(ctx context.Context, db *sql.DB, m migration, now func() time.Time) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("queue: migration %s: begin: %w", m.name, err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	var sum string
	switch err := tx.QueryRowContext(ctx, `SELECT checksum FROM schema_migrations WHERE name = ?`, m.name).Scan(&sum); {
	case err == nil:
		if sum != m.checksum {
			return fmt.Errorf("%w: %s: recorded checksum %s, embedded %s", ErrMigrationChecksum, m.name, short(sum), short(m.checksum))
		}
		return tx.Rollback()
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("queue: migration %s: read: %w", m.name, err)
	}
	if strings.TrimSpace(m.sql) != "" {
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("queue: migration %s: apply: %w", m.name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name, checksum, applied_at) VALUES (?, ?, ?)`,
		m.name, m.checksum, toNanos(now())); err != nil {
		return fmt.Errorf("queue: migration %s: record: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("queue: migration %s: commit: %w", m.name, err)
	}
	return nil
}

func short(sum string) string {
	if len(sum) > 12 {
		return sum[:12]
	}
	return sum
}
