package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/funcapp"
	"github.com/vendorflow/vendorflow/pkg/funchost"
	"github.com/vendorflow/vendorflow/pkg/tenantsim"
)

// revokeRoute is the emulator's route of session revocation.
const revokeRoute = "POST /users/{id}/revokeSignInSessions"

// Expiry sweeps that overlap each other and the offboardings they start
// offboard each expired account exactly once: the sweep derives the offboard
// request's id from the account and its contract end, the queue's duplicate
// detection drops the second copy, and the journal knows the request.
func TestExpirySweepsRace(t *testing.T) {
	t.Run("two concurrent invocations", func(t *testing.T) {
		t.Parallel()
		// The host's own timer fires only at midnight on 1 January (UTC), so
		// the sweeps in this subtest are the two it sends.
		s := startStack(t, stackOptions{devArgs: []string{"--sweep-schedule", "0 0 0 1 1 *"}})
		people := []person{{"Vendor1", "sol"}, {"Vendor2", "tam"}, {"Contractor", "uma"}}
		end := s.onboardExpiring(people, "e2e-exp-")
		// Slow Graph, so that both sweeps list the accounts before any
		// offboarding has disabled one, and the offboardings overlap.
		s.setFaults(allRoutes(6, tenantsim.RouteFaults{SlowRate: 1, SlowDelay: 200 * time.Millisecond}))
		waitUntil(t, end.Add(100*time.Millisecond))

		replies, errs := s.raceSweeps()
		enqueued, dropped := 0, 0
		for i, r := range replies {
			if errs[i] != nil {
				t.Fatalf("sweep %d: %v", i+1, errs[i])
			}
			if r.Expired != len(people) || r.Sent != len(people) || r.Enqueued+r.Duplicates != r.Sent || r.Failed != 0 {
				t.Errorf("sweep %d replied %+v, want %d expired and sent (enqueued or dropped as duplicates), none failed", i+1, r, len(people))
			}
			enqueued, dropped = enqueued+r.Enqueued, dropped+r.Duplicates
		}
		// duplicate detection kept one copy of each offboard, and the
		// replies say which sweep's copy it was
		if enqueued != len(people) || dropped != len(people) {
			t.Errorf("the sweeps enqueued %d and dropped %d as duplicates, want %d each", enqueued, dropped, len(people))
		}
		// each sweep enqueued its offboards in one batch (the embedded
		// queue's SendBatch reached through serve's bus)
		batches := s.logged("offboards enqueued")
		if len(batches) != len(replies) {
			t.Errorf("%d batch lines logged, want %d: %v", len(batches), len(replies), batches)
		}
		for _, l := range batches {
			if l["count"] != float64(len(people)) {
				t.Errorf("a sweep enqueued a batch of %v, want %d: %v", l["count"], len(people), l)
			}
		}
		s.checkOffboardedOnce(people, end)
	})

	t.Run("two concurrent invocations warn each sponsor once", func(t *testing.T) {
		t.Parallel()
		s := startStack(t, stackOptions{devArgs: []string{"--sweep-schedule", "0 0 0 1 1 *"}})
		people := []person{{"Vendor1", "xia"}, {"Vendor2", "yan"}}
		end := time.Now().UTC().AddDate(0, 0, 7).Format(time.DateOnly) // inside the 14-day warning window
		for _, p := range people {
			s.enqueue(domain.KindOnboard, "e2e-warn-"+p.local, onboardRequest("e2e-warn-"+p.local, p, end))
		}
		for _, p := range people {
			s.waitStatus("e2e-warn-"+p.local, domain.RequestDone, 20*time.Second)
		}
		s.setFaults(allRoutes(8, tenantsim.RouteFaults{SlowRate: 1, SlowDelay: 200 * time.Millisecond}))
		replies, errs := s.raceSweeps()
		warned := 0
		for i, r := range replies {
			if errs[i] != nil {
				t.Fatalf("sweep %d: %v", i+1, errs[i])
			}
			if r.Expired != 0 || r.Enqueued != 0 {
				t.Errorf("sweep %d replied %+v before any contract ended", i+1, r)
			}
			warned += r.Warned
		}
		sponsor := strings.ToLower("pat.sponsor@" + tenantDomain)
		mails := mailsTo(s.outbox())[sponsor]
		t.Logf("the two sweeps warned %d times; %s received %d warnings for %d accounts", warned, sponsor, mails, len(people))
		if warned != len(people) || mails != len(people) {
			t.Errorf("sponsor warnings: the sweeps reported %d and %s received %d, want one per account (%d)", warned, sponsor, mails, len(people))
		}
	})

	t.Run("the host's timer every second", func(t *testing.T) {
		t.Parallel()
		s := startStack(t, stackOptions{devArgs: []string{"--sweep-schedule", "* * * * * *"}})
		people := []person{{"Vendor1", "vic"}, {"Vendor2", "wes"}}
		end := s.onboardExpiring(people, "e2e-tick-")
		// Offboarding takes several seconds, so that later ticks sweep while
		// the first tick's offboardings are still running.
		s.setFaults(allRoutes(7, tenantsim.RouteFaults{SlowRate: 1, SlowDelay: 300 * time.Millisecond}))
		last := s.checkOffboardedOnce(people, end)
		sweeps := 0
		for _, in := range s.invocations() {
			if in.Function == funcapp.ExpirySweep && in.Time.After(end) && !in.Time.After(last) {
				sweeps++
			}
		}
		if sweeps < 2 {
			t.Errorf("%d timer sweeps finished between the contract end and the last offboarding; want at least 2 racing ones", sweeps)
		}
		t.Logf("%d timer sweeps finished while the expired accounts were being offboarded", sweeps)
	})
}

// onboardExpiring onboards people with a contract that ends a few seconds
// from now, waits until they are done and returns the contract end.
func (s *stack) onboardExpiring(people []person, prefix string) time.Time {
	s.t.Helper()
	end := time.Now().UTC().Add(6 * time.Second).Truncate(time.Second)
	for _, p := range people {
		s.enqueue(domain.KindOnboard, prefix+p.local, onboardRequest(prefix+p.local, p, end.Format(time.RFC3339)))
	}
	for _, p := range people {
		s.waitStatus(prefix+p.local, domain.RequestDone, 20*time.Second)
		if u := s.mustUser(p.upn()); !u.EmployeeLeaveDateTime.Equal(end) || !u.AccountEnabled {
			s.t.Fatalf("onboarded account: %s, want enabled and leaving at %s", describeUser(u), end.Format(time.RFC3339))
		}
	}
	if time.Now().After(end) {
		s.t.Fatalf("onboarding took until after the contract end %s; the sweep would race the onboarding", end.Format(time.RFC3339))
	}
	return end
}

// checkOffboardedOnce waits until every person's account is disabled and its
// offboarding journaled as done, then checks that each account was offboarded
// by exactly one request (one journal entry, one delivery, one session
// revocation). It returns when the last offboarding finished.
func (s *stack) checkOffboardedOnce(people []person, end time.Time) time.Time {
	t := s.t
	t.Helper()
	var offboards []domain.RequestRecord
	waitFor(t, 45*time.Second, "the expired accounts to be offboarded", func() (bool, string) {
		for _, p := range people {
			if u := s.mustUser(p.upn()); u.AccountEnabled {
				return false, p.upn() + " is still enabled"
			}
		}
		offboards = s.requests(domain.KindOffboard)
		for _, r := range offboards {
			if r.Status != domain.RequestDone {
				return false, fmt.Sprintf("offboard %s is %s", r.ID, r.Status)
			}
		}
		return len(offboards) >= len(people), fmt.Sprintf("%d offboard requests journaled", len(offboards))
	})
	perUPN := map[string][]string{}
	var last time.Time
	for _, r := range offboards {
		perUPN[strings.ToLower(r.UPN)] = append(perUPN[strings.ToLower(r.UPN)], r.ID)
		if r.UpdatedAt.After(last) {
			last = r.UpdatedAt
		}
	}
	for _, p := range people {
		if ids := perUPN[strings.ToLower(p.upn())]; len(ids) != 1 || !strings.HasPrefix(ids[0], "expiry-") {
			t.Errorf("%s: offboard requests %v, want exactly one expiry request", p.upn(), ids)
		}
	}
	if len(offboards) != len(people) {
		t.Errorf("%d offboard requests journaled, want %d (one per account)", len(offboards), len(people))
	}
	s.waitDrained()
	offboardDeliveries := func() []invocation {
		var out []invocation
		for _, in := range s.invocations() {
			if in.Function == funcapp.Offboard {
				out = append(out, in)
			}
		}
		return out
	}
	waitFor(t, 10*time.Second, "the host to log the offboard deliveries", func() (bool, string) {
		n := len(offboardDeliveries())
		return n >= len(people), fmt.Sprintf("%d logged", n)
	})
	var delivered []string
	for _, in := range offboardDeliveries() {
		delivered = append(delivered, in.MessageID)
		if in.DeliveryCount != 1 || in.Outcome != "completed" {
			t.Errorf("offboard delivery %+v: want DeliveryCount 1, completed", in)
		}
	}
	slices.Sort(delivered)
	if len(delivered) != len(people) || len(slices.Compact(slices.Clone(delivered))) != len(delivered) {
		t.Errorf("offboard messages delivered = %v, want %d distinct ones", delivered, len(people))
	}
	if n := s.stats().Routes[revokeRoute]; n != len(people) {
		t.Errorf("%s was called %d times, want once per account (%d)", revokeRoute, n, len(people))
	}
	for _, p := range people {
		u := s.mustUser(p.upn())
		if len(u.AssignedLicenses) != 0 || u.SignInSessionsValidFromDateTime.Before(end) {
			t.Errorf("offboarded account: %s", describeUser(u))
		}
	}
	if k := s.remoteAssist(); k.ConsumedUnits != 0 {
		t.Errorf("Remote Assist seats consumed after the sweep = %d, want 0", k.ConsumedUnits)
	}
	if out := s.mustCLI("deadletters", "list"); !strings.Contains(out, "no parked or dead-lettered messages") {
		t.Errorf("deadletters list:\n%s", out)
	}
	return last
}

// waitUntil blocks until the wall clock passes at (a contract end), bounded
// by a minute.
func waitUntil(t testing.TB, at time.Time) {
	t.Helper()
	d := time.Until(at)
	if d > time.Minute {
		t.Fatalf("refusing to wait %s", d)
	}
	if d > 0 {
		<-time.After(d)
	}
}

// sweepReply is the ReturnValue of the expiry-sweep function.
type sweepReply struct {
	Expired    int `json:"expired"`
	Sent       int `json:"sent"`
	Enqueued   int `json:"enqueued"`
	Duplicates int `json:"duplicates"`
	Failed     int `json:"failed"`
	Warned     int `json:"warned"`
	Deleted    int `json:"deleted"`
}

// raceSweeps invokes expiry-sweep twice at the same moment, as two
// overlapping timer runs would (on two instances when there are several).
func (s *stack) raceSweeps() ([2]sweepReply, [2]error) {
	env := sweepEnvelope(s.t)
	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		replies [2]sweepReply
		errs    [2]error
	)
	for i := range replies {
		wg.Go(func() {
			<-start
			replies[i], errs[i] = s.invokeSweep(s.handlerURLs[i%len(s.handlerURLs)], env)
		})
	}
	close(start)
	wg.Wait()
	return replies, errs
}

// sweepEnvelope is the timer payload the Functions host sends to
// expiry-sweep, built with the host side of pkg/funchost.
func sweepEnvelope(t testing.TB) []byte {
	t.Helper()
	i := slices.IndexFunc(funcapp.Functions(), func(f funcapp.Function) bool { return f.Name == funcapp.ExpirySweep })
	if i < 0 {
		t.Fatalf("the app has no %s function", funcapp.ExpirySweep)
	}
	enc, err := funchost.NewEncoder(funchost.EncoderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	env, err := enc.Timer(funcapp.ExpirySweep, funcapp.Functions()[i].Binding, funchost.TimerInfo{
		Last: now.Add(-time.Hour), Next: now.Add(time.Hour), LastUpdated: now.Add(-time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// invokeSweep POSTs a timer invocation of expiry-sweep to the handler at
// url, as the host does, and returns its ReturnValue.
func (s *stack) invokeSweep(url string, env []byte) (sweepReply, error) {
	return s.invokeSweepWithin(url, env, 30*time.Second)
}

// invokeSweepWithin is invokeSweep with its own deadline.
func (s *stack) invokeSweepWithin(url string, env []byte, d time.Duration) (sweepReply, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	req, err := funchost.NewRequest(ctx, url, funcapp.ExpirySweep, fmt.Sprintf("e2e-%d", time.Now().UnixNano()), env)
	if err != nil {
		return sweepReply{}, err
	}
	resp, err := (&http.Client{}).Do(req)
	if err != nil {
		return sweepReply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return sweepReply{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return sweepReply{}, fmt.Errorf("HTTP %d: %s", resp.StatusCode, b)
	}
	r, err := funchost.DecodeResponse(b)
	if err != nil {
		return sweepReply{}, err
	}
	raw, err := json.Marshal(r.ReturnValue)
	if err != nil {
		return sweepReply{}, err
	}
	var out sweepReply
	return out, json.Unmarshal(raw, &out)
}
