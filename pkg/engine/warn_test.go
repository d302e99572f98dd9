package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
)

// Sponsors are warned once per contract end, within the window only; an
// extended contract is warned about again.
func TestWarnExpiring(t *testing.T) {
	r := newRig(t)
	e := r.engine(engine.Hooks{})
	ctx := context.Background()
	// contracts end 2027-04-01 (onboardPayload); the window is 14 days
	for _, p := range seedRequests(t)[:2] {
		if res := process(t, e, domain.KindOnboard, p); res.Status != domain.RequestDone {
			t.Fatalf("onboard: %+v", res)
		}
	}
	mailsTo := func(to string) int {
		n := 0
		for _, m := range r.sim.Outbox() {
			if len(m.To) == 1 && strings.EqualFold(m.To[0], to) {
				n++
			}
		}
		return n
	}
	steps := []struct {
		name string
		at   time.Time
		want int // warnings sent by this sweep
	}{
		{"too early", time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), 0},
		{"inside the window", time.Date(2027, 3, 20, 0, 0, 0, 0, time.UTC), 2},
		{"overlapping sweep", time.Date(2027, 3, 20, 0, 5, 0, 0, time.UTC), 0},
		{"next day", time.Date(2027, 3, 21, 0, 0, 0, 0, time.UTC), 0},
	}
	total := 0
	for _, s := range steps {
		r.clk.Set(s.at)
		w, err := e.WarnExpiring(ctx, s.at)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if len(w) != s.want {
			t.Fatalf("%s: warned %d, want %d (%+v)", s.name, len(w), s.want, w)
		}
		total += s.want
		if got := mailsTo("pat.sponsor@ABC.com"); got != total {
			t.Fatalf("%s: sponsor has %d mails, want %d", s.name, got, total)
		}
	}
	last := r.sim.Outbox()[len(r.sim.Outbox())-1]
	if !strings.Contains(last.Subject, "Vendor access ends on 2027-04-01") || !strings.Contains(last.Body, "new onboard request") {
		t.Fatalf("warning mail: %q\n%s", last.Subject, last.Body)
	}

	// the contract is extended: a new warning is due when the new end nears
	ext := onboardPayload(t, "r1-ext", "Vendor1", "Vendor1_A@Vendor1.com")
	ext = []byte(strings.Replace(string(ext), "2027-03-31", "2027-06-30", 1))
	if res := process(t, e, domain.KindOnboard, ext); res.Status != domain.RequestDone {
		t.Fatalf("extension: %+v", res)
	}
	r.clk.Set(time.Date(2027, 6, 20, 0, 0, 0, 0, time.UTC))
	w, err := e.WarnExpiring(ctx, r.clk.Now())
	if err != nil || len(w) != 1 || w[0].UPN != "Vendor1_A_SA@ABC.com" {
		t.Fatalf("after the extension: %+v %v", w, err)
	}
}

// Overlapping sweeps warn each sponsor once: the account lease lets one
// sweep warn while the other skips, and whoever comes later sees the
// recorded warning.
func TestWarnExpiringConcurrentSweeps(t *testing.T) {
	r := newRig(t)
	e := r.engine(engine.Hooks{})
	for _, p := range seedRequests(t)[:2] {
		if res := process(t, e, domain.KindOnboard, p); res.Status != domain.RequestDone {
			t.Fatalf("onboard: %+v", res)
		}
	}
	at := time.Date(2027, 3, 20, 0, 0, 0, 0, time.UTC)
	r.clk.Set(at)
	mails := len(r.sim.Outbox())
	results := make(chan int, 4)
	for range 4 {
		go func() {
			w, err := e.WarnExpiring(context.Background(), at)
			if err != nil {
				t.Error(err)
			}
			results <- len(w)
		}()
	}
	total := 0
	for range 4 {
		total += <-results
	}
	// a sweep that found an account leased skipped it; run once more to
	// pick up anything skipped, as the next scheduled sweep would
	w, err := e.WarnExpiring(context.Background(), at)
	if err != nil {
		t.Fatal(err)
	}
	total += len(w)
	if total != 2 || len(r.sim.Outbox())-mails != 2 {
		t.Fatalf("warnings %d, mails %d; want 2 each", total, len(r.sim.Outbox())-mails)
	}
}
