package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
)

func processAt(t *testing.T, e *engine.Engine, kind string, p []byte, at time.Time) engine.Result {
	t.Helper()
	res, err := e.ProcessWith(context.Background(), kind, p, engine.ProcessOptions{IntentAt: at})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// Requests for one account delivered out of order: the newer intent wins
// and the journal says why; a newer request after that wins again.
func TestNewerIntentWins(t *testing.T) {
	r := newRig(t)
	e := r.engine(engine.Hooks{})
	upn := "cy_SA@ABC.com"
	enabled := func() bool { u, _ := r.sim.UserByUPN(upn); return u.AccountEnabled }

	first := processAt(t, e, domain.KindOnboard, onboardPayload(t, "o-1", "Vendor1", "cy@vendor1.com"), t0)
	if first.Status != domain.RequestDone || !enabled() {
		t.Fatalf("first onboard: %+v", first)
	}
	// The offboard was enqueued at t0+2m, an amended onboard at t0+1m; the
	// offboard is delivered first.
	off := processAt(t, e, domain.KindOffboard, offboardPayload(t, "f-1", domain.AccountRef{UPN: upn}), t0.Add(2*time.Minute))
	if off.Status != domain.RequestDone || enabled() {
		t.Fatalf("offboard: %+v (enabled %v)", off, enabled())
	}
	r.sim.ResetStats()
	late := processAt(t, e, domain.KindOnboard, onboardPayload(t, "o-2", "Vendor1", "cy@vendor1.com"), t0.Add(time.Minute))
	if late.Status != domain.RequestSuperseded || !strings.Contains(late.Reason, "superseded by the newer request f-1") {
		t.Fatalf("late onboard: %+v", late)
	}
	if enabled() {
		t.Fatal("the overtaken onboard re-enabled the account")
	}
	if w := r.sim.Stats().Writes; w != 0 {
		t.Fatalf("the superseded request wrote %d times to Graph", w)
	}
	rec, err := r.journal.Request(context.Background(), "o-2")
	if err != nil || rec.Status != domain.RequestSuperseded || !strings.Contains(rec.Reason, "f-1") {
		t.Fatalf("journal: %+v %v", rec, err)
	}
	// A later delivery of the superseded request does nothing.
	if again := processAt(t, e, domain.KindOnboard, onboardPayload(t, "o-2", "Vendor1", "cy@vendor1.com"), t0.Add(time.Hour)); !again.AlreadyDone {
		t.Fatalf("redelivered superseded request ran: %+v", again)
	}

	newer := processAt(t, e, domain.KindOnboard, onboardPayload(t, "o-3", "Vendor1", "cy@vendor1.com"), t0.Add(3*time.Minute))
	if newer.Status != domain.RequestDone || !enabled() {
		t.Fatalf("newer onboard: %+v", newer)
	}
}

// While one request changes an account, another for the same account waits
// (retrying, naming the holder) instead of interleaving; other accounts are
// not held up.
func TestOneRequestPerAccountAtATime(t *testing.T) {
	r := newRig(t)
	var claims []engine.LeaseClaim
	e, err := engine.New(engine.Config{Tenant: r.tenant, Directory: r.dir, Journal: r.journal, Clock: r.clk,
		OnLease: func(c engine.LeaseClaim) { claims = append(claims, c) }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	upn := "dee_SA@ABC.com"
	if h, err := r.journal.AcquireLease(ctx, upn, "other-request", r.clk.Now().Add(time.Hour)); err != nil || h != "" {
		t.Fatalf("lease: %q %v", h, err)
	}
	r.sim.ResetStats()
	res := process(t, e, domain.KindOnboard, onboardPayload(t, "w-1", "Vendor1", "dee@vendor1.com"))
	if res.Status != domain.RequestRetrying || res.Code != domain.Transient || !strings.Contains(res.Reason, "other-request is changing "+upn) || res.RetryAfter <= 0 {
		t.Fatalf("while leased: %+v", res)
	}
	if r.sim.Stats().Writes != 0 {
		t.Fatal("a waiting request wrote to Graph")
	}
	if other := process(t, e, domain.KindOnboard, onboardPayload(t, "w-2", "Vendor1", "eve@vendor1.com")); other.Status != domain.RequestDone {
		t.Fatalf("another account was held up: %+v", other)
	}
	if err := r.journal.ReleaseLease(ctx, upn, "other-request"); err != nil {
		t.Fatal(err)
	}
	if res := process(t, e, domain.KindOnboard, onboardPayload(t, "w-1", "Vendor1", "dee@vendor1.com")); res.Status != domain.RequestDone {
		t.Fatalf("after release: %+v", res)
	}
	// the run released its own lease
	if h, _ := r.journal.AcquireLease(ctx, upn, "probe", r.clk.Now().Add(time.Minute)); h != "" {
		t.Fatalf("lease still held by %s after the run", h)
	}
	// OnLease was told of each claim: none waited for another request
	want := []engine.LeaseClaim{
		{Kind: domain.KindOnboard, Outcome: engine.LeaseBusy},
		{Kind: domain.KindOnboard, Outcome: engine.LeaseAcquired},
		{Kind: domain.KindOnboard, Outcome: engine.LeaseAcquired},
	}
	if diff := cmp.Diff(want, claims); diff != "" {
		t.Errorf("lease claims (-want +got)\n%s", diff)
	}
}

type runResult struct {
	res engine.Result
	err error
}

// run processes p on e and sends the outcome to out (for runs in
// goroutines, where t.Fatal cannot be called).
func run(out chan<- runResult, e *engine.Engine, kind string, p []byte) {
	res, err := e.Process(context.Background(), kind, p)
	out <- runResult{res, err}
}

// awaitRun receives one run's outcome, failing the test when the run
// erred or does not end.
func awaitRun(t *testing.T, c <-chan runResult) engine.Result {
	t.Helper()
	select {
	case r := <-c:
		if r.err != nil {
			t.Fatalf("run: %v", r.err)
		}
		return r.res
	case <-time.After(30 * time.Second):
		t.Fatal("a run did not end within 30s")
	}
	return engine.Result{}
}

// pollGate is the rig's fake clock, except that a wait of exactly one
// lease poll blocks until the test opens the gate: it marks the moment a
// run is waiting for another run's lease.
type pollGate struct {
	*clock.Fake
	waiting chan struct{}
	open    chan struct{}
}

func (g *pollGate) Sleep(ctx context.Context, d time.Duration) error {
	if d == time.Second {
		select {
		case g.waiting <- struct{}{}:
		default:
		}
		<-g.open
	}
	return g.Fake.Sleep(ctx, d)
}

// Two deliveries of one request run at the same moment, as after a lost
// message lock on another instance. The later run waits for the earlier
// one's lease instead of sharing it, then finds the request done: one
// account, one credential mail.
func TestDuplicateRunsOfOneRequestExcludeEachOther(t *testing.T) {
	r := newRig(t)
	gate := &pollGate{Fake: r.clk, waiting: make(chan struct{}, 1), open: make(chan struct{})}
	held := make(chan struct{})
	first := r.engine(engine.Hooks{AfterStep: func(_ string, s domain.Step) error {
		if s != domain.StepEnsureUser {
			return nil
		}
		close(held)
		select {
		case <-gate.waiting:
		case <-time.After(10 * time.Second):
			t.Error("the second run never waited for the first one's lease")
		}
		return nil
	}})
	var claims []engine.LeaseClaim
	second, err := engine.New(engine.Config{Tenant: r.tenant, Directory: r.dir, Journal: r.journal, Clock: gate,
		OnLease: func(c engine.LeaseClaim) { claims = append(claims, c) }})
	if err != nil {
		t.Fatal(err)
	}
	p := onboardPayload(t, "dup-1", "Vendor1", "dup@vendor1.com")
	results := make(chan runResult, 2)
	go run(results, first, domain.KindOnboard, p)
	<-held
	go run(results, second, domain.KindOnboard, p)
	a := awaitRun(t, results)
	close(gate.open)
	b := awaitRun(t, results)
	if a.Status != domain.RequestDone || a.AlreadyDone {
		t.Errorf("first run: %+v", a)
	}
	if b.Status != domain.RequestDone || !b.AlreadyDone {
		t.Errorf("second run: %+v, want done by the first run", b)
	}
	if n := len(r.sim.Outbox()); n != 1 {
		t.Errorf("%d credential mails, want 1", n)
	}
	if v := r.validMails(t); v["dup_SA@ABC.com"] != 1 {
		t.Errorf("valid credential mails: %v", v)
	}
	// the second run waited at least one lease poll for the first run's lease
	if len(claims) != 1 || claims[0].Outcome != engine.LeaseAcquired || claims[0].Waited < time.Second {
		t.Errorf("the second run's lease claims %+v, want one acquired after waiting ≥ 1s", claims)
	}
}

// A run that stalls past its lease (a paused instance) loses it: another
// delivery of the request takes over and finishes it, and the stalled run,
// when it wakes, stops before its next step without touching the journal.
func TestStalledRunYieldsToTheRunThatTookOver(t *testing.T) {
	r := newRig(t)
	stalled, resume := make(chan struct{}), make(chan struct{})
	slow := r.engine(engine.Hooks{AfterStep: func(_ string, s domain.Step) error {
		if s == domain.StepEnsureUser {
			close(stalled)
			<-resume
		}
		return nil
	}})
	p := onboardPayload(t, "stall-1", "Vendor1", "stall@vendor1.com")
	results := make(chan runResult, 1)
	go run(results, slow, domain.KindOnboard, p)
	<-stalled
	r.clk.Advance(2 * time.Minute) // past the default 1m lease
	took := process(t, r.engine(engine.Hooks{}), domain.KindOnboard, p)
	if took.Status != domain.RequestDone || took.AlreadyDone {
		t.Fatalf("the run that took over: %+v", took)
	}
	close(resume)
	woke := awaitRun(t, results)
	if woke.Status != domain.RequestRetrying || !strings.Contains(woke.Reason, "another run of stall-1") {
		t.Errorf("the stalled run: %+v, want retrying, left to the other run", woke)
	}
	rec, err := r.journal.Request(context.Background(), "stall-1")
	if err != nil || rec.Status != domain.RequestDone {
		t.Errorf("journal: %+v %v, want done", rec, err)
	}
	if n := len(r.sim.Outbox()); n != 1 {
		t.Errorf("%d credential mails, want 1", n)
	}
}

// An offboard that finds no account (its onboard is still on the way)
// is parked, and records its intent: the older onboard, delivered after
// it, is superseded instead of creating the account.
func TestOffboardBeforeTheAccountExistsSupersedesTheOlderOnboard(t *testing.T) {
	r := newRig(t)
	e := r.engine(engine.Hooks{})
	upn := "late_SA@ABC.com"
	off := processAt(t, e, domain.KindOffboard, offboardPayload(t, "f-early", domain.AccountRef{UPN: upn}), t0.Add(time.Minute))
	if off.Status != domain.RequestParked || off.Code != domain.NotFound {
		t.Fatalf("offboard: %+v", off)
	}
	on := processAt(t, e, domain.KindOnboard, onboardPayload(t, "o-late", "Vendor1", "late@vendor1.com"), t0)
	if on.Status != domain.RequestSuperseded || !strings.Contains(on.Reason, "f-early") {
		t.Fatalf("older onboard: %+v, want superseded by f-early", on)
	}
	if _, ok := r.sim.UserByUPN(upn); ok {
		t.Fatal("the older onboard created the account after the newer offboard")
	}
	// A newer onboard still goes ahead.
	if again := processAt(t, e, domain.KindOnboard, onboardPayload(t, "o-new", "Vendor1", "late@vendor1.com"), t0.Add(2*time.Minute)); again.Status != domain.RequestDone {
		t.Fatalf("newer onboard: %+v", again)
	}
}
