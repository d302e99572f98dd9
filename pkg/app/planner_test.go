package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/app"
	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/plan"
)

// OpenPlanner reads the configured Graph and the journal the stack wrote,
// read-only: a request the journal has done is planned as done, a new one
// as the run would do it, and neither the journal file nor the tenant
// changes. Without Graph settings it refuses with ErrPlanNoGraph.
func TestOpenPlanner(t *testing.T) {
	ctx := context.Background()
	if _, err := app.OpenPlanner(ctx, config.Config{}, app.PlannerOptions{}); !errors.Is(err, app.ErrPlanNoGraph) {
		t.Fatalf("OpenPlanner without Graph settings: %v, want ErrPlanNoGraph", err)
	}
	clk := clock.NewFake(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	cfg, sim := app.DemoEmulator(t, clk)
	cfg.Journal.Path = filepath.Join(t.TempDir(), "journal.db")
	request := func(id string) []byte {
		b, err := json.Marshal(domain.OnboardRequest{SchemaVersion: 1, RequestID: id, Vendor: "Vendor1",
			Person:   domain.Person{GivenName: "Pia", Surname: "Plan", Email: "pia@vendor1.com"},
			Contract: domain.Period{Start: "2026-12-01", End: "2027-03-31"}, Sponsor: "pat.sponsor@" + cfg.Tenant.Domain})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	// no journal yet: nothing on record, and none is made
	p, err := app.OpenPlanner(ctx, cfg, app.PlannerOptions{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := p.Plan(ctx, []plan.Input{{Kind: domain.KindOnboard, Body: request("po-pia")}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if rep.Journal != "no journal at "+cfg.Journal.Path+" (nothing on record)" || !rep.Requests[0].Outcome.Done() {
		t.Errorf("journal %q, outcome %+v", rep.Journal, rep.Requests[0].Outcome)
	}
	if _, err := os.Stat(cfg.Journal.Path); !os.IsNotExist(err) {
		t.Fatalf("the plan made a journal: %v", err)
	}

	st, err := app.Open(ctx, cfg, app.Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := st.Engine.Process(ctx, domain.KindOnboard, request("po-pia")); err != nil || res.Status != domain.RequestDone {
		t.Fatalf("process: %+v, %v", res, err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(cfg.Journal.Path)
	if err != nil {
		t.Fatal(err)
	}
	writes := sim.Stats().Writes

	p, err = app.OpenPlanner(ctx, cfg, app.PlannerOptions{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	rep, err = p.Plan(ctx, []plan.Input{
		{Kind: domain.KindOnboard, Body: request("po-pia")},
		{Kind: domain.KindOnboard, Body: request("po-pia-2")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if o := rep.Requests[0].Outcome; !o.AlreadyDone || !o.Done() {
		t.Errorf("the request done before: %+v, want already done", o)
	}
	if c := rep.Requests[1].Credential; !rep.Requests[1].Outcome.Done() || c == nil || !c.Kept {
		t.Errorf("a new request for the account: %+v, credential %+v; want done, credential kept", rep.Requests[1].Outcome, c)
	}
	if rep.Journal != "the journal (SQLite "+cfg.Journal.Path+")" || rep.Directory != "Graph at "+cfg.Graph.BaseURL {
		t.Errorf("report read %q and %q", rep.Directory, rep.Journal)
	}
	after, err := os.ReadFile(cfg.Journal.Path)
	if err != nil {
		t.Fatal(err)
	}
	if string(after) != string(before) || sim.Stats().Writes != writes {
		t.Errorf("the plan changed the journal (%v) or wrote to Graph (%d writes)", string(after) != string(before), sim.Stats().Writes-writes)
	}
}
