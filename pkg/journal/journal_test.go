package journal_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/journal"
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

func request(id, kind, fingerprint string) domain.RequestRecord {
	return domain.RequestRecord{ID: id, Kind: kind, Fingerprint: fingerprint, Payload: []byte(`{"requestId":"` + id + `"}`)}
}

func begin(t testing.TB, j *journal.Journal, r domain.RequestRecord) domain.RequestRecord {
	t.Helper()
	got, _, err := j.Begin(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// wantCode fails unless err carries code ("" = no error).
func wantCode(t testing.TB, err error, code domain.Code) {
	t.Helper()
	if got := domain.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}

func TestOpenRefusesBadPath(t *testing.T) {
	for _, path := range []string{"", "j.db?mode=ro", "file:j.db"} {
		_, err := journal.Open(context.Background(), journal.Config{Path: path})
		wantCode(t, err, domain.Invalid)
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
	wantCode(t, err, domain.Internal)
}
