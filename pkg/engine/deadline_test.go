package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
)

// stalledDirectory is a Graph that never answers a create: the call
// returns only when its context ends, as the adapter's would.
type stalledDirectory struct{ engine.Directory }

func (stalledDirectory) CreateUser(ctx context.Context, _ domain.User, _ string) (domain.User, error) {
	<-ctx.Done()
	return domain.User{}, domain.Wrap(domain.Transient, ctx.Err(), "createUser: timed out")
}

// The run budget is a deadline: a step stalled in Graph ends when it
// passes, and the request is left retrying (the handler reschedules it),
// instead of the run outliving the invocation. The deadline is RunBudget,
// or the caller's deadline less engine.SettleReserve when that comes
// first; a step is also cut before the account lease could lapse under
// it. It used to bound only the waits between attempts, so a stalled
// call held the run until the caller's context ended, and the run failed.
func TestRunBudgetIsADeadline(t *testing.T) {
	tests := []struct {
		name        string
		budget, ttl time.Duration
		caller      time.Duration // the caller's deadline, from now
		cut         string        // what cut the step
	}{
		// the lease is shorter than the run: the step is cut at the
		// lease's edge, and no second attempt fits before the deadline
		{"RunBudget first", 300 * time.Millisecond, 250 * time.Millisecond, time.Minute, "outlasted the account lease"},
		{"caller's deadline first", time.Hour, 30 * time.Minute, engine.SettleReserve + 300*time.Millisecond, "deadline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			e, err := engine.New(engine.Config{Tenant: r.tenant, Directory: stalledDirectory{r.dir}, Journal: r.journal, Clock: r.clk, RunBudget: tt.budget, LeaseTTL: tt.ttl})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), tt.caller)
			defer cancel()
			res, err := e.Process(ctx, domain.KindOnboard, onboardPayload(t, "on-1", "Vendor1", "ada@vendor1.com"))
			if err != nil {
				t.Fatalf("run failed (%v); want it to end as retrying at its deadline", err)
			}
			if ctx.Err() != nil {
				t.Fatal("the run lasted until the caller's deadline")
			}
			if res.Status != domain.RequestRetrying || res.Code != domain.Transient || !strings.Contains(res.Reason, tt.cut) {
				t.Fatalf("got %s (%s): %s; want retrying (transient), the step cut: %s", res.Status, res.Code, res.Reason, tt.cut)
			}
			steps, err := r.journal.Steps(context.Background(), "on-1")
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range steps {
				if s.Step == domain.StepEnsureUser && s.Attempts != 1 {
					t.Fatalf("ensure-user ran %d times; a step cut short by the deadline is not tried again in the same run", s.Attempts)
				}
			}
		})
	}
}

// budgetDirectory is a Graph whose writes wait for the write budget past
// the run's deadline, as the adapter reports it.
type budgetDirectory struct{ engine.Directory }

func (budgetDirectory) CreateUser(context.Context, domain.User, string) (domain.User, error) {
	return domain.User{}, &domain.Error{Code: domain.Transient, RetryAfter: 40 * time.Second, Err: domain.ErrBudgetWait, Message: "graph: the write budget has no token before the run's deadline"}
}

// A run whose write would wait for the budget past its deadline stops at
// once, retrying and Deferred (the handler reschedules it without counting
// an attempt), with the budget's wait as its RetryAfter; the step is not
// tried again in the run.
func TestBudgetWaitDefersTheRun(t *testing.T) {
	r := newRig(t)
	e, err := engine.New(engine.Config{Tenant: r.tenant, Directory: budgetDirectory{r.dir}, Journal: r.journal, Clock: r.clk})
	if err != nil {
		t.Fatal(err)
	}
	res := process(t, e, domain.KindOnboard, onboardPayload(t, "on-1", "Vendor1", "ada@vendor1.com"))
	if res.Status != domain.RequestRetrying || !res.Deferred || res.RetryAfter != 40*time.Second {
		t.Fatalf("got %+v; want retrying, deferred, after 40s", res)
	}
	if sleeps := r.clk.Sleeps(); len(sleeps) != 0 {
		t.Fatalf("the run waited %v in vain", sleeps)
	}
}
