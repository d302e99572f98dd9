package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
)

// PreviewSweep tells what the sweep would do without doing any of it (no
// Graph write, no mail, no journal change), and the sweep that follows
// does exactly that: the offboards, the warnings (not the ones already
// sent for the same contract end) and the deletions past retention.
func TestPreviewSweepIsWhatTheSweepDoes(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	e := r.engine(engine.Hooks{})
	withEnd := func(p []byte, end string) []byte {
		return []byte(strings.Replace(string(p), "2027-03-31", end, 1))
	}
	// at t0 (2026-11-27): A and B end 2027-03-31, C 2027-01-15, D ended
	// 2026-12-15 and is offboarded
	for _, p := range [][]byte{
		onboardPayload(t, "a", "Vendor1", "a@vendor1.com"),
		onboardPayload(t, "b", "Vendor1", "b@vendor1.com"),
		withEnd(onboardPayload(t, "c", "Vendor2", "c@vendor2.com"), "2027-01-15"),
		withEnd(onboardPayload(t, "d", "Vendor2", "d@vendor2.com"), "2026-12-15"),
	} {
		if res := process(t, e, domain.KindOnboard, p); res.Status != domain.RequestDone {
			t.Fatalf("onboard: %+v", res)
		}
	}
	if res := process(t, e, domain.KindOffboard, offboardPayload(t, "d-end", domain.AccountRef{Vendor: "Vendor2", Email: "d@vendor2.com"})); res.Status != domain.RequestDone {
		t.Fatalf("offboard: %+v", res)
	}
	// A's and B's sponsors are warned on 2027-03-20; E, onboarded then,
	// ends on the same day and is not warned yet
	r.clk.Set(time.Date(2027, 3, 20, 0, 0, 0, 0, time.UTC))
	if w, err := e.WarnExpiring(ctx, r.clk.Now()); err != nil || len(w) != 2 {
		t.Fatalf("first warnings: %+v, %v", w, err)
	}
	if res := process(t, e, domain.KindOnboard, onboardPayload(t, "e", "Vendor1", "e@vendor1.com")); res.Status != domain.RequestDone {
		t.Fatalf("onboard e: %+v", res)
	}

	now := r.clk.Now().Add(time.Hour)
	writes, mails := r.sim.Stats().Writes, len(r.sim.Outbox())
	before := journalState(t, r)
	p, err := e.PreviewSweep(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.sim.Stats().Writes - writes; got != 0 {
		t.Errorf("the preview made %d Graph writes, want 0", got)
	}
	if got := len(r.sim.Outbox()) - mails; got != 0 {
		t.Errorf("the preview sent %d mails, want 0", got)
	}
	if diff := cmp.Diff(before, journalState(t, r)); diff != "" {
		t.Errorf("the preview changed the journal (-before +after):\n%s", diff)
	}

	type row struct{ UPN, Extra string }
	var offboard, warn, notWarned, del []row
	for _, x := range p.Offboard {
		offboard = append(offboard, row{x.UPN, x.ContractEnd.Format(time.DateOnly)})
	}
	for _, w := range p.Warn {
		warn = append(warn, row{w.UPN, w.Sponsor})
	}
	for _, n := range p.NotWarned {
		notWarned = append(notWarned, row{n.UPN, n.Reason})
	}
	for _, d := range p.Delete {
		del = append(del, row{d.UPN, d.ContractEnd.Format(time.DateOnly)})
	}
	tests := []struct {
		name      string
		got, want []row
	}{
		{"offboard", offboard, []row{{"c_SA@ABC.com", "2027-01-16"}}},
		{"warn", warn, []row{{"e_SA@ABC.com", "pat.sponsor@ABC.com"}}},
		{"not warned", notWarned, []row{{"a_SA@ABC.com", engine.SkipWarned}, {"b_SA@ABC.com", engine.SkipWarned}}},
		{"delete", del, []row{{"d_SA@ABC.com", "2026-12-16"}}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, tt.got, cmp.Comparer(strings.EqualFold)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
	if want := now.Add(-time.Duration(r.tenant.Retention)); !p.RetentionCutoff.Equal(want) {
		t.Errorf("retention cutoff %s, want %s", p.RetentionCutoff, want)
	}

	// the sweep itself, at the same instant, does what the preview said
	var expired []engine.Expiry
	scan, err := e.ScanContracts(ctx, now, func(x engine.Expiry) error { expired = append(expired, x); return nil })
	if err != nil {
		t.Fatal(err)
	}
	sortUPN := cmpopts.SortSlices(func(a, b string) bool { return strings.ToLower(a) < strings.ToLower(b) })
	if diff := cmp.Diff(p.Offboard, expired, cmpopts.SortSlices(func(a, b engine.Expiry) bool { return a.UPN < b.UPN })); diff != "" {
		t.Errorf("the sweep's offboards differ from the preview's (-preview +sweep):\n%s", diff)
	}
	warned, err := e.WarnSoon(ctx, now, scan.Soon)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p.Warn, warned, cmpopts.SortSlices(func(a, b engine.Warning) bool { return a.UPN < b.UPN })); diff != "" {
		t.Errorf("the sweep's warnings differ from the preview's (-preview +sweep):\n%s", diff)
	}
	deleted, err := e.DeletePastRetention(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	var previewed []string
	for _, d := range p.Delete {
		previewed = append(previewed, d.UPN)
	}
	if diff := cmp.Diff(previewed, deleted, sortUPN); diff != "" {
		t.Errorf("the sweep's deletions differ from the preview's (-preview +sweep):\n%s", diff)
	}
	// and a preview after it has no warning or deletion left to announce
	after, err := e.PreviewSweep(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Warn) != 0 || len(after.Delete) != 0 || len(after.NotWarned) != 3 {
		t.Errorf("preview after the sweep: %d warnings, %d deletions, %d not warned; want 0, 0, 3", len(after.Warn), len(after.Delete), len(after.NotWarned))
	}
}

// An account ending soon whose sponsor the journal does not know is
// previewed as not warned, with the reason, as the sweep skips it.
func TestPreviewSweepNoSponsor(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	e := r.engine(engine.Hooks{})
	if res := process(t, e, domain.KindOnboard, onboardPayload(t, "a", "Vendor1", "a@vendor1.com")); res.Status != domain.RequestDone {
		t.Fatalf("onboard: %+v", res)
	}
	const upn = "a_SA@ABC.com"
	if err := r.journal.PutAccount(ctx, clearSponsor(t, r, upn)); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2027, 3, 25, 0, 0, 0, 0, time.UTC)
	p, err := e.PreviewSweep(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Warn) != 0 || len(p.NotWarned) != 1 || p.NotWarned[0].Reason != engine.SkipNoSponsor || !strings.EqualFold(p.NotWarned[0].UPN, upn) {
		t.Fatalf("preview: warn %+v, not warned %+v; want %s not warned: %s", p.Warn, p.NotWarned, upn, engine.SkipNoSponsor)
	}
	if w, err := e.WarnExpiring(ctx, now); err != nil || len(w) != 0 {
		t.Fatalf("the sweep warned %+v (%v); the preview said nobody", w, err)
	}
}

// clearSponsor is upn's journal record without its sponsor.
func clearSponsor(t *testing.T, r *rig, upn string) domain.AccountRecord {
	t.Helper()
	a, err := r.journal.Account(context.Background(), upn)
	if err != nil {
		t.Fatal(err)
	}
	a.Sponsor = ""
	return a
}

// journalState is every account record and request of the journal.
func journalState(t *testing.T, r *rig) []any {
	t.Helper()
	ctx := context.Background()
	var out []any
	if err := r.journal.Accounts(ctx, func(a domain.AccountRecord) error { out = append(out, a); return nil }); err != nil {
		t.Fatal(err)
	}
	reqs, err := r.journal.Requests(ctx, engine.RequestFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range reqs {
		out = append(out, q)
	}
	return out
}
