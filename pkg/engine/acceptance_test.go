package engine_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
	"github.com/vendorflow/vendorflow/pkg/tenantsim"
)

func equalFold(a, b string) bool { return strings.EqualFold(a, b) }

func extractTAP(body string) string {
	const key = "Temporary Access Pass:"
	i := strings.Index(body, key)
	if i < 0 {
		return ""
	}
	line, _, _ := strings.Cut(body[i+len(key):], "\n")
	return strings.TrimSpace(line)
}

func wantSeedState() snapshot {
	return snapshot{
		Managed: map[string]managedUser{
			"Vendor1_A_SA@ABC.com": {Enabled: true, Licenses: 2, Company: "Vendor1", Groups: 1},
			"Vendor1_B_SA@ABC.com": {Enabled: true, Licenses: 2, Company: "Vendor1", Groups: 1},
			"Vendor2_A_SA@ABC.com": {Enabled: true, Licenses: 2, Company: "Vendor2", Groups: 1},
			"Vendor_SA@ABC.com":    {Enabled: true, Licenses: 2, Company: "Contractors", Groups: 1},
		},
		Consumed: map[string]int{"MICROSOFT_REMOTE_ASSIST": 4, "MICROSOFT_REMOTE_ASSIST_HOLOLENS": 0, "SPE_E5": 3, "INFORMATION_PROTECTION_COMPLIANCE": 4},
		Mails:    4,
	}
}

func processAll(t *testing.T, e *engine.Engine, reqs [][]byte) []engine.Result {
	t.Helper()
	var out []engine.Result
	for _, p := range reqs {
		res, err := e.Process(context.Background(), domain.KindOnboard, p)
		if err != nil {
			t.Fatalf("process: %v", err)
		}
		out = append(out, res)
	}
	return out
}

// The seed scenario completes, and a second delivery of the same four
// requests changes nothing: no new account, mail or seat, zero Graph
// requests at all.
func TestSeedScenarioOnceAndAgain(t *testing.T) {
	r := newRig(t)
	e := r.engine(engine.Hooks{})
	for _, res := range processAll(t, e, seedRequests(t)) {
		if res.Status != domain.RequestDone {
			t.Fatalf("%s: %s %s", res.RequestID, res.Status, res.Reason)
		}
	}
	if d := cmp.Diff(wantSeedState(), r.snapshot()); d != "" {
		t.Fatalf("tenant after onboarding (-want +got)\n%s", d)
	}
	if got := r.validMails(t); len(got) != 4 {
		t.Fatalf("valid credential mails per account = %v, want one each for 4", got)
	}
	r.sim.ResetStats()
	for _, res := range processAll(t, e, seedRequests(t)) {
		if !res.AlreadyDone {
			t.Fatalf("%s ran again: %+v", res.RequestID, res)
		}
	}
	if st := r.sim.Stats(); st.Requests != 0 || st.Writes != 0 {
		t.Fatalf("replay made %d Graph requests (%d writes), want 0", st.Requests, st.Writes)
	}
	if d := cmp.Diff(wantSeedState(), r.snapshot()); d != "" {
		t.Fatalf("tenant after replay (-want +got)\n%s", d)
	}
}

// With 20% injected 429/503 on every route and replication lag, all four
// complete, each exactly once.
func TestSeedScenarioUnderFaults(t *testing.T) {
	for _, seed := range []int64{1, 2, 3} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			r := newRig(t)
			r.sim.SetFaults(tenantsim.Faults{
				Seed:           seed,
				Routes:         map[string]tenantsim.RouteFaults{"*": {Rate429: 0.1, Rate503: 0.1}},
				ReplicationLag: 3e9, // 3 s on the fake clock
			})
			e := r.engine(engine.Hooks{})
			for _, res := range processAll(t, e, seedRequests(t)) {
				if res.Status != domain.RequestDone {
					t.Fatalf("%s: %s %s", res.RequestID, res.Status, res.Reason)
				}
			}
			st := r.sim.Stats()
			if st.Faults[tenantsim.FaultTooManyRequests]+st.Faults[tenantsim.FaultServiceUnavailable] == 0 {
				t.Fatalf("no fault was injected: %+v", st.Faults)
			}
			if d := cmp.Diff(wantSeedState(), r.snapshot()); d != "" {
				t.Fatalf("tenant (-want +got)\n%s", d)
			}
			if got := r.validMails(t); len(got) != 4 {
				t.Fatalf("valid credential mails = %v", got)
			}
		})
	}
}

// Bad requests get a specific reason in the journal and never reach Graph;
// a missing seat is parked before any license write.
func TestParkedWithReasons(t *testing.T) {
	tests := []struct {
		name       string
		payload    func(t *testing.T) []byte
		prepare    func(r *rig)
		code       domain.Code
		reason     string
		wantWrites bool
	}{
		{"unknown vendor", func(t *testing.T) []byte { return onboardPayload(t, "bad1", "Acme", "a@acme.com") }, nil,
			domain.Invalid, `vendor: unknown vendor "Acme"`, false},
		{"domain not allowed", func(t *testing.T) []byte { return onboardPayload(t, "bad2", "Vendor1", "a@vendor2.com") }, nil,
			domain.Invalid, `domain "vendor2.com" is not allowed for vendor Vendor1`, false},
		{"not json", func(*testing.T) []byte { return []byte("{not json") }, nil,
			domain.Invalid, "undecodable request", false},
		{"unknown field", func(*testing.T) []byte { return []byte(`{"schemaVersion":1,"requestId":"x1","vendr":"Vendor1"}`) }, nil,
			domain.Invalid, `field vendr is not part of the request schema`, false},
		{"no seat", func(t *testing.T) []byte { return onboardPayload(t, "seat6", "Vendor1", "six@vendor1.com") },
			func(r *rig) {
				e := r.engine(engine.Hooks{})
				for i := 1; i <= 5; i++ {
					res, err := e.Process(context.Background(), domain.KindOnboard, onboardPayload(r.t, fmt.Sprint("seat", i), "Vendor1", fmt.Sprintf("p%d@vendor1.com", i)))
					if err != nil || res.Status != domain.RequestDone {
						r.t.Fatalf("filling seats: %+v %v", res, err)
					}
				}
			},
			domain.Business, "no free seat for MICROSOFT_REMOTE_ASSIST (5 of 5 in use)", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			if tt.prepare != nil {
				tt.prepare(r)
			}
			r.sim.ResetStats()
			res, err := r.engine(engine.Hooks{}).Process(context.Background(), domain.KindOnboard, tt.payload(t))
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != domain.RequestParked || res.Code != tt.code || !strings.Contains(res.Reason, tt.reason) {
				t.Fatalf("result = %+v, want parked %s containing %q", res, tt.code, tt.reason)
			}
			rec, err := r.journal.Request(context.Background(), res.RequestID)
			if err != nil {
				t.Fatal(err)
			}
			if rec.Status != domain.RequestParked || !strings.Contains(rec.Reason, tt.reason) {
				t.Fatalf("journal = %+v", rec)
			}
			st := r.sim.Stats()
			if !tt.wantWrites && st.Requests != 0 {
				t.Fatalf("an invalid request reached Graph: %d requests", st.Requests)
			}
			if tt.code == domain.Business && st.Routes["POST /users/{id}/assignLicense"] != 0 {
				t.Fatalf("a license write was attempted without a free seat")
			}
		})
	}
}

var errCrash = errors.New("crash")

// A crash after each step in turn — before and after the journal records
// it — followed by a rerun in a fresh engine and journal handle, leaves the
// same final state with no duplicate account, seat or valid credential.
// The tenant has exactly the seats the account needs, so a rerun that
// counted the seats its crashed attempt took as still needed would park.
func TestCrashAfterEachStep(t *testing.T) {
	plan, _ := domain.Plan(domain.KindOnboard)
	for _, point := range []string{"after-effects", "after-step"} {
		for _, step := range plan {
			t.Run(point+"/"+string(step), func(t *testing.T) {
				r := newRig(t)
				seed := tenantsim.DemoSeed(r.tenant.Domain)
				for _, part := range []string{tenantsim.PartRemoteAssist, tenantsim.PartMicrosoft365E5Compliance} {
					var err error
					if seed, err = seed.WithSeats(part, 1); err != nil {
						t.Fatal(err)
					}
				}
				if err := r.sim.Load(seed); err != nil {
					t.Fatal(err)
				}
				hook := func(_ string, s domain.Step) error {
					if s == step {
						return errCrash
					}
					return nil
				}
				var h engine.Hooks
				if point == "after-effects" {
					h.AfterEffects = hook
				} else {
					h.AfterStep = hook
				}
				payload := onboardPayload(t, "crash-1", "Vendor1", "Vendor1_A@vendor1.com")
				if _, err := r.engine(h).Process(context.Background(), domain.KindOnboard, payload); !errors.Is(err, errCrash) {
					t.Fatalf("err = %v, want the injected crash", err)
				}
				r.reopenJournal()
				res, err := r.engine(engine.Hooks{}).Process(context.Background(), domain.KindOnboard, payload)
				if err != nil || res.Status != domain.RequestDone {
					t.Fatalf("rerun: %+v %v", res, err)
				}
				snap := r.snapshot()
				want := managedUser{Enabled: true, Licenses: 2, Company: "Vendor1", Groups: 1}
				if len(snap.Managed) != 1 || snap.Managed["Vendor1_A_SA@ABC.com"] != want {
					t.Fatalf("accounts = %+v", snap.Managed)
				}
				if snap.Consumed["MICROSOFT_REMOTE_ASSIST"] != 1 {
					t.Fatalf("seats consumed = %d", snap.Consumed["MICROSOFT_REMOTE_ASSIST"])
				}
				valid := r.validMails(t)["Vendor1_A_SA@ABC.com"]
				if valid != 1 {
					t.Fatalf("mails with the valid credential = %d, want exactly 1", valid)
				}
				// Only a crash between sendMail's 202 and the journal write can
				// leave a second (stale, no longer valid) mail: the one window
				// no mail API can close. Everywhere else exactly one mail.
				mails := snap.Mails
				if !(point == "after-effects" && step == domain.StepDeliverCredentials) && mails != 1 {
					t.Fatalf("mails = %d, want 1", mails)
				}
			})
		}
	}
}
