package app

import (
	"context"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/handler"
	"github.com/vendorflow/vendorflow/pkg/tables/tablestest"
	"github.com/vendorflow/vendorflow/pkg/writebudget"
)

func TestWriteBudgetKey(t *testing.T) {
	tests := []struct {
		name, tenant, client, want string
	}{
		{"app registration", "11111111-2222-3333-4444-555555555555", "aaaa", "11111111-2222-3333-4444-555555555555/aaaa"},
		{"no client id", "t1", "", "t1/default"},
		{"emulator", "", "", "abc.com/default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := config.Load("", func(k string) (string, bool) {
				v, ok := map[string]string{"AZURE_TENANT_ID": tt.tenant, "AZURE_CLIENT_ID": tt.client}[k]
				return v, ok
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := WriteBudgetKey(cfg); got != tt.want {
				t.Errorf("WriteBudgetKey = %q, want %q", got, tt.want)
			}
		})
	}
}

// With the SQLite journal the budget is the process's own pacer; with the
// Table journal two instances opening it pace against one bucket: what
// one instance takes, the other waits for.
func TestWriteBudgetIsSharedWithTheTableJournal(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewFake(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	local, err := config.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := WriteBudget(ctx, local, clk)
	if err != nil {
		t.Fatal(err)
	}
	if _, shared := b.(*writebudget.Budget); shared {
		t.Fatal("the SQLite journal's budget is a shared one")
	}
	// Both kinds tell the handler how long a run would wait (serve wires it).
	if _, ok := b.(handler.WriteAdmission); !ok {
		t.Errorf("the in-process budget %T cannot tell the handler its delay", b)
	}
	var _ handler.WriteAdmission = (*writebudget.Budget)(nil)

	ts := tablestest.Settings(t)
	env := map[string]string{
		"VENDORFLOW_JOURNAL_TABLE_CONNECTION_STRING": ts.ConnectionString.Reveal(),
		"VENDORFLOW_JOURNAL_TABLE_PREFIX":            ts.Prefix,
		"VENDORFLOW_GRAPH_WRITE_QUOTA":               "300",
		"VENDORFLOW_GRAPH_WRITE_WINDOW":              "15s",
		"VENDORFLOW_GRAPH_WRITE_SHARE":               "0.95",
	}
	cfg, err := config.Load("", func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	var inst [2]*writebudget.Budget
	for i := range inst {
		b, err := WriteBudget(ctx, cfg, clk)
		if err != nil {
			t.Fatal(err)
		}
		var ok bool
		if inst[i], ok = b.(*writebudget.Budget); !ok {
			t.Fatalf("instance %d: budget %T, want the shared *writebudget.Budget", i, b)
		}
	}
	// 285 per 15 s with the burst (5 s of 150 s: 9 writes) and the hold
	// (1 s of 150 s: 100 ms) scaled to the window: one write per
	// (15 s + 100 ms) / (285 − 9).
	if iv, want := inst[0].Interval(), (15100*time.Millisecond+275)/276; iv != want {
		t.Fatalf("interval %v, want %v", iv, want)
	}
	for n := 0; n < 9; n++ {
		if w, err := inst[0].Reserve(ctx); err != nil || w != 0 {
			t.Fatalf("write %d of the burst on instance 0: wait %v, %v", n+1, w, err)
		}
	}
	w, err := inst[1].Reserve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if w <= 0 {
		t.Fatalf("instance 1 was not made to wait after instance 0 spent the burst (wait %v)", w)
	}
}
