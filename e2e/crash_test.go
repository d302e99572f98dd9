package e2e

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/tenantsim"
)

// The handler child (`vendorflow serve`) is killed with SIGKILL ten times in
// a row, each time while it waits for a Graph response, with eight onboardings
// in flight. The host redelivers, the supervisor restarts the child, the
// engine resumes each request from its journal: every request ends done,
// with exactly one account and one seat per person.
func TestHandlerKilledMidRequest(t *testing.T) {
	const kills = 10
	// Enough work that ten kills, each after a step of progress, find
	// requests still in flight: eight people, each onboarding six steps
	// and five Graph requests, two at a time (host.json's 8 would finish
	// them in four kills).
	s := startStack(t, stackOptions{simArgs: []string{"--seats", "10"}, devArgs: []string{"--concurrency", "2"}})
	// Every Graph response is delayed, so the handler is always mid-request.
	// The emulator applies a request before delaying its response, so a kill
	// during the delay leaves the tenant changed and the journal not: the
	// at-least-once case.
	s.setFaults(allRoutes(4, tenantsim.RouteFaults{SlowRate: 1, SlowDelay: 200 * time.Millisecond}))

	people := []person{
		{"Vendor1", "kim"}, {"Vendor1", "lee"}, {"Vendor2", "max"}, {"Vendor2", "noa"}, {"Contractor", "oli"},
		{"Vendor1", "pia"}, {"Vendor2", "ray"}, {"Contractor", "sue"},
	}
	id := func(p person) string { return "e2e-crash-" + p.local }
	var ids []string
	for _, p := range people {
		ids = append(ids, id(p))
		s.enqueue(domain.KindOnboard, id(p), onboardRequest(id(p), p, inQuarter()))
	}
	allSteps := len(people) * len(onboardSteps)

	devPID := s.dev.cmd.Process.Pid
	killed := map[int]bool{}
	for i := 1; i <= kills; i++ {
		// The current child: a `serve` process of dev that was not killed yet.
		var pid int
		waitFor(t, 20*time.Second, fmt.Sprintf("a new handler child before kill %d", i), func() (bool, string) {
			for _, p := range childrenOf(devPID, "serve") {
				if !killed[p] {
					pid = p
					return true, ""
				}
			}
			return false, fmt.Sprintf("children of %d: %v (killed %v)", devPID, childrenOf(devPID, "serve"), slices.Sorted(maps.Keys(killed)))
		})
		s.waitHandlerUp()
		// Mid-request, after progress: since this child came up, at least one
		// more step is journaled as done and the child has sent a Graph
		// request after that, whose response the emulator is holding.
		// Without the progress condition the same two messages (the host
		// runs two at a time) would be killed ten times without finishing a
		// step, and MaxDeliveryCount (10) would rightly dead-letter them.
		start, ok := s.doneSteps(ids)
		after := -1
		waitFor(t, 20*time.Second, fmt.Sprintf("progress of handler %d before kill %d", pid, i), func() (bool, string) {
			if !ok {
				start, ok = s.doneSteps(ids)
				return false, "the front door did not answer for every request"
			}
			if after < 0 {
				n, nok := s.doneSteps(ids)
				if nok && n >= allSteps {
					t.Fatalf("all requests finished before kill %d; the test needs them in flight for %d kills", i, kills)
				}
				if nok && n > start {
					after = s.stats().Requests
				}
				return false, fmt.Sprintf("no step finished since the handler came up (%d of %d done)", n, allSteps)
			}
			return s.stats().Requests > after, "no Graph request since the last step finished"
		})
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatalf("kill %d: handler %d: %v", i, pid, err)
		}
		killed[pid] = true
		t.Logf("kill %d: handler pid %d killed after %d Graph requests in all", i, pid, s.stats().Requests)
	}
	s.setFaults(tenantsim.Faults{})
	for _, p := range people {
		s.waitStatus(id(p), domain.RequestDone, 60*time.Second)
	}
	// Each kill cut at least one Graph call short (the emulator logs a
	// client that went away during a delayed response).
	if n := s.abandonedResponses(); n < kills {
		t.Errorf("the emulator saw %d Graph requests abandoned by their client, want at least one per kill (%d)", n, kills)
	} else {
		t.Logf("the emulator saw %d Graph requests abandoned by their client during %d kills", n, kills)
	}

	// Exactly one account per person, each complete; no extra account, no
	// leaked seat, nothing soft-deleted, nothing set aside.
	var got []string
	for _, u := range s.managed() {
		got = append(got, u.UserPrincipalName)
		if !u.AccountEnabled || !hasLicense(u, tenantsim.SKURemoteAssist) || len(u.MemberOf) != 1 {
			t.Errorf("account not complete: %s", describeUser(u))
		}
	}
	var want []string
	for _, p := range people {
		want = append(want, p.upn())
	}
	slices.Sort(got)
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("managed accounts (-want +got):\n%s", diff)
	}
	if d := s.deleted(); len(d) != 0 {
		t.Errorf("%d soft-deleted users, want none", len(d))
	}
	st := s.stats()
	if n := st.RouteStatuses["POST /users 201"]; n != len(people) {
		t.Errorf("POST /users created %d users, want %d", n, len(people))
	}
	if k := s.remoteAssist(); k.ConsumedUnits != len(people) {
		t.Errorf("Remote Assist seats consumed = %d, want %d", k.ConsumedUnits, len(people))
	}
	if out := s.mustCLI("deadletters", "list"); !strings.Contains(out, "no parked or dead-lettered messages") {
		t.Errorf("deadletters list:\n%s", out)
	}
	s.waitDrained()
	for _, p := range people {
		s.waitDelivered(id(p))
	}

	// Mails: at least one per person, and at most one per run of the
	// credential step (a kill after sendMail but before the journal records
	// the step makes the next run mail a new pass).
	outbox := s.outbox()
	for _, m := range outbox {
		if !strings.Contains(m.Body, "Temporary Access Pass:") || len(m.To) != 1 || !strings.Contains(m.Body, "_SA@"+tenantDomain) {
			t.Errorf("mail to %v does not look like a credential mail (subject %q)", m.To, m.Subject)
		}
	}
	mails := mailsTo(outbox)
	invs := s.invocations()
	var summary []string
	for _, p := range people {
		_, r, err := s.status(id(p))
		if err != nil {
			t.Fatal(err)
		}
		runs := r.step(domain.StepDeliverCredentials).Attempts
		n := mails[strings.ToLower(p.email())]
		if n < 1 || n > runs {
			t.Errorf("%s: %d credential mails, want 1..%d (runs of %s)", p.email(), n, runs, domain.StepDeliverCredentials)
		}
		if !s.validCredential(p) {
			t.Errorf("%s: the last credential mailed is not the only valid one", p.email())
		}
		d := deliveriesOf(invs, id(p))
		summary = append(summary, fmt.Sprintf("%s: %d deliveries (max count %d), %d runs, credential step %d runs, %d mails",
			id(p), len(d), maxDelivery(d), r.Request.Attempts, runs, n))
	}
	t.Logf("after %d kills:\n  %s\n  TAPs created %d, mails sent %d", kills, strings.Join(summary, "\n  "),
		st.RouteStatuses["POST /users/{id}/authentication/temporaryAccessPassMethods 201"], st.RouteStatuses["POST /users/{id}/sendMail 202"])
}

// maxDelivery is the highest DeliveryCount among invocations.
func maxDelivery(invs []invocation) int {
	m := 0
	for _, in := range invs {
		m = max(m, in.DeliveryCount)
	}
	return m
}

// onboardSteps are the steps of an onboarding, in order.
var onboardSteps = []domain.Step{
	domain.StepValidate, domain.StepEnsureUser, domain.StepEnsureSegment,
	domain.StepEnsureLicenses, domain.StepDeliverCredentials, domain.StepComplete,
}

// doneSteps counts the journaled done steps of the requests, read through
// the front door (a request not journaled yet has none); ok is false when it
// did not answer for every request (a call in flight when the handler is
// killed fails).
func (s *stack) doneSteps(ids []string) (n int, ok bool) {
	ok = true
	for _, id := range ids {
		code, r, err := s.status(id)
		if code == http.StatusNotFound {
			continue // not delivered yet
		}
		if err != nil || code != http.StatusOK {
			ok = false
			continue
		}
		for _, st := range r.Steps {
			if st.Status == domain.StepDone {
				n++
			}
		}
	}
	return n, ok
}
