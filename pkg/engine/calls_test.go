package engine_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
	"github.com/vendorflow/vendorflow/pkg/tenantsim"
)

// Graph requests per request on the happy path, counted by the emulator:
// the call economy against the sequence it replaced (NaiveCalls), on the
// real adapter. The first onboarding of a process reads the SKU list; the
// next ones use the cache.
func TestGraphCallsPerRequest(t *testing.T) {
	tests := []struct {
		name                         string
		naive                        bool
		firstOnboard, nextOnboard    int
		offboard, reonboard, replays int
	}{
		// onboard: create, add to the segment group, assignLicense, TAP, mail
		// (+ subscribedSkus once); offboard: find, one PATCH, revoke, TAP list
		// and delete, assignLicense, leave the group; the re-onboard adopts
		// the disabled account (find, PATCH, memberOf, TAP list + the writes)
		{"economy", false, 6, 5, 7, 8, 0},
		// the re-onboard adopts the disabled account; the naive path reads
		// the SKUs again where the economy has them cached
		{"naive baseline", true, 13, 13, 15, 11, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			e, err := engine.New(engine.Config{Tenant: r.tenant, Directory: r.dir, Journal: r.journal, Clock: r.clk, NaiveCalls: tt.naive})
			if err != nil {
				t.Fatal(err)
			}
			calls := func(kind string, p []byte) int {
				t.Helper()
				r.sim.ResetStats()
				if res := process(t, e, kind, p); res.Status != domain.RequestDone {
					t.Fatalf("%s: %+v", kind, res)
				}
				st := r.sim.Stats()
				if st.Requests > 0 {
					t.Logf("%s: %d requests: %s", kind, st.Requests, routes(st.Routes))
				}
				return st.Requests
			}
			got := []int{
				calls(domain.KindOnboard, onboardPayload(t, "a1", "Vendor1", "Vendor1_A@Vendor1.com")),
				calls(domain.KindOnboard, onboardPayload(t, "b1", "Vendor1", "Vendor1_B@Vendor1.com")),
				calls(domain.KindOffboard, offboardPayload(t, "a2", domain.AccountRef{UPN: "Vendor1_A_SA@ABC.com"})),
				// the journal knows this person: looked up, restored
				calls(domain.KindOnboard, onboardPayload(t, "a3", "Vendor1", "Vendor1_A@Vendor1.com")),
				calls(domain.KindOnboard, onboardPayload(t, "a3", "Vendor1", "Vendor1_A@Vendor1.com")),
			}
			want := []int{tt.firstOnboard, tt.nextOnboard, tt.offboard, tt.reonboard, tt.replays}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("requests (first onboard, next onboard, offboard, re-onboard, replay) = %v, want %v", got, want)
			}
		})
	}
}

func routes(m map[string]int) string {
	var out []string
	for k, v := range m {
		out = append(out, fmt.Sprintf("%s×%d", k, v))
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// Create first: an account the journal has never heard of is created
// without a look-up, and the conflict is where the directory is asked. A
// name held by an account that is not this person's moves the request to
// the next name; this person's own account (made by vendorflow, but
// unknown to this journal) is adopted, not duplicated; a name the request
// gives is never moved.
func TestCreateFirstMeetsAnExistingAccount(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		existing domain.User // created in the tenant before the request, behind the journal's back
		payload  func(t *testing.T) []byte
		status   domain.RequestStatus
		upn      string
		accounts int // users named dana_SA* afterwards
	}{
		{"someone else's account, not vendorflow's",
			domain.User{UPN: "dana_SA@ABC.com", DisplayName: "Dana (staff)", MailNickname: "dana_SA", AccountEnabled: true},
			func(t *testing.T) []byte { return onboardPayload(t, "d1", "Vendor1", "dana@vendor1.com") },
			domain.RequestDone, "dana_SA2@ABC.com", 2},
		{"another person's vendorflow account",
			domain.User{UPN: "dana_SA@ABC.com", DisplayName: "Dana (Vendor2)", MailNickname: "dana_SA", AccountEnabled: true,
				OtherMails: []string{"dana@vendor2.com"}, Extensions: map[string]string{"extensionAttribute15": "vendorflow"}},
			func(t *testing.T) []byte { return onboardPayload(t, "d1", "Vendor1", "dana@vendor1.com") },
			domain.RequestDone, "dana_SA2@ABC.com", 2},
		{"this person's account, unknown to the journal",
			domain.User{UPN: "dana_SA@ABC.com", DisplayName: "Dana (Vendor1)", MailNickname: "dana_SA", AccountEnabled: true, UsageLocation: "US",
				OtherMails: []string{"dana@vendor1.com"}, Extensions: map[string]string{"extensionAttribute15": "vendorflow"}},
			func(t *testing.T) []byte { return onboardPayload(t, "d1", "Vendor1", "dana@vendor1.com") },
			domain.RequestDone, "dana_SA@ABC.com", 1},
		{"a named account that is someone else's",
			domain.User{UPN: "dana_SA@ABC.com", DisplayName: "Dana (staff)", MailNickname: "dana_SA", AccountEnabled: true},
			func(t *testing.T) []byte { return namedPayload(t, "d1", "Vendor1", "dana@vendor1.com", "dana_SA") },
			domain.RequestParked, "dana_SA@ABC.com", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			if _, err := r.dir.CreateUser(ctx, tt.existing, "Str0ng!Passw0rd-x"); err != nil {
				t.Fatal(err)
			}
			e := r.engine(engine.Hooks{})
			res := process(t, e, domain.KindOnboard, tt.payload(t))
			if res.Status != tt.status || res.UPN != tt.upn {
				t.Fatalf("result %+v, want %s on %s", res, tt.status, tt.upn)
			}
			n := 0
			for _, u := range r.sim.Users() {
				if strings.HasPrefix(u.UserPrincipalName, "dana_SA") {
					n++
				}
			}
			if n != tt.accounts {
				t.Errorf("%d dana_SA* accounts, want %d", n, tt.accounts)
			}
			if first, _ := r.sim.UserByUPN("dana_SA@ABC.com"); first.DisplayName != tt.existing.DisplayName && tt.upn != "dana_SA@ABC.com" {
				t.Errorf("the existing account was changed: %+v", first)
			}
			if tt.status == domain.RequestDone {
				if got := r.validMails(t)[tt.upn]; got != 1 {
					t.Errorf("%d valid credential mails for %s, want 1", got, tt.upn)
				}
				// the first name's lease was given up when the request moved on
				if holder, err := r.journal.AcquireLease(ctx, "dana_SA@ABC.com", "probe", r.clk.Now().Add(time.Minute)); err != nil || holder != "" {
					t.Errorf("lease on dana_SA@ABC.com still held by %q (%v)", holder, err)
				}
			}
		})
	}
}

// The SKU cache never parks a request on stale counts: a cached list that
// shows no free seat is read again, and an assignLicense that finds none
// drops the cache.
func TestSKUCacheNeverParksOnStaleCounts(t *testing.T) {
	r := newRig(t)
	e := r.engine(engine.Hooks{})
	// The demo tenant has 5 Remote Assist seats and the demo experts hold none.
	var done []string
	for i := range 6 {
		res := process(t, e, domain.KindOnboard, onboardPayload(t, fmt.Sprintf("s%d", i), "Vendor1", fmt.Sprintf("p%d@vendor1.com", i)))
		if res.Status == domain.RequestDone {
			done = append(done, res.UPN)
		}
	}
	if len(done) != 5 {
		t.Fatalf("%d onboarded, want the 5 seats' worth", len(done))
	}
	// the cache now holds the full counts; an offboarding frees a seat
	if res := process(t, e, domain.KindOffboard, offboardPayload(t, "s-off", domain.AccountRef{UPN: done[0]})); res.Status != domain.RequestDone {
		t.Fatalf("offboard: %+v", res)
	}
	r.sim.ResetStats()
	res := process(t, e, domain.KindOnboard, onboardPayload(t, "s-late", "Vendor1", "late@vendor1.com"))
	if res.Status != domain.RequestDone {
		t.Fatalf("onboard after a seat was freed: %+v (a stale cache parked it)", res)
	}
	if n := r.sim.Stats().Routes["GET /subscribedSkus"]; n != 1 {
		t.Errorf("%d subscribedSkus reads, want 1 (the cached list showed no seat)", n)
	}
}

// When another writer takes the last seat after the engine read the
// counts, Graph refuses the assignment naming the SKU by id only; the
// engine reads the seats again and parks the request with the reason its
// own check gives: the part number and the counts.
func TestNoSeatAfterStaleCountsNamesThePartNumber(t *testing.T) {
	r := newRig(t)
	e := r.engine(engine.Hooks{})
	if res := process(t, e, domain.KindOnboard, onboardPayload(t, "n1", "Vendor1", "n1@vendor1.com")); res.Status != domain.RequestDone {
		t.Fatalf("first onboard: %+v", res)
	}
	// the cache says 4 of 5 are free; another tool takes them all
	if err := r.sim.SetSeats(map[string]int{tenantsim.PartRemoteAssist: 1}); err != nil {
		t.Fatal(err)
	}
	res := process(t, e, domain.KindOnboard, onboardPayload(t, "n2", "Vendor1", "n2@vendor1.com"))
	want := "no free seat for MICROSOFT_REMOTE_ASSIST (1 of 1 in use); buy seats or offboard an account, then replay"
	if res.Status != domain.RequestParked || res.Code != domain.Business || !strings.Contains(res.Reason, want) {
		t.Fatalf("second onboard: %+v, want parked: %s", res, want)
	}
	if n := r.sim.Stats().Routes["POST /users/{id}/assignLicense"]; n < 2 {
		t.Errorf("%d assignLicense calls: the stale counts were not tried against Graph", n)
	}
}

// An offboarding by vendor and email takes the journal's word for the
// account's name, and still checks the account: one that now belongs to
// someone else is left alone.
func TestOffboardByEmailChecksTheJournalsName(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	e := r.engine(engine.Hooks{})
	on := process(t, e, domain.KindOnboard, onboardPayload(t, "j1", "Vendor1", "jo@vendor1.com"))
	if on.Status != domain.RequestDone {
		t.Fatalf("onboard: %+v", on)
	}
	u, err := r.dir.FindUser(ctx, on.UPN)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.dir.UpdateUser(ctx, u.ID, domain.UserChanges{OtherMails: []string{"someone.else@vendor1.com"}}); err != nil {
		t.Fatal(err)
	}
	r.sim.ResetStats()
	off := process(t, e, domain.KindOffboard, offboardPayload(t, "j2", domain.AccountRef{Vendor: "Vendor1", Email: "jo@vendor1.com"}))
	if off.Status != domain.RequestParked || off.Code != domain.Conflict {
		t.Fatalf("offboard: %+v, want parked as a conflict", off)
	}
	if got, _ := r.sim.UserByUPN(on.UPN); !got.AccountEnabled {
		t.Error("the account that now belongs to someone else was disabled")
	}
	if n := r.sim.Stats().Writes; n != 0 {
		t.Errorf("%d Graph writes, want 0", n)
	}
}

// A run that moved to the next name and crashed after creating the account
// there is resumed under that name, not under the first one again.
func TestRenamedAccountSurvivesACrash(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	if _, err := r.dir.CreateUser(ctx, domain.User{UPN: "dana_SA@ABC.com", DisplayName: "Dana (staff)", MailNickname: "dana_SA", AccountEnabled: true}, "Str0ng!Passw0rd-x"); err != nil {
		t.Fatal(err)
	}
	payload := onboardPayload(t, "d1", "Vendor1", "dana@vendor1.com")
	crash := engine.Hooks{AfterStep: func(_ string, s domain.Step) error {
		if s == domain.StepEnsureUser {
			return errCrash
		}
		return nil
	}}
	if _, err := r.engine(crash).Process(ctx, domain.KindOnboard, payload); err == nil {
		t.Fatal("the injected crash did not happen")
	}
	r.reopenJournal()
	res := process(t, r.engine(engine.Hooks{}), domain.KindOnboard, payload)
	if res.Status != domain.RequestDone || res.UPN != "dana_SA2@ABC.com" {
		t.Fatalf("rerun: %+v, want done on dana_SA2@ABC.com", res)
	}
	a, err := r.journal.Account(ctx, "dana_SA2@ABC.com")
	if err != nil || a.State != domain.AccountActive {
		t.Fatalf("journal account dana_SA2: %+v %v", a, err)
	}
	// The run's claim on the first name may stay behind (ClaimedBy, State
	// ""), which is no account on record; an account record may not.
	if a, err := r.journal.Account(ctx, "dana_SA@ABC.com"); domain.ErrorCode(err) != domain.NotFound && (err != nil || a.State != "" || a.Email != "") {
		t.Errorf("the journal records an account under the other person's name: %+v %v", a, err)
	}
	if n := r.validMails(t)["dana_SA2@ABC.com"]; n != 1 {
		t.Errorf("%d valid mails for dana_SA2, want 1", n)
	}
}
