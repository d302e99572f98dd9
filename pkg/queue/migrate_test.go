package queue

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The queue's migrations are recorded by sqlitedb.Migrate with their
// checksums (the mechanism itself is tested in pkg/sqlitedb).
func TestEmbeddedMigrationsRecorded(t *testing.T) {
	q, _, _ := openTest(t, nil)
	names, err := fs.Glob(embeddedMigrations, "migrations/*.sql")
	if err != nil || len(names) == 0 {
		t.Fatalf("embedded migrations: %v %v", names, err)
	}
	var want [][2]string
	for _, n := range names {
		b, err := embeddedMigrations.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		want = append(want, [2]string{n[len("migrations/"):], hex.EncodeToString(sum[:])})
	}
	rows, err := q.db.QueryContext(context.Background(), `SELECT name, checksum FROM schema_migrations ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var got [][2]string
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

// An applied migration this build does not know (a newer binary migrated
// the file) makes Open fail rather than run on a schema it does not know.
func TestOpenRefusesUnknownMigration(t *testing.T) {
	ctx := context.Background()
	q, _, cfg := openTest(t, nil)
	if _, err := q.db.ExecContext(ctx, `INSERT INTO schema_migrations (name, checksum, applied_at) VALUES ('9999_future.sql', 'x', '2030-01-01T00:00:00Z')`); err != nil {
		t.Fatal(err)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, cfg); !errors.Is(err, ErrMigrationUnknown) {
		t.Errorf("Open = %v, want ErrMigrationUnknown", err)
	}
}
