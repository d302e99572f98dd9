package e2e

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/tenantsim"
)

// One onboarding and its offboarding through the whole local app: enqueue →
// host → handler child → Graph emulator, observed from the front door, the
// CLI and the tenant.
func TestOnboardThenOffboard(t *testing.T) {
	s := startStack(t, stackOptions{})
	ada := person{vendor: "Vendor1", local: "ada"}
	end := inQuarter()

	s.enqueue(domain.KindOnboard, "e2e-ada", onboardRequest("e2e-ada", ada, end))
	st := s.waitStatus("e2e-ada", domain.RequestDone, 20*time.Second)
	var steps []domain.Step
	for _, r := range st.Steps {
		if r.Status != domain.StepDone {
			t.Errorf("step %s is %s (%s)", r.Step, r.Status, r.Error)
		}
		steps = append(steps, r.Step)
	}
	if diff := cmp.Diff(onboardSteps, steps); diff != "" {
		t.Errorf("onboarding steps (-want +got):\n%s", diff)
	}
	if st.Request.UPN != ada.upn() || st.Request.Attempts != 1 {
		t.Errorf("status: upn %q attempts %d, want %q and 1", st.Request.UPN, st.Request.Attempts, ada.upn())
	}
	if out := s.mustCLI("status", "e2e-ada"); !strings.Contains(out, "request e2e-ada (onboard) done — "+ada.upn()) {
		t.Errorf("vendorflow status e2e-ada:\n%s", out)
	}

	// The tenant: enabled, licensed, segmented, marked, one credential mail.
	u := s.mustUser(ada.upn())
	wantEnd, _ := time.Parse(time.DateOnly, end)
	switch {
	case !u.AccountEnabled:
		t.Errorf("account disabled after onboarding: %s", describeUser(u))
	case !hasLicense(u, tenantsim.SKURemoteAssist) || !hasLicense(u, tenantsim.SKUMicrosoft365E5Compliance) || len(u.AssignedLicenses) != 2:
		t.Errorf("account not licensed with Remote Assist and the barrier licence only: %s", describeUser(u))
	case u.CompanyName != "Vendor1" || !slices.Contains(u.MemberOf, tenantsim.GroupIBVendor1ID):
		t.Errorf("account not in segment Vendor1 (companyName and IB-Vendor1): %s", describeUser(u))
	case u.OnPremisesExtensionAttributes.ExtensionAttribute15 != "vendorflow":
		t.Errorf("account lacks the vendorflow marker: %+v", u.OnPremisesExtensionAttributes)
	case u.EmployeeLeaveDateTime.Before(wantEnd):
		t.Errorf("employeeLeaveDateTime %s is before the contract end %s", u.EmployeeLeaveDateTime, end)
	}
	if n := s.remoteAssist().ConsumedUnits; n != 1 {
		t.Errorf("Remote Assist seats consumed = %d, want 1", n)
	}
	mails := s.outbox()
	if len(mails) != 1 {
		t.Fatalf("outbox has %d mails, want 1", len(mails))
	}
	m := mails[0]
	if diff := cmp.Diff([]string{ada.email()}, m.To); diff != "" || !strings.EqualFold(m.From, "vendorflow@"+tenantDomain) || m.Body == "" {
		t.Errorf("credential mail from %s to %v (body %d bytes); recipients (-want +got):\n%s", m.From, m.To, len(m.Body), diff)
	}

	// Offboarding: disabled, sessions revoked, unlicensed, seat freed.
	onboarded := time.Now()
	s.enqueue(domain.KindOffboard, "e2e-ada-end", offboardRequest("e2e-ada-end", ada))
	off := s.waitStatus("e2e-ada-end", domain.RequestDone, 20*time.Second)
	if off.Request.UPN != ada.upn() {
		t.Errorf("offboard resolved %q, want %q", off.Request.UPN, ada.upn())
	}
	u = s.mustUser(ada.upn())
	switch {
	case u.AccountEnabled:
		t.Errorf("account still enabled after offboarding: %s", describeUser(u))
	case u.SignInSessionsValidFromDateTime.Before(onboarded.Add(-time.Second)):
		t.Errorf("sessions not revoked at offboarding: %s", describeUser(u))
	case len(u.AssignedLicenses) != 0:
		t.Errorf("account still licensed: %s", describeUser(u))
	case slices.Contains(u.MemberOf, tenantsim.GroupIBVendor1ID):
		t.Errorf("account still in IB-Vendor1: %s", describeUser(u))
	}
	if n := s.remoteAssist().ConsumedUnits; n != 0 {
		t.Errorf("Remote Assist seats consumed after offboarding = %d, want 0", n)
	}
	if n := len(s.outbox()); n != 1 {
		t.Errorf("outbox has %d mails after offboarding, want still 1", n)
	}

	// Each message was delivered once and completed; nothing was set aside.
	s.waitDrained()
	s.waitDelivered("e2e-ada-end")
	invs := s.invocations()
	for _, id := range []string{"e2e-ada", "e2e-ada-end"} {
		d := deliveriesOf(invs, id)
		if len(d) != 1 || d[0].DeliveryCount != 1 || d[0].Outcome != "completed" {
			t.Errorf("deliveries of %s = %+v, want one completed delivery", id, d)
		}
	}
	if out := s.mustCLI("deadletters", "list"); !strings.Contains(out, "no parked or dead-lettered messages") {
		t.Errorf("deadletters list:\n%s", out)
	}
}
