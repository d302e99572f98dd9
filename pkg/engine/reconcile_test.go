package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
)

// Hand edits in the portal, then reconcile: a dry run lists each drift and
// writes nothing; a run repairs each within the policy; a second run finds
// none. An unmarked account with a UPN the journal knows is reported and
// left untouched.
func TestReconcileRepairsHandEdits(t *testing.T) {
	r := newRig(t)
	r.tenant.DriftMail = "ops@vendor1.com"
	e := r.engine(engine.Hooks{})
	ctx := context.Background()
	for _, p := range seedRequests(t) {
		if res := process(t, e, domain.KindOnboard, p); res.Status != domain.RequestDone {
			t.Fatalf("onboard: %+v", res)
		}
	}
	if res := process(t, e, domain.KindOffboard, offboardPayload(t, "rc-off", domain.AccountRef{UPN: "Vendor_SA@ABC.com"})); res.Status != domain.RequestDone {
		t.Fatalf("offboard: %+v", res)
	}
	user := func(upn string) domain.User {
		t.Helper()
		u, err := r.dir.FindUser(ctx, upn)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	skuID := func(part string) string {
		for _, k := range r.sim.SKUs() {
			if k.SkuPartNumber == part {
				return k.SkuID
			}
		}
		t.Fatalf("no SKU %s", part)
		return ""
	}
	// The admin's edits: re-enable the offboarded account, remove a
	// licence, change companyName, clear employeeLeaveDateTime.
	on, hacked, zero := true, "Somewhere else", time.Time{}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(r.dir.UpdateUser(ctx, user("Vendor_SA@ABC.com").ID, domain.UserChanges{AccountEnabled: &on}))
	must(r.dir.AssignLicenses(ctx, user("Vendor1_A_SA@ABC.com").ID, nil, []string{skuID("MICROSOFT_REMOTE_ASSIST")}))
	must(r.dir.UpdateUser(ctx, user("Vendor1_B_SA@ABC.com").ID, domain.UserChanges{CompanyName: &hacked}))
	must(r.dir.UpdateUser(ctx, user("Vendor2_A_SA@ABC.com").ID, domain.UserChanges{EmployeeLeaveDateTime: &zero}))
	// Someone else's account under a UPN the journal knows as ours.
	must(r.journal.PutAccount(ctx, domain.AccountRecord{UPN: "ghost_SA@ABC.com", Vendor: "Vendor1", Email: "ghost@vendor1.com", State: domain.AccountActive, LastRequest: "old"}))
	_, err := r.dir.CreateUser(ctx, domain.User{UPN: "ghost_SA@ABC.com", DisplayName: "Not ours", MailNickname: "ghost_SA", AccountEnabled: true, UsageLocation: "US"}, "Ab1!Ab1!Ab1!Ab1!Ab1!")
	must(err)
	ghost := user("ghost_SA@ABC.com")

	type seen struct{ UPN, What, Have string }
	list := func(rep engine.Reconciliation) (repairs, reports []seen) {
		for _, d := range rep.Drifts {
			s := seen{d.UPN, d.What, d.Have}
			if d.Repair != "" {
				repairs = append(repairs, s)
			} else {
				reports = append(reports, s)
			}
		}
		return
	}
	wantRepairs := []seen{
		{"Vendor1_A_SA@ABC.com", "licenses", "INFORMATION_PROTECTION_COMPLIANCE"},
		{"Vendor1_B_SA@ABC.com", "segment", "Somewhere else"},
		{"Vendor2_A_SA@ABC.com", "contractEnd", "(none)"},
		{"Vendor_SA@ABC.com", "signIn", "enabled"},
	}
	wantReports := []seen{{"ghost_SA@ABC.com", "marker", "not marked"}}

	r.sim.ResetStats()
	dry, err := e.Reconcile(ctx, r.clk.Now(), true)
	must(err)
	repairs, reports := list(dry)
	if d := cmp.Diff(wantRepairs, repairs); d != "" {
		t.Errorf("dry run repairs (-want +got):\n%s", d)
	}
	if d := cmp.Diff(wantReports, reports); d != "" {
		t.Errorf("dry run reports (-want +got):\n%s", d)
	}
	if w := r.sim.Stats().Writes; w != 0 || len(dry.Requests) != 0 {
		t.Fatalf("the dry run wrote %d times to Graph and journaled %v", w, dry.Requests)
	}

	before, _ := r.sim.UserByUPN("Vendor_SA@ABC.com")
	r.clk.Advance(time.Minute)
	run, err := e.Reconcile(ctx, r.clk.Now(), false)
	must(err)
	repairs, reports = list(run)
	if d := cmp.Diff(wantRepairs, repairs); d != "" {
		t.Errorf("run repairs (-want +got):\n%s", d)
	}
	for _, d := range run.Drifts {
		if d.Repair != "" && !d.Repaired {
			t.Errorf("not repaired: %+v", d)
		}
	}
	if len(reports) != 1 || len(run.Requests) != 4 {
		t.Errorf("reports %v, journaled %v; want the ghost reported and 4 accounts journaled", reports, run.Requests)
	}
	// The tenant is back where the journal says it should be.
	if u, _ := r.sim.UserByUPN("Vendor_SA@ABC.com"); u.AccountEnabled || !u.SignInSessionsValidFromDateTime.After(before.SignInSessionsValidFromDateTime) {
		t.Errorf("offboarded account: enabled %v, sessions revoked at %v", u.AccountEnabled, u.SignInSessionsValidFromDateTime)
	}
	if u := user("Vendor1_A_SA@ABC.com"); len(u.SKUIDs) != 2 {
		t.Errorf("licences not given back: %v", u.SKUIDs)
	}
	if u := user("Vendor1_B_SA@ABC.com"); u.CompanyName != "Vendor1" {
		t.Errorf("companyName = %q", u.CompanyName)
	}
	if u := user("Vendor2_A_SA@ABC.com"); u.EmployeeLeaveDateTime.IsZero() {
		t.Error("employeeLeaveDateTime not restored")
	}
	if g := user("ghost_SA@ABC.com"); !cmp.Equal(g, ghost) {
		t.Errorf("the unmarked account was changed:\n%s", cmp.Diff(ghost, g))
	}
	opsMails := 0
	for _, m := range r.sim.Outbox() {
		if len(m.To) == 1 && m.To[0] == "ops@vendor1.com" && strings.HasPrefix(m.Subject, "vendorflow repaired drift on ") {
			opsMails++
		}
	}
	if opsMails != 4 {
		t.Errorf("%d repair mails to ops, want one per repaired account (4)", opsMails)
	}
	rec, err := r.journal.Request(ctx, run.Requests[0])
	must(err)
	if rec.Kind != engine.KindReconcile || rec.Status != domain.RequestDone || rec.Reason == "" || rec.UPN == "" {
		t.Errorf("journaled repair: %+v", rec)
	}

	again, err := e.Reconcile(ctx, r.clk.Now(), false)
	must(err)
	if repairs, reports := list(again); len(repairs) != 0 || len(reports) != 1 || len(again.Requests) != 0 {
		t.Errorf("second run: repairs %v, reports %v, journaled %v; want only the ghost reported", repairs, reports, again.Requests)
	}
}
