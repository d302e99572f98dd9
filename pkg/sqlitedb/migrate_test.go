package sqlitedb_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/sqlitedb"
)

var t0 = time.Date(2026, 3, 1, 9, 30, 0, 123456789, time.UTC)

// migs builds a migrations directory; 0002 depends on 0001, so the map's
// (random) order would break it: Migrate must sort.
func migs(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, body := range files {
		fsys["db/migrations/"+name] = &fstest.MapFile{Data: []byte(body)}
	}
	return fsys
}

var base = map[string]string{
	"0001_init.sql":  "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\nCREATE INDEX items_name ON items(name);",
	"0002_more.sql":  "ALTER TABLE items ADD COLUMN size INTEGER NOT NULL DEFAULT 0;",
	"README.md":      "not a migration",
	"0003_seed.sql":  "INSERT INTO items (name, size) VALUES ('a', 1);",
	"0000_empty.sql": "  \n",
}

type applied struct {
	Name, Checksum, AppliedAt string
}

func appliedRows(t *testing.T, db *sql.DB) []applied {
	t.Helper()
	rows, err := db.Query(`SELECT name, checksum, applied_at FROM schema_migrations ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []applied
	for rows.Next() {
		var a applied
		if err := rows.Scan(&a.Name, &a.Checksum, &a.AppliedAt); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func names(as []applied) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Name)
	}
	return out
}

func tableExists(t *testing.T, db *sql.DB, name string) bool {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`, name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

func openMem(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sqlitedb.Open(context.Background(), sqlitedb.MemoryPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestMigrateFreshThenNoOp(t *testing.T) {
	ctx := context.Background()
	db := openMem(t)
	clk := clock.NewFake(t0)
	fsys := migs(base)
	if err := sqlitedb.Migrate(ctx, db, fsys, "db/migrations", sqlitedb.WithClock(clk)); err != nil {
		t.Fatal(err)
	}
	first := appliedRows(t, db)
	if diff := cmp.Diff([]string{"0000_empty.sql", "0001_init.sql", "0002_more.sql", "0003_seed.sql"}, names(first)); diff != "" {
		t.Errorf("applied (-want +got):\n%s", diff)
	}
	for _, a := range first {
		if len(a.Checksum) != 64 || a.AppliedAt != "2026-03-01T09:30:00.123456789Z" {
			t.Errorf("%s: checksum %q applied_at %q", a.Name, a.Checksum, a.AppliedAt)
		}
	}
	var name string
	var size int
	if err := db.QueryRow(`SELECT name, size FROM items`).Scan(&name, &size); err != nil || name != "a" || size != 1 {
		t.Fatalf("seeded row = %q %d (%v)", name, size, err)
	}

	// Re-run later: nothing applied again (the seed would duplicate), records unchanged.
	clk.Advance(time.Hour)
	if err := sqlitedb.Migrate(ctx, db, fsys, "db/migrations", sqlitedb.WithClock(clk)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first, appliedRows(t, db)); diff != "" {
		t.Errorf("records after re-run (-want +got):\n%s", diff)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM items`).Scan(&n); err != nil || n != 1 {
		t.Errorf("items = %d (%v), want 1", n, err)
	}

	// A new migration added later is applied alone.
	more := map[string]string{"0004_next.sql": "CREATE TABLE other (x INTEGER);"}
	for k, v := range base {
		more[k] = v
	}
	if err := sqlitedb.Migrate(ctx, db, migs(more), "db/migrations", sqlitedb.WithClock(clk)); err != nil {
		t.Fatal(err)
	}
	got := appliedRows(t, db)
	if len(got) != 5 || got[4].Name != "0004_next.sql" || got[4].AppliedAt != "2026-03-01T10:30:00.123456789Z" || !tableExists(t, db, "other") {
		t.Errorf("after adding 0004: %+v", got)
	}
}

func TestMigrateErrors(t *testing.T) {
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range extra {
			if v == "" {
				delete(m, k)
				continue
			}
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name    string
		second  fstest.MapFS // migrated after base
		wantErr error
		wantIn  string // text the error must contain
	}{
		{
			name:    "checksum mismatch",
			second:  migs(with(map[string]string{"0002_more.sql": "ALTER TABLE items ADD COLUMN size INTEGER;"})),
			wantErr: sqlitedb.ErrChecksumMismatch,
			wantIn:  "0002_more.sql",
		},
		{
			name:    "unknown applied migration",
			second:  migs(with(map[string]string{"0003_seed.sql": ""})),
			wantErr: sqlitedb.ErrUnknownMigration,
			wantIn:  "0003_seed.sql",
		},
		{
			name:    "no migrations",
			second:  fstest.MapFS{"db/migrations/x.txt": &fstest.MapFile{Data: []byte("x")}},
			wantErr: sqlitedb.ErrNoMigrations,
			wantIn:  "db/migrations",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db := openMem(t)
			if err := sqlitedb.Migrate(ctx, db, migs(base), "db/migrations"); err != nil {
				t.Fatal(err)
			}
			before := appliedRows(t, db)
			err := sqlitedb.Migrate(ctx, db, tt.second, "db/migrations")
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.wantIn) {
				t.Fatalf("err = %v, want %v naming %q", err, tt.wantErr, tt.wantIn)
			}
			if diff := cmp.Diff(before, appliedRows(t, db)); diff != "" {
				t.Errorf("records changed (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMigrateFailureRollsBack(t *testing.T) {
	ctx := context.Background()
	db := openMem(t)
	fsys := migs(map[string]string{
		"0001_init.sql": "CREATE TABLE items (id INTEGER PRIMARY KEY);",
		// The first statement succeeds, the second fails: neither may stay.
		"0002_bad.sql":  "CREATE TABLE half (x INTEGER);\nINSERT INTO missing VALUES (1);",
		"0003_next.sql": "CREATE TABLE later (x INTEGER);",
	})
	err := sqlitedb.Migrate(ctx, db, fsys, "db/migrations")
	if err == nil || !strings.Contains(err.Error(), "0002_bad.sql") {
		t.Fatalf("err = %v, want a failure naming 0002_bad.sql", err)
	}
	if diff := cmp.Diff([]string{"0001_init.sql"}, names(appliedRows(t, db))); diff != "" {
		t.Errorf("recorded (-want +got):\n%s", diff)
	}
	for table, want := range map[string]bool{"items": true, "half": false, "later": false} {
		if got := tableExists(t, db, table); got != want {
			t.Errorf("table %s exists = %v, want %v", table, got, want)
		}
	}
}
