package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

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
	upn := "Vendor1_cy_SA@ABC.com"
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
	e := r.engine(engine.Hooks{})
	ctx := context.Background()
	upn := "Vendor1_dee_SA@ABC.com"
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
}
