package engine_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
	"github.com/vendorflow/vendorflow/pkg/tenantsim"
)

func offboardPayload(t *testing.T, id string, ref domain.AccountRef) []byte {
	t.Helper()
	b, err := json.Marshal(domain.OffboardRequest{SchemaVersion: 1, RequestID: id, Account: ref, Reason: "contract ended early"})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func process(t *testing.T, e *engine.Engine, kind string, p []byte) engine.Result {
	t.Helper()
	res, err := e.Process(context.Background(), kind, p)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// Offboarding takes everything away and frees the seat; a second delivery
// does nothing; re-onboarding the same person later restores the account.
func TestOffboardThenReonboard(t *testing.T) {
	r := newRig(t)
	e := r.engine(engine.Hooks{})
	on := onboardPayload(t, "on-1", "Vendor1", "ada@vendor1.com")
	if res := process(t, e, domain.KindOnboard, on); res.Status != domain.RequestDone {
		t.Fatalf("onboard: %+v", res)
	}
	off := offboardPayload(t, "off-1", domain.AccountRef{Vendor: "Vendor1", Email: "ada@vendor1.com"})
	if res := process(t, e, domain.KindOffboard, off); res.Status != domain.RequestDone {
		t.Fatalf("offboard: %+v", res)
	}
	u, ok := r.sim.UserByUPN("Vendor1_ada_SA@ABC.com")
	if !ok {
		t.Fatal("account vanished")
	}
	if u.AccountEnabled || len(u.AssignedLicenses) != 0 || len(u.MemberOf) != 0 || u.CompanyName != "" {
		t.Fatalf("after offboarding: enabled=%v licenses=%v groups=%v company=%q", u.AccountEnabled, u.AssignedLicenses, u.MemberOf, u.CompanyName)
	}
	if u.SignInSessionsValidFromDateTime.IsZero() {
		t.Fatal("sessions were not revoked")
	}
	if got := r.snapshot().Consumed["MICROSOFT_REMOTE_ASSIST"]; got != 0 {
		t.Fatalf("seats consumed after offboarding = %d", got)
	}
	r.sim.ResetStats()
	if res := process(t, e, domain.KindOffboard, off); !res.AlreadyDone || r.sim.Stats().Requests != 0 {
		t.Fatalf("second delivery of the offboard: %+v, %d Graph requests", res, r.sim.Stats().Requests)
	}

	// delete after retention, then onboard the same person again: restored
	r.clk.Advance(200 * 24 * time.Hour)
	deleted, err := e.DeletePastRetention(context.Background(), r.clk.Now())
	if err != nil || len(deleted) != 1 {
		t.Fatalf("DeletePastRetention = %v, %v", deleted, err)
	}
	if len(r.sim.DeletedUsers()) != 1 {
		t.Fatalf("deleted users = %d", len(r.sim.DeletedUsers()))
	}
	again := onboardPayload(t, "on-2", "Vendor1", "ada@vendor1.com")
	var req domain.OnboardRequest
	_ = json.Unmarshal(again, &req)
	req.Contract = domain.Period{Start: "2027-06-01", End: "2027-12-31"}
	again, _ = json.Marshal(req)
	if res := process(t, e, domain.KindOnboard, again); res.Status != domain.RequestDone {
		t.Fatalf("re-onboard: %+v", res)
	}
	snap := r.snapshot()
	if len(snap.Managed) != 1 || !snap.Managed["Vendor1_ada_SA@ABC.com"].Enabled || len(r.sim.DeletedUsers()) != 0 {
		t.Fatalf("re-onboarding did not restore the one account: %+v, deleted %d", snap.Managed, len(r.sim.DeletedUsers()))
	}
	if u2, _ := r.sim.UserByUPN("Vendor1_ada_SA@ABC.com"); u2.ID != u.ID {
		t.Fatalf("re-onboarding made a new object %s, want the restored %s", u2.ID, u.ID)
	}
}

// The segment comes from the vendor registry: when a vendor's segment
// changes, the next onboarding of its people moves them (attribute and
// group); an account that is not vendorflow's is refused, untouched.
func TestSegmentMovesAndOwnership(t *testing.T) {
	r := newRig(t)
	if res := process(t, r.engine(engine.Hooks{}), domain.KindOnboard, onboardPayload(t, "m-1", "Vendor1", "bo@vendor1.com")); res.Status != domain.RequestDone {
		t.Fatalf("onboard: %+v", res)
	}
	for i, v := range r.tenant.Vendors {
		if v.Key == "Vendor1" {
			r.tenant.Vendors[i].Segment = "Vendor1-Field"
			r.tenant.Vendors[i].SegmentGroupID = tenantsim.GroupIBExpertsID // any other group
		}
	}
	if res := process(t, r.engine(engine.Hooks{}), domain.KindOnboard, onboardPayload(t, "m-2", "Vendor1", "bo@vendor1.com")); res.Status != domain.RequestDone {
		t.Fatalf("re-onboard: %+v", res)
	}
	u, _ := r.sim.UserByUPN("Vendor1_bo_SA@ABC.com")
	if u.CompanyName != "Vendor1-Field" || len(u.MemberOf) != 1 || u.MemberOf[0] != tenantsim.GroupIBExpertsID {
		t.Fatalf("after the segment change: company %q groups %v", u.CompanyName, u.MemberOf)
	}

	// someone else's account under the derived UPN
	res := process(t, r.engine(engine.Hooks{}), domain.KindOffboard, offboardPayload(t, "x-1", domain.AccountRef{UPN: "pat.sponsor@ABC.com"}))
	if res.Status != domain.RequestParked || res.Code != domain.Conflict {
		t.Fatalf("offboarding an unmanaged account: %+v", res)
	}
	if p, _ := r.sim.UserByUPN("pat.sponsor@ABC.com"); !p.AccountEnabled {
		t.Fatal("an unmanaged account was changed")
	}
}

// Two overlapping expiry sweeps produce the same offboard requests, with
// the same message ids, for exactly the accounts whose contract ended.
func TestExpiredIsDeterministic(t *testing.T) {
	r := newRig(t)
	e := r.engine(engine.Hooks{})
	for _, p := range seedRequests(t) {
		process(t, e, domain.KindOnboard, p)
	}
	r.clk.Set(time.Date(2027, 4, 2, 0, 0, 0, 0, time.UTC)) // after the contracts' 2027-03-31 end
	a, err := e.Expired(context.Background(), r.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.Expired(context.Background(), r.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 4 || len(b) != 4 {
		t.Fatalf("expired = %d and %d, want 4", len(a), len(b))
	}
	for i := range a {
		if a[i].MessageID != b[i].MessageID || string(a[i].Payload) != string(b[i].Payload) {
			t.Fatalf("sweeps differ: %+v vs %+v", a[i], b[i])
		}
		if res := process(t, e, domain.KindOffboard, a[i].Payload); res.Status != domain.RequestDone {
			t.Fatalf("offboard %s: %+v", a[i].UPN, res)
		}
	}
	if rest, _ := e.Expired(context.Background(), r.clk.Now()); len(rest) != 0 {
		t.Fatalf("after offboarding, the sweep still finds %d", len(rest))
	}
}
