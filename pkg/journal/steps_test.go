package journal_test

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/journal"
)

// One step through start → fail → start → finish, a minute per operation;
// after each operation the step record must be exactly want.
func TestStepLifecycle(t *testing.T) {
	ctx := context.Background()
	j, clk := openMem(t)
	begin(t, j, request("r1", domain.KindOnboard, "fp"))
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	outputs := map[string]string{"userId": "8f0c-11", "upn": "vendor1_a@abc.com"}
	ops := []struct {
		name string
		do   func() error
		want domain.StepRecord
	}{
		{
			name: "start",
			do: func() error {
				got, err := j.StartStep(ctx, "r1", domain.StepEnsureUser)
				if diff := cmp.Diff(domain.StepRecord{RequestID: "r1", Step: domain.StepEnsureUser, Status: domain.StepRunning,
					Attempts: 1, StartedAt: at(1)}, got); diff != "" {
					t.Errorf("StartStep result (-want +got):\n%s", diff)
				}
				return err
			},
			want: domain.StepRecord{RequestID: "r1", Step: domain.StepEnsureUser, Status: domain.StepRunning, Attempts: 1, StartedAt: at(1)},
		},
		{
			name: "fail",
			do: func() error {
				return j.FailStep(ctx, "r1", domain.StepEnsureUser, domain.Transient, "graph: 503 Service Unavailable")
			},
			want: domain.StepRecord{RequestID: "r1", Step: domain.StepEnsureUser, Status: domain.StepFailed, Attempts: 1,
				ErrorCode: domain.Transient, Error: "graph: 503 Service Unavailable", StartedAt: at(1), FinishedAt: at(2)},
		},
		{
			name: "start again: attempt counted, last error kept",
			do: func() error {
				got, err := j.StartStep(ctx, "r1", domain.StepEnsureUser)
				if got.Attempts != 2 || got.Status != domain.StepRunning {
					t.Errorf("StartStep result = %+v", got)
				}
				return err
			},
			want: domain.StepRecord{RequestID: "r1", Step: domain.StepEnsureUser, Status: domain.StepRunning, Attempts: 2,
				ErrorCode: domain.Transient, Error: "graph: 503 Service Unavailable", StartedAt: at(3)},
		},
		{
			name: "finish",
			do:   func() error { return j.FinishStep(ctx, "r1", domain.StepEnsureUser, outputs) },
			want: domain.StepRecord{RequestID: "r1", Step: domain.StepEnsureUser, Status: domain.StepDone, Attempts: 2,
				StartedAt: at(3), FinishedAt: at(4), Outputs: outputs},
		},
	}
	for _, op := range ops {
		clk.Advance(time.Minute)
		if err := op.do(); err != nil {
			t.Fatalf("%s: %v", op.name, err)
		}
		got, err := j.Steps(ctx, "r1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]domain.StepRecord{op.want}, got); diff != "" {
			t.Errorf("after %s (-want +got):\n%s", op.name, diff)
		}
	}
}

func TestStepsOrder(t *testing.T) {
	ctx := context.Background()
	j, _ := openMem(t)
	begin(t, j, request("r1", domain.KindOnboard, "fp1"))
	begin(t, j, request("r2", domain.KindOnboard, "fp2"))
	begin(t, j, request("r3", domain.KindOnboard, "fp3"))
	starts := []struct {
		id   string
		step domain.Step
	}{
		{"r1", domain.StepValidate},
		{"r2", domain.StepValidate},
		{"r1", domain.StepEnsureUser},
		{"r1", domain.StepEnsureSegment},
		{"r1", domain.StepValidate}, // a restart keeps the first position
		{"r2", domain.StepEnsureUser},
		{"r1", domain.StepEnsureLicenses},
	}
	for _, s := range starts {
		if _, err := j.StartStep(ctx, s.id, s.step); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		id   string
		want []domain.Step
	}{
		{"r1", []domain.Step{domain.StepValidate, domain.StepEnsureUser, domain.StepEnsureSegment, domain.StepEnsureLicenses}},
		{"r2", []domain.Step{domain.StepValidate, domain.StepEnsureUser}},
		{"r3", []domain.Step{}},
	}
	for _, tt := range tests {
		got, err := j.Steps(ctx, tt.id)
		if err != nil {
			t.Fatal(err)
		}
		names := []domain.Step{}
		for _, s := range got {
			names = append(names, s.Step)
		}
		if diff := cmp.Diff(tt.want, names); diff != "" {
			t.Errorf("%s steps (-want +got):\n%s", tt.id, diff)
		}
	}
}

func TestStepErrors(t *testing.T) {
	ctx := context.Background()
	j, _ := openMem(t)
	begin(t, j, request("r1", domain.KindOnboard, "fp"))
	tests := []struct {
		name string
		err  func() error
		code domain.Code
	}{
		{"start, missing request", func() error { _, err := j.StartStep(ctx, "nope", domain.StepValidate); return err }, domain.NotFound},
		{"start, empty step", func() error { _, err := j.StartStep(ctx, "r1", ""); return err }, domain.Invalid},
		{"finish, not started", func() error { return j.FinishStep(ctx, "r1", domain.StepValidate, nil) }, domain.NotFound},
		{"finish, missing request", func() error { return j.FinishStep(ctx, "nope", domain.StepValidate, nil) }, domain.NotFound},
		{"fail, not started", func() error { return j.FailStep(ctx, "r1", domain.StepValidate, domain.Business, "x") }, domain.NotFound},
		{"steps, missing request", func() error { _, err := j.Steps(ctx, "nope"); return err }, domain.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantCode(t, tt.err(), tt.code) })
	}
	got, err := j.Steps(ctx, "r1")
	if err != nil || len(got) != 0 {
		t.Errorf("Steps after refused writes = %+v, %v; want none", got, err)
	}
}

// Long texts are cut (a guard against storing whole response bodies).
func TestMessagesAreCut(t *testing.T) {
	long := strings.Repeat("é", 4000) // 2 bytes each
	exact := strings.Repeat("a", journal.MaxMessageLen)
	cutTo := strings.Repeat("é", journal.MaxMessageLen-1) + "…"
	tests := []struct{ name, in, want string }{
		{"short", "no free seat", "no free seat"},
		{"exactly the limit", exact, exact},
		{"longer", long, cutTo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			j, _ := openMem(t)
			begin(t, j, request("r1", domain.KindOnboard, "fp"))
			if _, err := j.StartStep(ctx, "r1", domain.StepEnsureLicenses); err != nil {
				t.Fatal(err)
			}
			if err := j.FailStep(ctx, "r1", domain.StepEnsureLicenses, domain.Business, tt.in); err != nil {
				t.Fatal(err)
			}
			if err := j.SetStatus(ctx, "r1", domain.RequestParked, domain.Business, tt.in); err != nil {
				t.Fatal(err)
			}
			steps, err := j.Steps(ctx, "r1")
			if err != nil {
				t.Fatal(err)
			}
			r, err := j.Request(ctx, "r1")
			if err != nil {
				t.Fatal(err)
			}
			for what, got := range map[string]string{"step error": steps[0].Error, "reason": r.Reason} {
				if got != tt.want {
					t.Errorf("%s: %d characters, want %d", what, utf8.RuneCountInString(got), utf8.RuneCountInString(tt.want))
				}
			}
		})
	}
}
