package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/tenantsim"
)

// Half of all Graph requests answer 429 TooManyRequests with Retry-After.
// The handler absorbs the storm (retries inside the invocation, and
// reschedules as new messages when its budget runs out): every request ends
// done, no message is ever redelivered by the queue (DeliveryCount stays 1),
// nothing is parked or dead-lettered.
func TestThrottlingStormAbsorbed(t *testing.T) {
	s := startStack(t, stackOptions{})
	// Short Retry-After values keep the test fast; the rate is the storm.
	s.setFaults(allRoutes(9, tenantsim.RouteFaults{Rate429: 0.5, RetryAfter: []float64{0.05, 0.1, 0.2}}))

	people := []person{{"Vendor1", "pia"}, {"Vendor2", "quinn"}, {"Contractor", "rae"}}
	id := func(p person) string { return "e2e-storm-" + p.local }
	for _, p := range people {
		s.enqueue(domain.KindOnboard, id(p), onboardRequest(id(p), p, inQuarter()))
	}
	var summary []string
	for _, p := range people {
		r := s.waitStatus(id(p), domain.RequestDone, 45*time.Second)
		u := s.mustUser(p.upn())
		if !u.AccountEnabled || !hasLicense(u, tenantsim.SKURemoteAssist) {
			t.Errorf("account after the storm: %s", describeUser(u))
		}
		var retried []string
		for _, st := range r.Steps {
			if st.Attempts > 1 {
				retried = append(retried, fmt.Sprintf("%s×%d", st.Step, st.Attempts))
			}
		}
		summary = append(summary, fmt.Sprintf("%s: %d runs; steps run more than once: %v", id(p), r.Request.Attempts, retried))
	}
	st := s.stats()
	if st.Faults[tenantsim.FaultTooManyRequests] < 10 {
		t.Fatalf("only %d injected 429s; the storm did not happen", st.Faults[tenantsim.FaultTooManyRequests])
	}
	s.waitDrained()
	for _, p := range people {
		s.waitDelivered(id(p))
	}
	invs := s.invocations()
	rescheduled := 0
	for _, in := range invs {
		if in.Function != "onboard" {
			continue
		}
		if in.DeliveryCount != 1 || in.Outcome != "completed" {
			t.Errorf("delivery %+v: want DeliveryCount 1, completed", in)
		}
		if strings.Contains(in.MessageID, "-retry-") {
			rescheduled++
		}
	}
	mails := mailsTo(s.outbox())
	for _, p := range people {
		if n := mails[p.email()]; n != 1 {
			t.Errorf("%d credential mails to %s, want 1", n, p.email())
		}
	}
	if k := s.remoteAssist(); k.ConsumedUnits != len(people) {
		t.Errorf("Remote Assist seats consumed = %d, want %d", k.ConsumedUnits, len(people))
	}
	if out := s.mustCLI("deadletters", "list"); !strings.Contains(out, "no parked or dead-lettered messages") {
		t.Errorf("deadletters list:\n%s", out)
	}
	t.Logf("%d Graph requests, %d answered 429; %d deliveries (%d of them rescheduled copies)\n  %s",
		st.Requests, st.Faults[tenantsim.FaultTooManyRequests], len(invs), rescheduled, strings.Join(summary, "\n  "))
}
