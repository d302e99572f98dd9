package journal_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
	"github.com/vendorflow/vendorflow/pkg/journal"
	"github.com/vendorflow/vendorflow/pkg/journal/journaltest"
)

type snapshot struct {
	Requests []domain.RequestRecord
	Steps    []domain.StepRecord
	Account  domain.AccountRecord
	Stats    map[domain.RequestStatus]int
}

func snap(t *testing.T, j *journal.Journal) snapshot {
	t.Helper()
	ctx := context.Background()
	var s snapshot
	var err error
	if s.Requests, err = j.Requests(ctx, engine.RequestFilter{}); err != nil {
		t.Fatal(err)
	}
	if s.Steps, err = j.Steps(ctx, "r1"); err != nil {
		t.Fatal(err)
	}
	if s.Account, err = j.Account(ctx, "vendor1_a@abc.com"); err != nil {
		t.Fatal(err)
	}
	if s.Stats, err = j.Stats(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestReopenFindsEverything(t *testing.T) {
	ctx := context.Background()
	path := tempPath(t)
	clk := clock.NewFake(t0)
	j, err := journal.Open(ctx, journal.Config{Path: path, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	journaltest.Begin(t, j, journaltest.Request("r1", domain.KindOnboard, "fp1"))
	journaltest.Begin(t, j, journaltest.Request("r2", domain.KindOffboard, "fp2"))
	steps := []func() error{
		func() error { return j.SetStatus(ctx, "r1", domain.RequestRunning, "", "") },
		func() error { _, err := j.StartStep(ctx, "r1", domain.StepValidate); return err },
		func() error { return j.FinishStep(ctx, "r1", domain.StepValidate, nil) },
		func() error { _, err := j.StartStep(ctx, "r1", domain.StepEnsureUser); return err },
		func() error {
			return j.FinishStep(ctx, "r1", domain.StepEnsureUser, map[string]string{"userId": "u-1"})
		},
		func() error { return j.SetUPN(ctx, "r1", "Vendor1_A@abc.com") },
		func() error {
			return j.PutAccount(ctx, domain.AccountRecord{UPN: "Vendor1_A@abc.com", UserID: "u-1", State: domain.AccountActive,
				ContractEnd: t0.AddDate(0, 6, 0), LastRequest: "r1", IntentAt: t0})
		},
		func() error { return j.SetStatus(ctx, "r2", domain.RequestParked, domain.NotFound, "no such account") },
	}
	for i, step := range steps {
		clk.Advance(1500 * time.Microsecond)
		if err := step(); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	before := snap(t, j)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}

	again, err := journal.Open(ctx, journal.Config{Path: path, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if diff := cmp.Diff(before, snap(t, again)); diff != "" {
		t.Errorf("after reopen (-before +after):\n%s", diff)
	}
	if len(before.Requests) != 2 || len(before.Steps) != 2 || before.Steps[1].Outputs["userId"] != "u-1" {
		t.Errorf("snapshot is missing writes: %+v", before)
	}
}
