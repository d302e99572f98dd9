package plan_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
	"github.com/vendorflow/vendorflow/pkg/graph"
	"github.com/vendorflow/vendorflow/pkg/journal"
	"github.com/vendorflow/vendorflow/pkg/plan"
	"github.com/vendorflow/vendorflow/pkg/tenantsim"
)

var t0 = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

// rig is the emulator over HTTP with the real Graph adapter, a real
// journal file and the real engine to set the tenant up, all on one fake
// clock; plans read the same emulator and the journal read-only.
type rig struct {
	t      *testing.T
	clk    *clock.Fake
	sim    *tenantsim.Server
	dir    *graph.Client
	tenant domain.Tenant
	dbPath string
	j      *journal.Journal
}

func newRig(t *testing.T, seed func(tenantsim.Seed) tenantsim.Seed) *rig {
	t.Helper()
	cfg, err := config.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(t0)
	sim, err := tenantsim.New(tenantsim.Config{Domain: cfg.Tenant.Domain, Clock: clk, RequireAuth: true})
	if err != nil {
		t.Fatal(err)
	}
	s := tenantsim.DemoSeed(cfg.Tenant.Domain)
	if seed != nil {
		s = seed(s)
	}
	if err := sim.Load(s); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	dir, err := graph.New(graph.Config{BaseURL: srv.URL + "/v1.0", Clock: clk, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, clk: clk, sim: sim, dir: dir, tenant: cfg.Tenant, dbPath: filepath.Join(t.TempDir(), "journal.db")}
	if r.j, err = journal.Open(context.Background(), journal.Config{Path: r.dbPath, Clock: clk}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.j.Close() })
	return r
}

// process runs a request for real (Graph writes, journal writes) with an
// engine that reads the seat counts every time, as the planner's does.
func (r *rig) process(kind string, body []byte) engine.Result {
	r.t.Helper()
	e, err := engine.New(engine.Config{Tenant: r.tenant, Directory: r.dir, Journal: r.j, Clock: r.clk, SKUCacheTTL: -1})
	if err != nil {
		r.t.Fatal(err)
	}
	res, err := e.Process(context.Background(), kind, body)
	if err != nil {
		r.t.Fatal(err)
	}
	return res
}

// journalState is what proves the real journal unchanged: the bytes of
// its files and its request counts.
func (r *rig) journalState() string {
	r.t.Helper()
	h := sha256.New()
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(r.dbPath + suffix)
		if err != nil && !os.IsNotExist(err) {
			r.t.Fatal(err)
		}
		h.Write(b)
	}
	st, err := r.j.Stats(context.Background())
	if err != nil {
		r.t.Fatal(err)
	}
	n := 0
	if err := r.j.Accounts(context.Background(), func(domain.AccountRecord) error { n++; return nil }); err != nil {
		r.t.Fatal(err)
	}
	return fmt.Sprintf("%x %v accounts=%d", h.Sum(nil), st, n)
}

// plan plans inputs with a planner over the emulator and the journal
// opened read-only, and proves that it made no Graph write and left the
// journal as it was.
func (r *rig) plan(inputs ...plan.Input) plan.Report {
	r.t.Helper()
	ro, err := journal.Open(context.Background(), journal.Config{Path: r.dbPath, Clock: r.clk, ReadOnly: true})
	if err != nil {
		r.t.Fatal(err)
	}
	defer ro.Close()
	p, err := plan.New(plan.Config{Tenant: r.tenant, Directory: r.dir, Journal: ro, Clock: r.clk})
	if err != nil {
		r.t.Fatal(err)
	}
	before, jBefore, users := r.sim.Stats(), r.journalState(), len(r.sim.Users())
	rep, err := p.Plan(context.Background(), inputs)
	if err != nil {
		r.t.Fatal(err)
	}
	after := r.sim.Stats()
	if after.Writes != before.Writes {
		r.t.Errorf("the plan made %d Graph writes, want 0: %v", after.Writes-before.Writes, after.Routes)
	}
	for route, n := range after.Routes {
		if n != before.Routes[route] && !strings.HasPrefix(route, "GET ") {
			r.t.Errorf("the plan sent %d × %s, want reads (GET) only", n-before.Routes[route], route)
		}
	}
	// one read of the adapter may be more than one request (a deleted
	// user is looked up by two queries)
	if got := after.Requests - before.Requests; got < rep.Totals.GraphReads {
		r.t.Errorf("the emulator answered %d requests, the report counts %d reads", got, rep.Totals.GraphReads)
	}
	if j := r.journalState(); j != jBefore {
		r.t.Errorf("the real journal changed:\nbefore %s\nafter  %s", jBefore, j)
	}
	if n := len(r.sim.Users()); n != users {
		r.t.Errorf("the tenant has %d users after the plan, %d before", n, users)
	}
	return rep
}

func onboard(id, given, email string, end time.Time) plan.Input {
	body := fmt.Sprintf(`{"schemaVersion":1,"requestId":%q,"vendor":%q,
"person":{"givenName":%q,"surname":"Tester","email":%q},
"contract":{"start":"2026-11-01","end":%q},"sponsor":"pat.sponsor@ABC.com"}`,
		id, vendorOf(email), given, email, end.Format(time.RFC3339))
	return plan.Input{Kind: domain.KindOnboard, Body: []byte(body), Label: id + ".json"}
}

func vendorOf(email string) string {
	switch {
	case strings.HasSuffix(email, "@vendor2.com"):
		return "Vendor2"
	case strings.HasSuffix(email, "@outlook.com"):
		return "Contractor"
	}
	return "Vendor1"
}

func offboard(id, email string) plan.Input {
	body := fmt.Sprintf(`{"schemaVersion":1,"requestId":%q,"account":{"vendor":%q,"email":%q},"reason":"contract ended early"}`, id, vendorOf(email), email)
	return plan.Input{Kind: domain.KindOffboard, Body: []byte(body), Label: id + ".json"}
}

var end90 = t0.Add(90 * 24 * time.Hour)

// stepStatuses is each step's status, in plan order.
func stepStatuses(p plan.RequestPlan) []string {
	var out []string
	for _, s := range p.Steps {
		out = append(out, string(s.Step)+": "+s.Status)
	}
	return out
}

func step(t *testing.T, p plan.RequestPlan, s domain.Step) plan.StepPlan {
	t.Helper()
	for _, sp := range p.Steps {
		if sp.Step == s {
			return sp
		}
	}
	t.Fatalf("no step %s in %+v", s, p.Steps)
	return plan.StepPlan{}
}

func seat(t *testing.T, rep plan.Report, part string) plan.SeatTotal {
	t.Helper()
	for _, s := range rep.Totals.Seats {
		if s.SKU == part {
			return s
		}
	}
	t.Fatalf("no seats of %s in %+v", part, rep.Totals.Seats)
	return plan.SeatTotal{}
}

func TestPlanNewPerson(t *testing.T) {
	r := newRig(t, nil)
	rep := r.plan(onboard("po-ada", "Ada", "ada@vendor1.com", end90))
	if len(rep.Requests) != 1 {
		t.Fatalf("%d plans", len(rep.Requests))
	}
	p := rep.Requests[0]
	if !p.Outcome.Done() || p.Outcome.ExitCode != 0 || p.Account != "ada_SA@ABC.com" {
		t.Fatalf("outcome %+v, account %s", p.Outcome, p.Account)
	}
	if !strings.HasPrefix(p.UserID, "planned-") {
		t.Errorf("user id %q is not a planned one", p.UserID)
	}
	want := []string{
		"validate: would run", "ensure-user: would change", "ensure-segment: would change",
		"ensure-licenses: would change", "deliver-credentials: would change", "complete: would run",
	}
	if diff := cmp.Diff(want, stepStatuses(p)); diff != "" {
		t.Errorf("steps (-want +got)\n%s", diff)
	}
	created := step(t, p, domain.StepEnsureUser).Changes
	if len(created) != 1 || created[0].Action != plan.ActionCreateUser {
		t.Fatalf("ensure-user changes %+v", created)
	}
	wantAttrs := []plan.AttributeChange{
		{Name: "userPrincipalName", New: "ada_SA@ABC.com"},
		{Name: "displayName", New: "Ada Tester (Vendor1)"},
		{Name: "givenName", New: "Ada"},
		{Name: "surname", New: "Tester"},
		{Name: "mailNickname", New: "ada_SA"},
		{Name: "accountEnabled", New: "true"},
		{Name: "usageLocation", New: "US"},
		{Name: "companyName", New: "Vendor1"},
		{Name: "employeeType", New: "Vendor"},
		{Name: "employeeLeaveDateTime", New: end90.Format(time.RFC3339)},
		{Name: "otherMails", New: "ada@vendor1.com"},
		{Name: "extensionAttribute14", New: "po-ada"},
		{Name: "extensionAttribute15", New: "vendorflow"},
	}
	if diff := cmp.Diff(wantAttrs, created[0].Attributes); diff != "" {
		t.Errorf("attributes of the new user (-want +got)\n%s", diff)
	}
	seg := step(t, p, domain.StepEnsureSegment).Changes
	if len(seg) != 1 || seg[0].Action != plan.ActionAddMember || seg[0].Group.Name != "IB-Vendor1" {
		t.Errorf("ensure-segment changes %+v", seg)
	}
	lic := step(t, p, domain.StepEnsureLicenses).Changes
	if len(lic) != 1 || !cmp.Equal(lic[0].LicensesAdded, []string{tenantsim.PartRemoteAssist, tenantsim.PartMicrosoft365E5Compliance}) {
		t.Errorf("ensure-licenses changes %+v", lic)
	}
	var actions []string
	for _, c := range step(t, p, domain.StepDeliverCredentials).Changes {
		actions = append(actions, c.Action+" "+c.TAPLifetime+strings.Join(c.MailTo, ","))
	}
	if diff := cmp.Diff([]string{"create-tap 8h", "send-mail ada@vendor1.com"}, actions); diff != "" {
		t.Errorf("deliver-credentials (-want +got)\n%s", diff)
	}
	if c := p.Credential; c == nil || c.Kept || c.ValidFor != "8h" || !cmp.Equal(c.MailedTo, []string{"ada@vendor1.com"}) {
		t.Errorf("credential %+v", p.Credential)
	}
	ra := seat(t, rep, tenantsim.PartRemoteAssist)
	if ra.FreeBefore != 5 || ra.Assigned != 1 || ra.FreeAfter != 4 || ra.Short != 0 {
		t.Errorf("Remote Assist seats %+v, want 5 → 4", ra)
	}
	if diff := cmp.Diff([]plan.SeatChange{{SKU: tenantsim.PartRemoteAssist, Change: 1}, {SKU: tenantsim.PartMicrosoft365E5Compliance, Change: 1}}, p.Seats); diff != "" {
		t.Errorf("seats of the request (-want +got)\n%s", diff)
	}
	sp := p.Segment
	if sp == nil || sp.Value != "Vendor1" || !cmp.Equal(sp.Segments, []string{"Vendor1"}) {
		t.Fatalf("segment %+v", sp)
	}
	names := func(rs []plan.Reach) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Segment)
		}
		return out
	}
	if diff := cmp.Diff([]string{"Experts", "Vendor1", "(none)"}, names(sp.Reaches)); diff != "" {
		t.Errorf("reaches (-want +got)\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Contractors", "Vendor2"}, names(sp.Blocked)); diff != "" {
		t.Errorf("blocked from (-want +got)\n%s", diff)
	}
	if rep.Totals.GraphWrites != 5 {
		t.Errorf("the run would make %d writes, want 5 (create, add member, assign, TAP, mail)", rep.Totals.GraphWrites)
	}
	// Nothing reached the emulator, and the same request, run for real,
	// ends as planned.
	if _, ok := r.sim.UserByUPN("ada_SA@ABC.com"); ok || len(r.sim.Outbox()) != 0 {
		t.Fatal("the plan created the user or sent a mail")
	}
	if res := r.process(domain.KindOnboard, onboard("po-ada", "Ada", "ada@vendor1.com", end90).Body); res.Status != domain.RequestDone || res.UPN != p.Account {
		t.Errorf("the real run: %+v", res)
	}

	var table bytes.Buffer
	if err := rep.WriteTable(&table, true); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"onboard po-ada (po-ada.json) → ada_SA@ABC.com", "would reach done (exit 0)",
		"create user ada_SA@ABC.com", "employeeLeaveDateTime", "add to group IB-Vendor1",
		"assign MICROSOFT_REMOTE_ASSIST, INFORMATION_PROTECTION_COMPLIANCE",
		"a Temporary Access Pass valid 8h would be mailed to ada@vendor1.com",
		"blocked from", "Vendor2 (", "no write",
	} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
	if got := tableRow(table.String(), tenantsim.PartRemoteAssist); !cmp.Equal(got, []string{tenantsim.PartRemoteAssist, "5", "1", "0", "4", "1", "0"}) {
		t.Errorf("seat row %q\n%s", got, table.String())
	}
}

// tableRow is the fields of the table line that starts with first.
func tableRow(table, first string) []string {
	for _, l := range strings.Split(table, "\n") {
		if f := strings.Fields(l); len(f) > 0 && f[0] == first {
			return f
		}
	}
	return nil
}

// An account the journal and the tenant have, planned again: the same
// request is done already; a new request with the same terms finds every
// step converged but the correlation id; a later end is an extension.
func TestPlanExistingAccount(t *testing.T) {
	r := newRig(t, nil)
	if res := r.process(domain.KindOnboard, onboard("po-kim", "Kim", "kim@vendor1.com", end90).Body); res.Status != domain.RequestDone {
		t.Fatalf("setup: %+v", res)
	}
	r.clk.Advance(time.Hour)
	later := end90.Add(30 * 24 * time.Hour)
	tests := []struct {
		name    string
		in      plan.Input
		steps   []string
		changes []plan.AttributeChange // of ensure-user
		note    string                 // of ensure-user
		writes  int
	}{
		{
			name: "the same request",
			in:   onboard("po-kim", "Kim", "kim@vendor1.com", end90),
			steps: []string{"validate: done before", "ensure-user: done before", "ensure-segment: done before",
				"ensure-licenses: done before", "deliver-credentials: done before", "complete: done before"},
		},
		{
			name: "a new request, same terms",
			in:   onboard("po-kim-2", "Kim", "kim@vendor1.com", end90),
			steps: []string{"validate: would run", "ensure-user: would change", "ensure-segment: nothing to do",
				"ensure-licenses: nothing to do", "deliver-credentials: nothing to do", "complete: would run"},
			changes: []plan.AttributeChange{{Name: "extensionAttribute14", Old: "po-kim", New: "po-kim-2"}},
			writes:  1,
		},
		{
			name: "a contract extension",
			in:   onboard("po-kim-ext", "Kim", "kim@vendor1.com", later),
			steps: []string{"validate: would run", "ensure-user: would change", "ensure-segment: nothing to do",
				"ensure-licenses: nothing to do", "deliver-credentials: nothing to do", "complete: would run"},
			changes: []plan.AttributeChange{
				{Name: "employeeLeaveDateTime", Old: end90.Format(time.RFC3339), New: later.Format(time.RFC3339)},
				{Name: "extensionAttribute14", Old: "po-kim", New: "po-kim-ext"},
			},
			note:   "contract extension: ends " + end90.Format(time.RFC3339) + " → " + later.Format(time.RFC3339),
			writes: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := r.plan(tc.in)
			p := rep.Requests[0]
			if !p.Outcome.Done() || p.Outcome.ExitCode != 0 {
				t.Fatalf("outcome %+v", p.Outcome)
			}
			if diff := cmp.Diff(tc.steps, stepStatuses(p)); diff != "" {
				t.Errorf("steps (-want +got)\n%s", diff)
			}
			var got []plan.AttributeChange
			for _, c := range step(t, p, domain.StepEnsureUser).Changes {
				got = append(got, c.Attributes...)
			}
			if diff := cmp.Diff(tc.changes, got); diff != "" {
				t.Errorf("ensure-user attributes (-want +got)\n%s", diff)
			}
			if tc.note != "" && !strings.Contains(strings.Join(step(t, p, domain.StepEnsureUser).Notes, "\n"), tc.note) {
				t.Errorf("ensure-user notes %q lack %q", step(t, p, domain.StepEnsureUser).Notes, tc.note)
			}
			if tc.changes != nil && (p.Credential == nil || !p.Credential.Kept) {
				t.Errorf("credential %+v: want kept (no new credential)", p.Credential)
			}
			if len(p.Seats) != 0 || rep.Totals.GraphWrites != tc.writes {
				t.Errorf("seats %+v, writes %d", p.Seats, rep.Totals.GraphWrites)
			}
		})
	}
}

func TestPlanOffboard(t *testing.T) {
	r := newRig(t, nil)
	if res := r.process(domain.KindOnboard, onboard("po-lee", "Lee", "lee@vendor1.com", end90).Body); res.Status != domain.RequestDone {
		t.Fatalf("setup: %+v", res)
	}
	u, _ := r.sim.UserByUPN("lee_SA@ABC.com")
	rep := r.plan(offboard("po-lee-end", "lee@vendor1.com"))
	p := rep.Requests[0]
	if !p.Outcome.Done() || p.Account != "lee_SA@ABC.com" || p.UserID != u.ID {
		t.Fatalf("outcome %+v, account %s (%s)", p.Outcome, p.Account, p.UserID)
	}
	want := []string{
		"validate: would run", "find-account: would run", "disable-sign-in: would change", "revoke-sessions: would change",
		"remove-taps: would change", "remove-licenses: would change", "remove-segment: would change", "mark-offboarded: would run",
	}
	if diff := cmp.Diff(want, stepStatuses(p)); diff != "" {
		t.Errorf("steps (-want +got)\n%s", diff)
	}
	wantAttrs := []plan.AttributeChange{
		{Name: "accountEnabled", Old: "true", New: "false"},
		{Name: "companyName", Old: "Vendor1"},
		{Name: "extensionAttribute14", Old: "po-lee", New: "po-lee-end"},
	}
	if diff := cmp.Diff(wantAttrs, step(t, p, domain.StepDisableSignIn).Changes[0].Attributes); diff != "" {
		t.Errorf("disable-sign-in (-want +got)\n%s", diff)
	}
	for s, action := range map[domain.Step]string{
		domain.StepRevokeSessions: plan.ActionRevokeSessions, domain.StepRemoveTAPs: plan.ActionDeleteTAP,
		domain.StepRemoveLicenses: plan.ActionAssignLicenses, domain.StepRemoveSegment: plan.ActionRemoveMember,
	} {
		if cs := step(t, p, s).Changes; len(cs) != 1 || cs[0].Action != action {
			t.Errorf("%s changes %+v, want one %s", s, cs, action)
		}
	}
	if got := step(t, p, domain.StepRemoveLicenses).Changes[0].LicensesRemoved; !cmp.Equal(got, []string{tenantsim.PartRemoteAssist, tenantsim.PartMicrosoft365E5Compliance}) {
		t.Errorf("licences removed %v", got)
	}
	if g := step(t, p, domain.StepRemoveSegment).Changes[0].Group; g.Name != "IB-Vendor1" {
		t.Errorf("group left %+v", g)
	}
	ra := seat(t, rep, tenantsim.PartRemoteAssist)
	if ra.FreeBefore != 4 || ra.Released != 1 || ra.FreeAfter != 5 {
		t.Errorf("Remote Assist seats %+v, want 4 → 5", ra)
	}
	if p.Segment != nil || p.Credential != nil {
		t.Errorf("an offboarding has no segment or credential to deliver: %+v %+v", p.Segment, p.Credential)
	}
	if live, _ := r.sim.UserByUPN("lee_SA@ABC.com"); !live.AccountEnabled {
		t.Error("the plan disabled the account")
	}
}

// A roster of more people than seats: the ones beyond the seats would be
// parked with the no-seat business error, the engine's own words, which
// the same roster run for real then says too.
func TestPlanRosterBeyondTheSeats(t *testing.T) {
	r := newRig(t, func(s tenantsim.Seed) tenantsim.Seed {
		s, err := s.WithSeats(tenantsim.PartRemoteAssist, 2)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
	var roster []plan.Input
	for i, who := range []string{"amy", "bob", "cat", "dan"} {
		in := onboard(fmt.Sprintf("po-%d", i+1), strings.ToUpper(who[:1])+who[1:], who+"@vendor1.com", end90)
		in.Label = fmt.Sprintf("line %d", i+2)
		roster = append(roster, in)
	}
	rep := r.plan(roster...)
	wantReason := "ensure-licenses: no free seat for MICROSOFT_REMOTE_ASSIST (2 of 2 in use); buy seats or offboard an account, then replay"
	for i, p := range rep.Requests {
		if i < 2 {
			if !p.Outcome.Done() {
				t.Errorf("%s: %+v, want done", p.Label, p.Outcome)
			}
			continue
		}
		o := p.Outcome
		if o.Status != domain.RequestParked || o.Code != domain.Business || o.ExitCode != 5 || o.Step != domain.StepEnsureLicenses || o.Reason != wantReason {
			t.Errorf("%s: %+v, want parked at ensure-licenses with %q", p.Label, o, wantReason)
		}
	}
	tot := rep.Totals
	if tot.Requests != 4 || tot.WouldSucceed != 2 || tot.WouldFail != 2 || tot.ByCode[domain.Business] != 2 {
		t.Errorf("totals %+v", tot)
	}
	ra := seat(t, rep, tenantsim.PartRemoteAssist)
	if diff := cmp.Diff(plan.SeatTotal{SKU: tenantsim.PartRemoteAssist, SKUID: ra.SKUID, FreeBefore: 2, Assigned: 2, FreeAfter: 0, Needed: 4, Short: 2}, ra); diff != "" {
		t.Errorf("Remote Assist seats (-want +got)\n%s", diff)
	}
	if rep.ExitCode() != 5 {
		t.Errorf("report exit code %d, want 5", rep.ExitCode())
	}
	for i, in := range roster {
		res := r.process(in.Kind, in.Body)
		if o := rep.Requests[i].Outcome; res.Status != o.Status || res.Code != o.Code || res.Reason != o.Reason {
			t.Errorf("%s run for real: %s %s %q; planned %s %s %q", in.Label, res.Status, res.Code, res.Reason, o.Status, o.Code, o.Reason)
		}
	}
	var table bytes.Buffer
	if err := rep.WriteTable(&table, false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"line 4", "parked at ensure-licenses", "no free seat for MICROSOFT_REMOTE_ASSIST", "4 request(s): 2 would reach done, 2 would not (2 business)"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, table.String())
		}
	}
}

// Invalid requests are planned from the request alone: their field
// problems, as the handler parks them, and no Graph request at all.
func TestPlanInvalidRequest(t *testing.T) {
	tests := []struct {
		name     string
		in       plan.Input
		problems []string // fields
		reason   string
	}{
		{
			name: "unknown vendor and a past contract",
			in: plan.Input{Kind: domain.KindOnboard, Body: []byte(`{"schemaVersion":1,"requestId":"po-bad","vendor":"Acme",
"person":{"givenName":"Al","surname":"Bad","email":"al@acme.com"},"contract":{"start":"2025-01-01","end":"2025-02-01"},"sponsor":"pat.sponsor@ABC.com"}`)},
			problems: []string{"vendor", "contract.end"},
			reason:   `validate: invalid onboard request; vendor: unknown vendor "Acme"`,
		},
		{
			name:   "not a request",
			in:     plan.Input{Kind: domain.KindOnboard, Body: []byte(`{"schemaVersion":"1","requestId":"po-typed"}`)},
			reason: "invalid request: field schemaVersion",
		},
		{
			name:     "offboard without an account",
			in:       plan.Input{Kind: domain.KindOffboard, Body: []byte(`{"schemaVersion":1,"requestId":"po-off","account":{},"reason":"ended"}`)},
			problems: []string{"account"},
			reason:   "validate: invalid offboard request; account: must give upn, or vendor and email",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, nil)
			before := r.sim.Stats().Requests
			rep := r.plan(tc.in)
			if n := r.sim.Stats().Requests - before; n != 0 {
				t.Errorf("the plan of an invalid request made %d Graph requests", n)
			}
			o := rep.Requests[0].Outcome
			if o.Status != domain.RequestParked || o.Code != domain.Invalid || o.ExitCode != 2 || o.Step != domain.StepValidate || !strings.HasPrefix(o.Reason, tc.reason) {
				t.Errorf("outcome %+v, want parked invalid at validate: %q…", o, tc.reason)
			}
			var fields []string
			for _, p := range rep.Requests[0].Problems {
				fields = append(fields, p.Field)
			}
			if diff := cmp.Diff(tc.problems, fields); diff != "" {
				t.Errorf("problems (-want +got)\n%s", diff)
			}
			if rep.Totals.Invalid != 1 || rep.Totals.GraphReads != 0 || len(rep.Totals.Seats) != 0 {
				t.Errorf("totals %+v", rep.Totals)
			}
		})
	}
}

// A name taken by another person's account: the plan chooses the numbered
// alternative the engine would, whether the journal knows the other
// account or only the directory does, and the real run then agrees.
func TestPlanNameCollision(t *testing.T) {
	tests := []struct {
		name  string
		setup func(r *rig)
	}{
		{
			name: "the journal knows the other account",
			setup: func(r *rig) {
				if res := r.process(domain.KindOnboard, onboard("po-ada-c", "Ada", "ada@outlook.com", end90).Body); res.UPN != "ada_SA@ABC.com" {
					r.t.Fatalf("setup: %+v", res)
				}
			},
		},
		{
			name: "only the directory has it",
			setup: func(r *rig) {
				u := domain.User{UPN: "ada_SA@ABC.com", DisplayName: "Ada Other", MailNickname: "ada_SA", AccountEnabled: true,
					OtherMails: []string{"ada@outlook.com"}, Extensions: map[string]string{"extensionAttribute15": "vendorflow"}}
				if _, err := r.dir.CreateUser(context.Background(), u, "Pa55word!x-long"); err != nil {
					r.t.Fatal(err)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, nil)
			tc.setup(r)
			in := onboard("po-ada-v", "Ada", "ada@vendor1.com", end90)
			rep := r.plan(in)
			p := rep.Requests[0]
			if !p.Outcome.Done() || p.Account != "ada_SA2@ABC.com" {
				t.Fatalf("outcome %+v, account %s; want done as ada_SA2@ABC.com", p.Outcome, p.Account)
			}
			cs := step(t, p, domain.StepEnsureUser).Changes
			if len(cs) != 1 || cs[0].Action != plan.ActionCreateUser || cs[0].Account != "ada_SA2@ABC.com" {
				t.Errorf("ensure-user changes %+v", cs)
			}
			if res := r.process(in.Kind, in.Body); res.Status != domain.RequestDone || res.UPN != p.Account {
				t.Errorf("the real run: %+v, planned %s", res, p.Account)
			}
		})
	}
}

// What the tenant refuses at write time, the plan predicts from reads:
// the TAP policy and a missing sender mailbox, each a business failure at
// deliver-credentials.
func TestPlanWriteTimeChecks(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(r *rig)
		reason string
	}{
		{
			name: "TAP policy disabled",
			setup: func(r *rig) {
				p := r.sim.TAPPolicy()
				p.State = "disabled"
				if err := r.sim.SetTAPPolicy(p); err != nil {
					r.t.Fatal(err)
				}
			},
			reason: "deliver-credentials: create Temporary Access Pass: refused by the tenant's Temporary Access Pass policy (the method is disabled)",
		},
		{
			name: "TAP lifetime above the policy's maximum",
			setup: func(r *rig) {
				r.tenant.Credentials.TAPLifetime = domain.Duration(9 * time.Hour)
			},
			reason: "deliver-credentials: create Temporary Access Pass: refused by the tenant's Temporary Access Pass policy (a lifetime of 9h is outside its 1h to 8h)",
		},
		{
			name:   "no sender mailbox",
			setup:  func(r *rig) { r.tenant.Sender = "nobody@ABC.com" },
			reason: "deliver-credentials: the sender mailbox nobody@ABC.com does not exist",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, nil)
			tc.setup(r)
			in := onboard("po-eve", "Eve", "eve@vendor1.com", end90)
			rep := r.plan(in)
			o := rep.Requests[0].Outcome
			if o.Status != domain.RequestParked || o.Code != domain.Business || o.ExitCode != 5 || o.Reason != tc.reason {
				t.Errorf("outcome %+v, want parked business: %q", o, tc.reason)
			}
			if rep.Requests[0].Credential != nil {
				t.Errorf("credential %+v for a request that fails to deliver one", rep.Requests[0].Credential)
			}
			// The real run stops at the same step, for the same cause.
			res := r.process(in.Kind, in.Body)
			if res.Status != o.Status || res.Code != o.Code || !strings.HasPrefix(o.Reason, res.Reason) {
				t.Errorf("the real run: %s %s %q; planned %q", res.Status, res.Code, res.Reason, o.Reason)
			}
		})
	}
}

// The report's JSON carries no credential: a planned pass has no value,
// and a mail's body is never kept.
func TestPlanReportHoldsNoSecret(t *testing.T) {
	r := newRig(t, nil)
	rep := r.plan(onboard("po-sam", "Sam", "sam@vendor1.com", end90))
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{"Temporary Access Pass:", "Valid until", "Keep this message private", "redacted"} {
		if bytes.Contains(b, []byte(leak)) {
			t.Errorf("the report holds %q: %s", leak, b)
		}
	}
}

// Re-onboarding an account that was offboarded and deleted restores it
// from the deleted items, as the real run then does: the same object id,
// enabled again, its segment and licences given back, a new pass mailed.
func TestPlanRestore(t *testing.T) {
	r := newRig(t, nil)
	if res := r.process(domain.KindOnboard, onboard("po-max", "Max", "max@vendor1.com", end90).Body); res.Status != domain.RequestDone {
		t.Fatalf("setup: %+v", res)
	}
	if res := r.process(domain.KindOffboard, offboard("po-max-end", "max@vendor1.com").Body); res.Status != domain.RequestDone {
		t.Fatalf("setup: %+v", res)
	}
	u, _ := r.sim.UserByUPN("max_SA@ABC.com")
	if err := r.dir.DeleteUser(context.Background(), u.ID); err != nil {
		t.Fatal(err)
	}
	r.clk.Advance(24 * time.Hour)
	in := onboard("po-max-again", "Max", "max@vendor1.com", end90.Add(60*24*time.Hour))
	rep := r.plan(in)
	p := rep.Requests[0]
	if !p.Outcome.Done() || p.UserID != u.ID {
		t.Fatalf("outcome %+v, user %s; want done restoring %s", p.Outcome, p.UserID, u.ID)
	}
	var actions []string
	for _, c := range step(t, p, domain.StepEnsureUser).Changes {
		actions = append(actions, c.Action)
	}
	if diff := cmp.Diff([]string{plan.ActionRestoreUser, plan.ActionUpdateUser}, actions); diff != "" {
		t.Errorf("ensure-user (-want +got)\n%s", diff)
	}
	enabled := false
	for _, a := range step(t, p, domain.StepEnsureUser).Changes[1].Attributes {
		enabled = enabled || a == plan.AttributeChange{Name: "accountEnabled", Old: "false", New: "true"}
	}
	if !enabled {
		t.Errorf("the restored account is not enabled again: %+v", step(t, p, domain.StepEnsureUser).Changes[1])
	}
	if c := p.Credential; c == nil || c.Kept || c.ValidFor != "8h" {
		t.Errorf("credential %+v: want a new pass", c)
	}
	if ra := seat(t, rep, tenantsim.PartRemoteAssist); ra.FreeBefore != 5 || ra.Assigned != 1 {
		t.Errorf("Remote Assist seats %+v", ra)
	}
	if len(r.sim.DeletedUsers()) != 1 {
		t.Fatal("the plan restored the account")
	}
	if res := r.process(in.Kind, in.Body); res.Status != domain.RequestDone {
		t.Fatalf("the real run: %+v", res)
	}
	if got, _ := r.sim.UserByUPN("max_SA@ABC.com"); got.ID != p.UserID || !got.AccountEnabled {
		t.Errorf("the real run left %+v; planned %s enabled", got, p.UserID)
	}
}
