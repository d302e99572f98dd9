package journal_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/journal"
	"github.com/vendorflow/vendorflow/pkg/journal/journaltest"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// openMem opens a private in-memory journal on a fake clock at t0.
func openMem(t testing.TB) (*journal.Journal, *clock.Fake) {
	t.Helper()
	return openAt(t, ":memory:")
}

func openAt(t testing.TB, path string) (*journal.Journal, *clock.Fake) {
	t.Helper()
	clk := clock.NewFake(t0)
	j, err := journal.Open(context.Background(), journal.Config{Path: path, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j, clk
}

func tempPath(t testing.TB) string { return filepath.Join(t.TempDir(), "journal", "j.db") }

func TestOpenRefusesBadPath(t *testing.T) {
	for _, path := range []string{"", "j.db?mode=ro", "file:j.db"} {
		_, err := journal.Open(context.Background(), journal.Config{Path: path})
		journaltest.WantCode(t, err, domain.Invalid)
	}
}

func TestClosedJournalIsInternal(t *testing.T) {
	j, err := journal.Open(context.Background(), journal.Config{Path: ":memory:", Clock: clock.NewFake(t0)})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = j.Request(context.Background(), "r1")
	journaltest.WantCode(t, err, domain.Internal)
}

// A read-only journal reads what is there, writes nothing, and is not made
// where there is none.
func TestReadOnlyJournal(t *testing.T) {
	ctx := context.Background()
	path := tempPath(t)
	_, err := journal.Open(ctx, journal.Config{Path: path, ReadOnly: true})
	journaltest.WantCode(t, err, domain.NotFound)
	if _, serr := os.Stat(filepath.Dir(path)); !os.IsNotExist(serr) {
		t.Fatalf("the journal's directory was created (stat: %v)", serr)
	}

	rw, _ := openAt(t, path)
	if _, _, err := rw.Begin(ctx, domain.RequestRecord{ID: "r1", Kind: domain.KindOnboard, Fingerprint: "f", Status: domain.RequestReceived}); err != nil {
		t.Fatal(err)
	}
	ro, err := journal.Open(ctx, journal.Config{Path: path, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if r, err := ro.Request(ctx, "r1"); err != nil || r.ID != "r1" {
		t.Fatalf("read: %+v, %v", r, err)
	}
	if _, _, err := ro.Begin(ctx, domain.RequestRecord{ID: "r2", Kind: domain.KindOnboard, Fingerprint: "f", Status: domain.RequestReceived}); err == nil {
		t.Fatal("a read-only journal accepted a write")
	}

	other := filepath.Join(t.TempDir(), "notes.db")
	if err := os.WriteFile(other, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = journal.Open(ctx, journal.Config{Path: other, ReadOnly: true})
	journaltest.WantCode(t, err, domain.Invalid)
}
