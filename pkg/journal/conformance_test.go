package journal_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/journal"
	"github.com/vendorflow/vendorflow/pkg/journal/journaltest"
)

// sqliteImpl runs the conformance suite on journal files in a temporary
// directory; the two-process test shares one file.
var sqliteImpl = journaltest.Impl{
	NewStore: func(t testing.TB) string { return filepath.Join(t.TempDir(), "journal.db") },
	Open: func(ctx context.Context, loc string, clk clock.Clock) (journaltest.Journal, error) {
		return journal.Open(ctx, journal.Config{Path: loc, Clock: clk})
	},
	AtomicBatch: true,
}

func TestMain(m *testing.M) {
	journaltest.ChildMain(sqliteImpl)
	os.Exit(m.Run())
}

func TestConformance(t *testing.T) { journaltest.Run(t, sqliteImpl) }
