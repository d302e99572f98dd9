package queue

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

func TestEmbeddedMigrationsRecorded(t *testing.T) {
	q, _, _ := openTest(t, nil)
	migs, err := loadMigrations(embeddedMigrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := q.db.QueryContext(context.Background(), `SELECT name, checksum FROM schema_migrations ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var got, want [][2]string
	for rows.Next() {
		var r [2]string
		if err := rows.Scan(&r[0], &r[1]); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	for _, m := range migs {
		want = append(want, [2]string{m.name, m.checksum})
	}
	if len(want) == 0 {
		t.Fatal("no embedded migrations")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("schema_migrations (-want +got):\n%s", diff)
	}
}

// TestOpenDetectsChangedMigration tampers with the recorded checksum of the
// embedded migration, as if the file's text had changed after it was applied.
func TestOpenDetectsChangedMigration(t *testing.T) {
	ctx := context.Background()
	q, _, cfg := openTest(t, nil)
	if _, err := q.db.ExecContext(ctx, `UPDATE schema_migrations SET checksum = 'edited' WHERE name = '0001_init.sql'`); err != nil {
		t.Fatal(err)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, cfg); !errors.Is(err, ErrMigrationChecksum) {
		t.Errorf("Open = %v, want ErrMigrationChecksum", err)
	}
}

func TestMigrate(t *testing.T) {
	v1 := fstest.MapFS{
		"m/0001_a.sql": {Data: []byte(`CREATE TABLE a (x INTEGER);`)},
		"m/0002_b.sql": {Data: []byte(`CREATE TABLE b (x INTEGER); CREATE INDEX b_x ON b (x);`)},
	}
	tests := []struct {
		name        string
		next        fstest.MapFS
		wantErr     error // nil = success
		wantAnyErr  bool
		wantApplied []string
	}{
		{"same set again", v1, nil, false, []string{"0001_a.sql", "0002_b.sql"}},
		{"new migration applied after the others", fstest.MapFS{
			"m/0001_a.sql": v1["m/0001_a.sql"],
			"m/0002_b.sql": v1["m/0002_b.sql"],
			"m/0010_c.sql": {Data: []byte(`ALTER TABLE b ADD COLUMN y TEXT;`)},
		}, nil, false, []string{"0001_a.sql", "0002_b.sql", "0010_c.sql"}},
		{"applied migration changed", fstest.MapFS{
			"m/0001_a.sql": {Data: []byte(`CREATE TABLE a (x INTEGER, y TEXT);`)},
			"m/0002_b.sql": v1["m/0002_b.sql"],
		}, ErrMigrationChecksum, false, []string{"0001_a.sql", "0002_b.sql"}},
		{"applied migration no longer embedded", fstest.MapFS{
			"m/0001_a.sql": v1["m/0001_a.sql"],
		}, ErrMigrationUnknown, false, []string{"0001_a.sql", "0002_b.sql"}},
		{"failing migration rolled back whole", fstest.MapFS{
			"m/0001_a.sql":   v1["m/0001_a.sql"],
			"m/0002_b.sql":   v1["m/0002_b.sql"],
			"m/0003_bad.sql": {Data: []byte(`CREATE TABLE c (x INTEGER); INSERT INTO nowhere VALUES (1);`)},
		}, nil, true, []string{"0001_a.sql", "0002_b.sql"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			cfg := Config{Path: filepath.Join(t.TempDir(), "m.db")}
			cfg.SetDefaults()
			db, err := sql.Open("sqlite", dsn(cfg))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			db.SetMaxOpenConns(1)
			run := func(fsys fstest.MapFS) error {
				migs, err := loadMigrations(fsys, "m")
				if err != nil {
					t.Fatal(err)
				}
				return migrate(ctx, db, migs, newFakeClock().Now)
			}
			if err := run(v1); err != nil {
				t.Fatalf("first migrate: %v", err)
			}
			err = run(tt.next)
			switch {
			case tt.wantAnyErr:
				if err == nil {
					t.Errorf("migrate succeeded, want an error")
				}
			case !errors.Is(err, tt.wantErr):
				t.Errorf("migrate = %v, want %v", err, tt.wantErr)
			}
			var applied []string
			rows, err := db.QueryContext(ctx, `SELECT name FROM schema_migrations ORDER BY name`)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var n string
				if err := rows.Scan(&n); err != nil {
					t.Fatal(err)
				}
				applied = append(applied, n)
			}
			rows.Close()
			if diff := cmp.Diff(tt.wantApplied, applied); diff != "" {
				t.Errorf("applied (-want +got):\n%s", diff)
			}
			if tt.wantAnyErr {
				var n int
				if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE name = 'c'`).Scan(&n); err != nil || n != 0 {
					t.Errorf("table c of the failed migration exists (%d, %v)", n, err)
				}
			}
		})
	}
}
