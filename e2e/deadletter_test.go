package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/tenantsim"
)

// A poison message (unknown vendor) is parked on its first delivery with its
// reason and never reaches Graph; a request stopped by a business failure (no
// free Remote Assist seat) is parked the same way, and once a seat is freed
// `vendorflow deadletters replay` finishes it.
func TestParkedOnFirstDeliveryAndReplay(t *testing.T) {
	s := startStack(t, stackOptions{})

	// Poison: the vendor is not in the registry.
	before := s.stats().Requests
	poison := onboardRequest("e2e-poison", person{vendor: "NoSuchVendor", local: "eve"}, inQuarter())
	s.enqueue(domain.KindOnboard, "e2e-poison", poison)
	st := s.waitStatus("e2e-poison", domain.RequestParked, 20*time.Second)
	if st.Request.ReasonCode != domain.Invalid || !strings.Contains(st.Request.Reason, `unknown vendor "NoSuchVendor"`) || st.Request.Attempts != 1 {
		t.Errorf("poison request: code %q reason %q attempts %d, want invalid, unknown vendor, 1 attempt",
			st.Request.ReasonCode, st.Request.Reason, st.Request.Attempts)
	}
	s.waitDelivered("e2e-poison")
	// the ops routes of the running front door refuse a caller without
	// the admin token (s.client sends it)
	for _, path := range []string{"/api/status/e2e-poison", "/api/deadletters"} {
		resp, err := http.Get(s.frontDoor + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s without the admin token = %d, want 401", path, resp.StatusCode)
		}
	}
	if d := deliveriesOf(s.invocations(), "e2e-poison"); len(d) != 1 || d[0].DeliveryCount != 1 || d[0].Outcome != "completed" {
		t.Errorf("deliveries of the poison message = %+v, want exactly one, completed (parked, not redelivered)", d)
	}
	if after := s.stats().Requests; after != before {
		t.Errorf("the poison request made %d Graph requests, want none", after-before)
	}
	out := s.mustCLI("deadletters", "list")
	if !hasRow(out, "e2e-poison", "parked", "invalid", `unknown vendor "NoSuchVendor"`) {
		t.Errorf("deadletters list does not show the parked poison message with its reason:\n%s", out)
	}

	// Fill the five Remote Assist seats, then one more.
	seat := func(i int) person { return person{vendor: "Vendor2", local: fmt.Sprintf("seat%d", i)} }
	sku := s.remoteAssist()
	seats := sku.PrepaidUnits.Enabled - sku.ConsumedUnits
	if seats < 1 || seats > 10 {
		t.Fatalf("the demo tenant has %d free Remote Assist seats; the test expects a handful", seats)
	}
	for i := 1; i <= seats; i++ {
		id := fmt.Sprintf("e2e-seat-%d", i)
		s.enqueue(domain.KindOnboard, id, onboardRequest(id, seat(i), inQuarter()))
	}
	for i := 1; i <= seats; i++ {
		s.waitStatus(fmt.Sprintf("e2e-seat-%d", i), domain.RequestDone, 30*time.Second)
	}
	if k := s.remoteAssist(); k.ConsumedUnits != k.PrepaidUnits.Enabled {
		t.Fatalf("after %d onboardings %d of %d seats are consumed", seats, k.ConsumedUnits, k.PrepaidUnits.Enabled)
	}
	extra := seats + 1
	extraID := fmt.Sprintf("e2e-seat-%d", extra)
	s.enqueue(domain.KindOnboard, extraID, onboardRequest(extraID, seat(extra), inQuarter()))
	st = s.waitStatus(extraID, domain.RequestParked, 20*time.Second)
	if st.Request.ReasonCode != domain.Business || st.Request.Attempts != 1 {
		t.Errorf("request without a seat: code %q attempts %d reason %q, want business after 1 attempt",
			st.Request.ReasonCode, st.Request.Attempts, st.Request.Reason)
	}
	s.waitDelivered(extraID)
	if d := deliveriesOf(s.invocations(), extraID); len(d) != 1 || d[0].DeliveryCount != 1 {
		t.Errorf("deliveries of %s = %+v, want exactly one", extraID, d)
	}
	out = s.mustCLI("deadletters", "list", "--request-id", extraID)
	if !hasRow(out, extraID, "parked", "business") {
		t.Errorf("deadletters list --request-id %s:\n%s", extraID, out)
	}

	// Free a seat by offboarding the first account, then replay.
	s.enqueue(domain.KindOffboard, "e2e-seat-1-end", offboardRequest("e2e-seat-1-end", seat(1)))
	s.waitStatus("e2e-seat-1-end", domain.RequestDone, 20*time.Second)
	if k := s.remoteAssist(); k.ConsumedUnits != k.PrepaidUnits.Enabled-1 {
		t.Fatalf("offboarding freed no seat: %d of %d consumed", k.ConsumedUnits, k.PrepaidUnits.Enabled)
	}
	if out := s.mustCLI("deadletters", "replay", extraID); !strings.Contains(out, "replayed 1 message(s)") {
		t.Fatalf("deadletters replay %s: %s", extraID, out)
	}
	st = s.waitRun(extraID, domain.RequestDone, 2, 20*time.Second)
	if st.Request.Attempts != 2 {
		t.Errorf("replayed request: %d attempts, want 2 (the parked run and the replay)", st.Request.Attempts)
	}
	u := s.mustUser(seat(extra).upn())
	if !u.AccountEnabled || !hasLicense(u, tenantsim.SKURemoteAssist) {
		t.Errorf("replayed account: %s", describeUser(u))
	}
	if k := s.remoteAssist(); k.ConsumedUnits != k.PrepaidUnits.Enabled {
		t.Errorf("after the replay %d of %d seats are consumed", k.ConsumedUnits, k.PrepaidUnits.Enabled)
	}
	if n := mailsTo(s.outbox())[strings.ToLower(seat(extra).email())]; n != 1 {
		t.Errorf("%d credential mails to %s, want 1", n, seat(extra).email())
	}
	out = s.mustCLI("deadletters", "list")
	if strings.Contains(out, extraID) || !strings.Contains(out, "e2e-poison") || !strings.Contains(out, "1 message(s)") {
		t.Errorf("after the replay deadletters list should hold only the poison message:\n%s", out)
	}
}

// waitDelivered waits until the host has logged a finished delivery of
// messageID (the journal is written before the host settles the message).
func (s *stack) waitDelivered(messageID string) {
	s.t.Helper()
	waitFor(s.t, 10*time.Second, "the host to log the delivery of "+messageID, func() (bool, string) {
		return len(deliveriesOf(s.invocations(), messageID)) > 0, "no \"invocation finished\" line yet"
	})
}

// hasRow reports whether one line of a CLI table contains every field.
func hasRow(table string, fields ...string) bool {
	for _, line := range strings.Split(table, "\n") {
		ok := true
		for _, f := range fields {
			if !strings.Contains(line, f) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}
