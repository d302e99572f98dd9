package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
)

// The retention pass deletes an account only under its lease: while a
// request holds the account (a re-onboarding restoring it, say) the
// account is left alone, and the next sweep, once the lease is free,
// deletes it. It used to delete without asking, under the request.
func TestRetentionDeleteTakesTheLease(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	e := r.engine(engine.Hooks{})
	if res := process(t, e, domain.KindOnboard, onboardPayload(t, "on-1", "Vendor1", "ada@vendor1.com")); res.Status != domain.RequestDone {
		t.Fatalf("onboard: %+v", res)
	}
	if res := process(t, e, domain.KindOffboard, offboardPayload(t, "off-1", domain.AccountRef{Vendor: "Vendor1", Email: "ada@vendor1.com"})); res.Status != domain.RequestDone {
		t.Fatalf("offboard: %+v", res)
	}
	const upn = "ada_SA@ABC.com"
	r.clk.Advance(200 * 24 * time.Hour)
	if holder, err := r.journal.AcquireLease(ctx, upn, "on-2#run", r.clk.Now().Add(time.Minute)); err != nil || holder != "" {
		t.Fatalf("lease: %q, %v", holder, err)
	}
	deleted, err := e.DeletePastRetention(ctx, r.clk.Now())
	if err != nil || len(deleted) != 0 {
		t.Fatalf("while a request holds the account: deleted %v, %v; want nothing", deleted, err)
	}
	if _, ok := r.sim.UserByUPN(upn); !ok {
		t.Fatal("the account was deleted under the request's lease")
	}
	if a, err := r.journal.Account(ctx, upn); err != nil || a.State != domain.AccountOffboarded {
		t.Fatalf("journal record %+v, %v; want it offboarded still", a, err)
	}
	if err := r.journal.ReleaseLease(ctx, upn, "on-2#run"); err != nil {
		t.Fatal(err)
	}
	deleted, err = e.DeletePastRetention(ctx, r.clk.Now())
	if err != nil || len(deleted) != 1 {
		t.Fatalf("once the lease is free: deleted %v, %v; want the account", deleted, err)
	}
	if a, err := r.journal.Account(ctx, upn); err != nil || a.State != domain.AccountDeleted {
		t.Fatalf("journal record %+v, %v; want it deleted", a, err)
	}
	// the pass let go of the lease: a request can take it at once
	if holder, err := r.journal.AcquireLease(ctx, upn, "on-3#run", r.clk.Now().Add(time.Minute)); err != nil || holder != "" {
		t.Fatalf("after the pass the lease is held by %q (%v)", holder, err)
	}
}

// A request whose account another run holds waits its turn without
// spending an attempt: it ends retrying and Deferred, to look again after
// a quarter of a lease. Counted as an attempt before, a hold that outlived
// the reschedules (a crashed sweep's, 2 minutes then) parked the request;
// found by the chaos suite. Sweeps now hold an account for one lease TTL.
func TestWaitingForTheAccountIsDeferred(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	e := r.engine(engine.Hooks{})
	if holder, err := r.journal.AcquireLease(ctx, "ada_SA@ABC.com", "sweep-x#1", r.clk.Now().Add(time.Minute)); err != nil || holder != "" {
		t.Fatalf("lease: %q, %v", holder, err)
	}
	res := process(t, e, domain.KindOnboard, onboardPayload(t, "on-1", "Vendor1", "ada@vendor1.com"))
	if res.Status != domain.RequestRetrying || !res.Deferred || res.RetryAfter != 15*time.Second || !strings.Contains(res.Reason, "waits its turn") {
		t.Fatalf("got %+v; want retrying, deferred, after 15s (a quarter of the 1m lease)", res)
	}
}

// An offboarding that removed the pass and stopped part-way, then lost to
// a newer re-onboarding, leaves the person without a pass: the
// re-onboarding must mail a new one rather than keep the one on record.
// It used to keep it (the account was still "active" on record), so the
// person had no valid credential (found by the long chaos run).
func TestReonboardAfterAPartOffboardMailsANewPass(t *testing.T) {
	r := newRig(t)
	e := r.engine(engine.Hooks{})
	if res := processAt(t, e, domain.KindOnboard, onboardPayload(t, "on-1", "Vendor1", "ada@vendor1.com"), t0); res.Status != domain.RequestDone {
		t.Fatalf("onboard: %+v", res)
	}
	crash := r.engine(engine.Hooks{AfterStep: func(id string, s domain.Step) error {
		if id == "off-1" && s == domain.StepRemoveTAPs {
			return errors.New("stopped after remove-taps")
		}
		return nil
	}})
	if _, err := crash.ProcessWith(context.Background(), domain.KindOffboard, offboardPayload(t, "off-1", domain.AccountRef{Vendor: "Vendor1", Email: "ada@vendor1.com"}), engine.ProcessOptions{IntentAt: t0.Add(time.Minute)}); err == nil {
		t.Fatal("the offboarding did not stop")
	}
	r.clk.Advance(2 * time.Minute) // the stopped run's lease lapses
	if res := processAt(t, e, domain.KindOnboard, onboardPayload(t, "on-2", "Vendor1", "ada@vendor1.com"), t0.Add(2*time.Minute)); res.Status != domain.RequestDone {
		t.Fatalf("re-onboard: %+v", res)
	}
	if n := r.validMails(t)["ada_SA@ABC.com"]; n != 1 {
		t.Fatalf("%d valid mailed passes after the re-onboarding, want 1", n)
	}
}
