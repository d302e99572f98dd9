package tablejournal_test

import (
	"context"
	"os"
	"testing"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/journal/journaltest"
	"github.com/vendorflow/vendorflow/pkg/secret"
	"github.com/vendorflow/vendorflow/pkg/tablejournal"
	"github.com/vendorflow/vendorflow/pkg/tables"
	"github.com/vendorflow/vendorflow/pkg/tables/tablestest"
)

// tableImpl runs the conformance suite on Azurite ($VENDORFLOW_TEST_TABLES):
// a store is a fresh table prefix; the two-process test shares one. The
// locator is the prefix alone: the connection string comes from the
// environment, never from a command line.
var tableImpl = journaltest.Impl{
	NewStore: func(t testing.TB) string {
		s := tablestest.Settings(t)
		t.Cleanup(func() { dropTables(t, s) })
		return s.Prefix
	},
	Open: func(ctx context.Context, prefix string, clk clock.Clock) (journaltest.Journal, error) {
		svc, err := tables.Open(tables.Settings{ConnectionString: secret.New(os.Getenv(tablestest.Env)), Prefix: prefix})
		if err != nil {
			return nil, err
		}
		return tablejournal.Open(ctx, svc, clk)
	},
}

func dropTables(t testing.TB, s tables.Settings) {
	svc, err := tables.Open(s)
	if err != nil {
		t.Error(err)
		return
	}
	for _, name := range []string{tablejournal.RequestsTable, tablejournal.IndexTable, tablejournal.AccountsTable} {
		if err := svc.DeleteTable(context.Background(), name); err != nil {
			t.Error(err)
		}
	}
}

func TestMain(m *testing.M) {
	journaltest.ChildMain(tableImpl)
	os.Exit(m.Run())
}

func TestConformance(t *testing.T) { journaltest.Run(t, tableImpl) }
