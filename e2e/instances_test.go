package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/devhost"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/funcapp"
	"github.com/vendorflow/vendorflow/pkg/funchost"
	"github.com/vendorflow/vendorflow/pkg/tables/tablestest"
	"github.com/vendorflow/vendorflow/pkg/tenantsim"
)

// Three instances of the app (`vendorflow dev --instances 3`) share the
// Table Storage journal on Azurite and the queue, as Azure scales the app
// out. Exact duplicates race on different instances, an onboard and an
// offboard of one person race, and two sweeps overlap on two instances.
// Every verdict is counted from the emulator's tenant, not the journal.
func TestThreeInstancesShareOneJournal(t *testing.T) {
	ts := tablestest.Settings(t)
	s := startStack(t, stackOptions{
		devArgs: []string{"--instances", "3", "--sweep-schedule", "0 0 0 1 1 *"},
		env: []string{
			"VENDORFLOW_JOURNAL_TABLE_CONNECTION_STRING=" + os.Getenv(tablestest.Env),
			"VENDORFLOW_JOURNAL_TABLE_PREFIX=" + ts.Prefix,
		},
	})
	if len(s.handlerURLs) != 3 {
		t.Fatalf("dev started %d handlers, want 3: %v", len(s.handlerURLs), s.handlerURLs)
	}
	// Slow Graph a little, so that racing deliveries overlap.
	s.setFaults(allRoutes(11, tenantsim.RouteFaults{SlowRate: 1, SlowDelay: 50 * time.Millisecond}))

	// 1. Exact duplicates: the same delivery on all three instances at once.
	// The demo tenant has 5 Remote Assist seats: 5 people in all.
	dups := []person{{"Vendor1", "ada"}, {"Contractor", "cy"}}
	expiring := []person{{"Vendor2", "eve"}}
	end := time.Now().UTC().Add(8 * time.Second).Truncate(time.Second)
	for _, p := range dups {
		s.deliverOnAll("e2e-dup-"+p.local, onboardRequest("e2e-dup-"+p.local, p, inQuarter()))
	}
	for _, p := range expiring {
		s.deliverOnAll("e2e-exp-"+p.local, onboardRequest("e2e-exp-"+p.local, p, end.Format(time.RFC3339)))
	}
	// 2. An onboard and, right behind it, an offboard of one person. The
	// offboard is enqueued in a later second (intent times are whole
	// seconds), so it is the newer intent whichever instance runs first.
	racer := person{"Vendor1", "gus"}
	s.enqueue(domain.KindOnboard, "e2e-race-on", onboardRequest("e2e-race-on", racer, inQuarter()))
	waitUntil(t, time.Now().Truncate(time.Second).Add(time.Second))
	s.enqueue(domain.KindOffboard, "e2e-race-off", offboardRequest("e2e-race-off", racer))
	// A contract ending inside the 14-day warning window.
	warned := person{"Vendor2", "hal"}
	s.enqueue(domain.KindOnboard, "e2e-warn", onboardRequest("e2e-warn", warned, time.Now().UTC().AddDate(0, 0, 7).Format(time.DateOnly)))

	for _, p := range append(append([]person{}, dups...), expiring...) {
		s.waitStatus(map[bool]string{true: "e2e-dup-", false: "e2e-exp-"}[slices.Contains(dups, p)]+p.local, domain.RequestDone, 45*time.Second)
	}
	s.waitStatus("e2e-warn", domain.RequestDone, 45*time.Second)
	// Each ends done, superseded, or parked with a reason (an offboard
	// that runs before the account exists finds nothing to end).
	raced := map[string]statusReply{}
	waitFor(t, 45*time.Second, "the racing onboard and offboard to settle", func() (bool, string) {
		for _, id := range []string{"e2e-race-on", "e2e-race-off"} {
			_, r, err := s.status(id)
			if err != nil {
				return false, err.Error()
			}
			switch r.Request.Status {
			case domain.RequestDone, domain.RequestSuperseded:
			case domain.RequestParked:
				if r.Request.Reason == "" {
					return false, id + " is parked without a reason"
				}
			default:
				return false, id + " is " + string(r.Request.Status)
			}
			raced[id] = r
		}
		return true, ""
	})

	// 3. Two sweeps overlapping on two instances, after the contracts ended.
	waitUntil(t, end.Add(100*time.Millisecond))
	replies, errs := s.raceSweeps()
	for i, r := range replies {
		if errs[i] != nil {
			t.Fatalf("sweep %d: %v", i+1, errs[i])
		}
		if r.Failed != 0 {
			t.Errorf("sweep %d replied %+v, want none failed", i+1, r)
		}
	}
	waitFor(t, 45*time.Second, "the expired accounts to be offboarded", func() (bool, string) {
		for _, r := range s.requests(domain.KindOffboard) {
			if strings.HasPrefix(r.ID, "expiry-") && r.Status != domain.RequestDone {
				return false, r.ID + " is " + string(r.Status)
			}
		}
		for _, p := range expiring {
			if u := s.mustUser(p.upn()); u.AccountEnabled || len(u.AssignedLicenses) != 0 {
				return false, describeUser(u)
			}
		}
		return true, ""
	})
	for _, p := range expiring {
		var ids []string
		for _, r := range s.requests(domain.KindOffboard) {
			if strings.EqualFold(r.UPN, p.upn()) {
				ids = append(ids, r.ID+"="+string(r.Status))
			}
		}
		if len(ids) != 1 || !strings.HasPrefix(ids[0], "expiry-") {
			t.Errorf("%s: offboard requests %v from two overlapping sweeps, want exactly one expiry request, done", p.upn(), ids)
		}
	}

	// Verdicts, from the emulator.
	mails := s.outbox()
	for _, p := range dups {
		u := s.mustUser(p.upn())
		if !u.AccountEnabled || !hasLicense(u, s.remoteAssist().SkuID) {
			t.Errorf("%s: %s, want enabled and licensed", p.upn(), describeUser(u))
		}
		// The racing runs of one request hold the account lease under
		// different owners: one runs, the others wait and find it done.
		if n := credentialMails(mails, p.email()); n != 1 {
			t.Errorf("%s received %d credential mails from %d racing deliveries, want 1", p.email(), n, len(s.handlerURLs))
		}
		if !s.validCredential(p) {
			t.Errorf("%s: the credential mailed is not the account's valid one", p.email())
		}
	}
	accounts := map[string]int{}
	for _, u := range s.managed() {
		accounts[strings.ToLower(u.UserPrincipalName)]++
	}
	for upn, n := range accounts {
		if n != 1 {
			t.Errorf("%s: %d accounts, want 1", upn, n)
		}
	}
	// The newer intent (the offboard) wins in either order: run after the
	// onboard, it is done; run first, it finds no account, is parked and
	// the older onboard is superseded. Either way no usable account is left.
	on, off := raced["e2e-race-on"].Request, raced["e2e-race-off"].Request
	switch {
	case off.Status == domain.RequestDone && on.Status == domain.RequestDone:
	case off.Status == domain.RequestParked && on.Status == domain.RequestSuperseded:
	default:
		t.Errorf("racing onboard %s (%s) and newer offboard %s (%s): want both done, or the offboard parked and the onboard superseded", on.Status, on.Reason, off.Status, off.Reason)
	}
	t.Logf("racing onboard: %s; newer offboard: %s (%s)", on.Status, off.Status, off.Reason)
	if u, ok := s.user(racer.upn()); ok && (u.AccountEnabled || hasLicense(u, s.remoteAssist().SkuID)) {
		t.Errorf("%s: %s after the newer offboard", racer.upn(), describeUser(u))
	}
	licensed := 0
	for _, u := range s.managed() {
		if hasLicense(u, s.remoteAssist().SkuID) {
			licensed++
		}
	}
	if k := s.remoteAssist(); k.ConsumedUnits != licensed {
		t.Errorf("Remote Assist seats consumed = %d, licensed accounts = %d", k.ConsumedUnits, licensed)
	}
	sponsor := strings.ToLower("pat.sponsor@" + tenantDomain)
	for _, p := range []person{warned} {
		n := 0
		for _, m := range mails {
			if slices.Contains(lower(m.To), sponsor) && strings.Contains(m.Subject, "Vendor access ends") && strings.Contains(m.Subject, p.upn()) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("the sponsor was warned %d times about %s by two overlapping sweeps, want once", n, p.upn())
		}
	}

	// Status of a request answers from every instance (the shared journal).
	seen := map[string]bool{}
	for range 6 {
		resp, err := s.client.Get(s.frontDoor + "/api/status/e2e-dup-ada")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var r statusReply
		if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &r) != nil || r.Request.Status != domain.RequestDone {
			t.Errorf("status from instance %s: HTTP %d %s", resp.Header.Get(devhost.InstanceHeader), resp.StatusCode, b)
		}
		seen[resp.Header.Get(devhost.InstanceHeader)] = true
	}
	if len(seen) != 3 {
		t.Errorf("status answered from instances %v, want all 3", seen)
	}
}

func lower(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(s)
	}
	return out
}

// credentialMails counts the credential mails sent to an address.
func credentialMails(mails []tenantsim.Mail, to string) int {
	n := 0
	for _, m := range mails {
		if slices.Contains(lower(m.To), strings.ToLower(to)) && strings.Contains(m.Subject, "Remote Assist account") {
			n++
		}
	}
	return n
}

// deliverOnAll delivers one onboard message, the same delivery, to every
// instance at the same moment, as the host would after a lock was lost.
func (s *stack) deliverOnAll(id string, req domain.OnboardRequest) {
	s.t.Helper()
	body, err := json.Marshal(req)
	if err != nil {
		s.t.Fatal(err)
	}
	i := slices.IndexFunc(funcapp.Functions(), func(f funcapp.Function) bool { return f.Name == funcapp.Onboard })
	enc, err := funchost.NewEncoder(funchost.EncoderConfig{})
	if err != nil {
		s.t.Fatal(err)
	}
	now := time.Now().UTC()
	env, err := enc.ServiceBus(funcapp.Onboard, funcapp.Functions()[i].Binding, funchost.ServiceBusMessage{
		Body: body, MessageID: id, CorrelationID: id, ContentType: "application/json", DeliveryCount: 1,
		SequenceNumber: 1, EnqueuedTime: now, ExpiresAt: now.Add(time.Hour), LockToken: "e2e-" + id,
	})
	if err != nil {
		s.t.Fatal(err)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for n, u := range s.handlerURLs {
		wg.Go(func() {
			<-start
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			r, err := funchost.NewRequest(ctx, u, funcapp.Onboard, fmt.Sprintf("e2e-%s-%d", id, n), env)
			if err != nil {
				s.t.Error(err)
				return
			}
			resp, err := s.client.Do(r)
			if err != nil {
				s.t.Errorf("deliver %s to instance %d: %v", id, n, err)
				return
			}
			resp.Body.Close()
		})
	}
	close(start)
	wg.Wait()
}
