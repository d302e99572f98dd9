package engine_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
	"github.com/vendorflow/vendorflow/pkg/tenantsim"
)

func offboardPayload(t testing.TB, id string, ref domain.AccountRef) []byte {
	t.Helper()
	b, err := json.Marshal(domain.OffboardRequest{SchemaVersion: 1, RequestID: id, Account: ref, Reason: "contract ended early"})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func process(t testing.TB, e *engine.Engine, kind string, p []byte) engine.Result {
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
	u, ok := r.sim.UserByUPN("ada_SA@ABC.com")
	if !ok {
		t.Fatal("account vanished")
	}
	if u.AccountEnabled || len(u.AssignedLicenses) != 0 || len(u.MemberOf) != 0 || u.CompanyName != "" {
		t.Fatalf("after offboarding: enabled=%v licenses=%v groups=%v company=%q", u.AccountEnabled, u.AssignedLicenses, u.MemberOf, u.CompanyName)
	}
	if u.SignInSessionsValidFromDateTime.IsZero() {
		t.Fatal("sessions were not revoked")
	}
	for _, sku := range []string{"MICROSOFT_REMOTE_ASSIST", "INFORMATION_PROTECTION_COMPLIANCE"} {
		if got := r.snapshot().Consumed[sku]; got != 0 {
			t.Fatalf("%s seats consumed after offboarding = %d, want both licences freed", sku, got)
		}
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
	if len(snap.Managed) != 1 || !snap.Managed["ada_SA@ABC.com"].Enabled || len(r.sim.DeletedUsers()) != 0 {
		t.Fatalf("re-onboarding did not restore the one account: %+v, deleted %d", snap.Managed, len(r.sim.DeletedUsers()))
	}
	if u2, _ := r.sim.UserByUPN("ada_SA@ABC.com"); u2.ID != u.ID {
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
	u, _ := r.sim.UserByUPN("bo_SA@ABC.com")
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

// Two people whose template names collide (the same email local part at
// two vendors): the second gets the first free numbered name, and every
// later run, and an offboard by vendor and email, finds that same name. A
// named account takes exactly the name asked for.
func TestAccountNames(t *testing.T) {
	r := newRig(t)
	e := r.engine(engine.Hooks{})
	if res := process(t, e, domain.KindOnboard, onboardPayload(t, "n-1", "Vendor1", "sam@vendor1.com")); res.UPN != "sam_SA@ABC.com" {
		t.Fatalf("first: %+v", res)
	}
	second := onboardPayload(t, "n-2", "Vendor2", "sam@vendor2.com")
	if res := process(t, e, domain.KindOnboard, second); res.Status != domain.RequestDone || res.UPN != "sam_SA2@ABC.com" {
		t.Fatalf("second: %+v, want sam_SA2@ABC.com", res)
	}
	u1, _ := r.sim.UserByUPN("sam_SA@ABC.com")
	u2, _ := r.sim.UserByUPN("sam_SA2@ABC.com")
	if u1.CompanyName != "Vendor1" || u2.CompanyName != "Vendor2" {
		t.Fatalf("segments: %q, %q", u1.CompanyName, u2.CompanyName)
	}
	// Another request for the second person lands on the same account.
	var req domain.OnboardRequest
	_ = json.Unmarshal(second, &req)
	req.RequestID = "n-3"
	again, _ := json.Marshal(req)
	if res := process(t, e, domain.KindOnboard, again); res.Status != domain.RequestDone || res.UPN != "sam_SA2@ABC.com" {
		t.Fatalf("again: %+v", res)
	}
	if n := len(r.snapshot().Managed); n != 2 {
		t.Fatalf("%d managed accounts, want 2", n)
	}
	off := process(t, e, domain.KindOffboard, offboardPayload(t, "n-off", domain.AccountRef{Vendor: "Vendor2", Email: "sam@vendor2.com"}))
	if off.Status != domain.RequestDone || off.UPN != "sam_SA2@ABC.com" {
		t.Fatalf("offboard by vendor and email: %+v", off)
	}
	if u, _ := r.sim.UserByUPN("sam_SA@ABC.com"); !u.AccountEnabled {
		t.Fatal("the offboard disabled the other person's account")
	}

	named := process(t, e, domain.KindOnboard, namedPayload(t, "n-4", "Vendor2", "Vendor1_A@vendor2.com", "Vendor2_A_SA"))
	if named.Status != domain.RequestDone || named.UPN != "Vendor2_A_SA@ABC.com" {
		t.Fatalf("named: %+v", named)
	}
	// A named account that is another person's is refused, not renamed.
	taken := process(t, e, domain.KindOnboard, namedPayload(t, "n-5", "Vendor2", "other@vendor2.com", "Vendor2_A_SA"))
	if taken.Status != domain.RequestParked || taken.Code != domain.Conflict || !strings.Contains(taken.Reason, "belongs to another person") {
		t.Fatalf("named and taken: %+v", taken)
	}
}

// A later contract end for an active account is an extension: the new end
// is in the tenant, no new credential is mailed, the sweep at the old end
// offboards nothing, and the sponsor is warned once before the new end.
// An earlier end (a shortening) is applied the same way; reissueCredential
// asks for a new credential. The journal keeps old end → new end.
func TestContractChanges(t *testing.T) {
	r := newRig(t)
	e := r.engine(engine.Hooks{})
	ctx := context.Background()
	upn := "Vendor1_A_SA@ABC.com"
	onboard := func(id, end string, reissue bool) engine.Result {
		t.Helper()
		var req domain.OnboardRequest
		_ = json.Unmarshal(onboardPayload(t, id, "Vendor1", "Vendor1_A@Vendor1.com"), &req)
		req.Contract.End, req.ReissueCredential = end, reissue
		b, _ := json.Marshal(req)
		res := process(t, e, domain.KindOnboard, b)
		if res.Status != domain.RequestDone {
			t.Fatalf("%s: %+v", id, res)
		}
		return res
	}
	leave := func() time.Time { u, _ := r.sim.UserByUPN(upn); return u.EmployeeLeaveDateTime.UTC() }
	change := func(id string) map[string]string {
		t.Helper()
		steps, err := r.journal.Steps(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range steps {
			if s.Step == domain.StepEnsureUser {
				return s.Outputs
			}
		}
		t.Fatalf("%s has no ensure-user step", id)
		return nil
	}

	onboard("c-1", "2027-03-31", false)
	mails := len(r.sim.Outbox())
	onboard("c-2", "2027-06-30", false)
	if got := len(r.sim.Outbox()); got != mails {
		t.Errorf("the extension mailed %d new mails, want none", got-mails)
	}
	if want := time.Date(2027, 7, 1, 0, 0, 0, 0, time.UTC); !leave().Equal(want) {
		t.Errorf("employeeLeaveDateTime %s, want %s", leave(), want)
	}
	if out := change("c-2"); out["contractChange"] != "extension" || out["previousEnd"] != "2027-04-01T00:00:00Z" || out["contractEnd"] != "2027-07-01T00:00:00Z" {
		t.Errorf("journal of the extension: %v", out)
	}
	// The sweep at the old end finds nothing; the warning comes before the new end, once.
	if x, err := e.Expired(ctx, time.Date(2027, 4, 2, 0, 0, 0, 0, time.UTC)); err != nil || len(x) != 0 {
		t.Errorf("sweep at the old end: %+v %v, want nothing", x, err)
	}
	warned := 0
	for _, at := range []time.Time{time.Date(2027, 3, 25, 0, 0, 0, 0, time.UTC), time.Date(2027, 6, 20, 0, 0, 0, 0, time.UTC), time.Date(2027, 6, 21, 0, 0, 0, 0, time.UTC)} {
		r.clk.Set(at)
		w, err := e.WarnExpiring(ctx, at)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range w {
			if x.UPN != upn || !x.ContractEnd.Equal(leave()) {
				t.Errorf("warning %+v", x)
			}
		}
		warned += len(w)
	}
	if warned != 1 {
		t.Errorf("the sponsor was warned %d times, want once before the new end", warned)
	}

	// A shortening is applied the same way; the next sweep after the new end offboards.
	// (The clock stays on 2027-06-21: it never runs backwards.)
	onboard("c-3", "2027-06-25", false)
	if out := change("c-3"); out["contractChange"] != "shortening" || out["previousEnd"] != "2027-07-01T00:00:00Z" || out["contractEnd"] != "2027-06-26T00:00:00Z" {
		t.Errorf("journal of the shortening: %v", out)
	}
	if x, err := e.Expired(ctx, time.Date(2027, 6, 27, 0, 0, 0, 0, time.UTC)); err != nil || len(x) != 1 || x[0].UPN != upn {
		t.Errorf("sweep after the shortened end: %+v %v", x, err)
	}
	if got := len(r.sim.Outbox()); got != mails+1 {
		t.Errorf("%d mails after the shortening, want only the one warning more", got-mails)
	}
	// reissueCredential mails a new, valid credential.
	onboard("c-4", "2027-06-25", true)
	if v := r.validMails(t); v[upn] != 1 || len(r.sim.Outbox()) != mails+2 {
		t.Errorf("reissue: valid mails %v, outbox %d (want %d)", v, len(r.sim.Outbox()), mails+2)
	}
}
