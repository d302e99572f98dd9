package sqlitedb_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/sqlitedb"
)

func TestOpenFileSettings(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "nested", "dir", "x.db")
	db, err := sqlitedb.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file: %v", err)
	}
	type settings struct {
		JournalMode string
		ForeignKeys int
		BusyTimeout int
		Synchronous int
	}
	// Several connections at once: every one must carry the settings.
	conns := make([]settings, 3)
	var held []func() error
	for i := range conns {
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c.Close)
		s := &conns[i]
		for _, q := range []struct {
			sql string
			dst any
		}{
			{`PRAGMA journal_mode`, &s.JournalMode},
			{`PRAGMA foreign_keys`, &s.ForeignKeys},
			{`PRAGMA busy_timeout`, &s.BusyTimeout},
			{`PRAGMA synchronous`, &s.Synchronous},
		} {
			if err := c.QueryRowContext(ctx, q.sql).Scan(q.dst); err != nil {
				t.Fatalf("%s: %v", q.sql, err)
			}
		}
	}
	for _, c := range held {
		_ = c()
	}
	want := settings{JournalMode: "wal", ForeignKeys: 1, BusyTimeout: 5000, Synchronous: 1}
	for i, got := range conns {
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("conn %d settings (-want +got):\n%s", i, diff)
		}
	}
}

func TestOpenConfigSynchronousFull(t *testing.T) {
	ctx := context.Background()
	db, err := sqlitedb.OpenConfig(ctx, sqlitedb.Config{
		Path: filepath.Join(t.TempDir(), "f.db"), Synchronous: "full", BusyTimeout: 250 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var sync, busy int
	if err := db.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&sync); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&busy); err != nil {
		t.Fatal(err)
	}
	if sync != 2 || busy != 250 {
		t.Errorf("synchronous=%d busy_timeout=%d, want 2 (FULL) and 250", sync, busy)
	}
}

func TestOpenMemoryIsOneSharedDatabase(t *testing.T) {
	ctx := context.Background()
	db, err := sqlitedb.Open(ctx, sqlitedb.MemoryPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := db.Stats().MaxOpenConnections; got != 1 {
		t.Errorf("MaxOpenConnections = %d, want 1", got)
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE t (x INTEGER)`); err != nil {
		t.Fatal(err)
	}
	// A later call (any pooled connection) sees the same database.
	if err := sqlitedb.WithTx(ctx, db, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO t VALUES (1)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM t`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("rows = %d, want 1", n)
	}
	var fk int
	if err := db.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign_keys = %d (%v), want 1", fk, err)
	}
}

func TestOpenRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  sqlitedb.Config
	}{
		{"empty path", sqlitedb.Config{}},
		{"uri", sqlitedb.Config{Path: "file:x.db"}},
		{"query", sqlitedb.Config{Path: "x.db?mode=ro"}},
		{"synchronous", sqlitedb.Config{Path: "x.db", Synchronous: "OFF"}},
		{"busy timeout", sqlitedb.Config{Path: "x.db", BusyTimeout: time.Microsecond}},
		{"conns", sqlitedb.Config{Path: "x.db", MaxOpenConns: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := sqlitedb.OpenConfig(context.Background(), tt.cfg)
			if !errors.Is(err, sqlitedb.ErrInvalidConfig) {
				if err == nil {
					db.Close()
				}
				t.Fatalf("err = %v, want ErrInvalidConfig", err)
			}
		})
	}
}
