package graph_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/graph"
	"github.com/vendorflow/vendorflow/pkg/secret"
	"github.com/vendorflow/vendorflow/pkg/tenantsim"
)

// These tests run the real msgraph-sdk-go client, through this package's
// middleware chain, against the tenantsim emulator over real HTTP. The
// emulator and the client share one fake clock: the client's waits advance
// the time the emulator measures replication lag and quotas against.

const simDomain = "ABC.com"

type sim struct {
	srv   *tenantsim.Server
	http  *httptest.Server
	clock *clock.Fake
	c     *graph.Client
	base  string
}

func newSim(t *testing.T, mod ...func(*graph.Config)) *sim {
	t.Helper()
	fake := clock.NewFake(t0)
	srv, err := tenantsim.New(tenantsim.Config{Domain: simDomain, Clock: fake, RequireAuth: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Load(tenantsim.DemoSeed(simDomain)); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	cfg := graph.Config{BaseURL: hs.URL + "/v1.0", Clock: fake, HTTPClient: hs.Client()}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := graph.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &sim{srv: srv, http: hs, clock: fake, c: c, base: cfg.BaseURL}
}

// vendorUser is the account an onboarding of vendor person n would create.
func vendorUser(n int) domain.User {
	local := fmt.Sprintf("Vendor1_p%02d_SA", n)
	return domain.User{
		UPN: local + "@" + simDomain, DisplayName: fmt.Sprintf("Vendor1 Person %02d", n), GivenName: "Person",
		Surname: fmt.Sprintf("%02d", n), MailNickname: local, AccountEnabled: true, UsageLocation: "US",
		CompanyName: "Vendor1", EmployeeType: "Vendor", EmployeeLeaveDateTime: t0.Add(90 * 24 * time.Hour),
		OtherMails: []string{fmt.Sprintf("p%02d@vendor1.com", n)},
		Extensions: map[string]string{"extensionAttribute15": "vendorflow", "extensionAttribute14": fmt.Sprintf("req-%02d", n)},
	}
}

const pw = "Pa55word!x"

func skuByPart(t *testing.T, c *graph.Client, part string) domain.SKU {
	t.Helper()
	skus, err := c.ListSKUs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range skus {
		if s.PartNumber == part {
			return s
		}
	}
	t.Fatalf("no SKU %s in %+v", part, skus)
	return domain.SKU{}
}

func TestEmulatorLifecycle(t *testing.T) {
	s := newSim(t)
	ctx := context.Background()
	c := s.c
	want := vendorUser(1)

	// Onboarding.
	if _, err := c.FindUser(ctx, want.UPN); domain.ErrorCode(err) != domain.NotFound {
		t.Fatalf("FindUser before create: %v", err)
	}
	created, err := c.CreateUser(ctx, want, pw)
	if err != nil {
		t.Fatal(err)
	}
	id := created.ID
	got, err := c.GetUser(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	wantRead := want
	wantRead.ID = id
	if diff := cmp.Diff(wantRead, got); diff != "" {
		t.Errorf("read back (-want +got)\n%s", diff)
	}
	byUPN, err := c.FindUser(ctx, strings.ToLower(want.UPN))
	if err != nil || byUPN.ID != id {
		t.Errorf("FindUser = %+v, %v", byUPN, err)
	}
	for range 2 { // the second add finds a member: success
		if err := c.AddMember(ctx, tenantsim.GroupIBVendor1ID, id); err != nil {
			t.Fatalf("AddMember: %v", err)
		}
	}
	groups, err := c.MemberOf(ctx, id)
	if err != nil || !slices.Equal(groups, []string{tenantsim.GroupIBVendor1ID}) {
		t.Errorf("MemberOf = %v, %v", groups, err)
	}
	ra := skuByPart(t, c, domain.RemoteAssistSKU)
	if ra.Free() != 5 {
		t.Fatalf("free seats before = %d", ra.Free())
	}
	if err := c.AssignLicenses(ctx, id, []string{ra.ID}, nil); err != nil {
		t.Fatal(err)
	}
	if free := skuByPart(t, c, domain.RemoteAssistSKU).Free(); free != 4 {
		t.Errorf("free seats after assign = %d, want 4", free)
	}
	if u, _ := c.GetUser(ctx, id); !slices.Equal(u.SKUIDs, []string{ra.ID}) {
		t.Errorf("assigned = %v", u.SKUIDs)
	}
	tap, err := c.CreateTAP(ctx, id, 8*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !s.srv.TAPValid(id, tap.Value.Reveal()) {
		t.Errorf("the emulator does not accept the TAP it issued")
	}
	if fmt.Sprint(tap) == "" || strings.Contains(fmt.Sprintf("%v %+v", tap, tap), tap.Value.Reveal()) {
		t.Errorf("TAP value printable")
	}
	taps, err := c.ListTAPs(ctx, id)
	if err != nil || len(taps) != 1 || taps[0].ID != tap.ID || !taps[0].Value.IsZero() {
		t.Errorf("ListTAPs = %+v, %v", taps, err)
	}
	mail := domain.Mail{To: []string{"p01@vendor1.com"}, Subject: "Your ABC account", Body: secret.New("Sign in with " + tap.Value.Reveal())}
	if err := c.SendMail(ctx, "vendorflow@"+simDomain, mail); err != nil {
		t.Fatal(err)
	}
	out := s.srv.Outbox()
	if len(out) != 1 || !slices.Equal(out[0].To, mail.To) || out[0].Body != mail.Body.Reveal() || out[0].SaveToSentItems || out[0].ContentType != "Text" {
		t.Errorf("outbox = %+v", out)
	}

	// Offboarding.
	off := false
	if err := c.UpdateUser(ctx, id, domain.UserChanges{AccountEnabled: &off}); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.srv.UserByUPN(want.UPN); u.AccountEnabled {
		t.Errorf("still enabled")
	}
	if err := c.RevokeSessions(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := c.AssignLicenses(ctx, id, nil, []string{ra.ID}); err != nil {
		t.Fatal(err)
	}
	if free := skuByPart(t, c, domain.RemoteAssistSKU).Free(); free != 5 {
		t.Errorf("free seats after removal = %d, want 5", free)
	}
	for range 2 { // the second removal finds no membership: success
		if err := c.RemoveMember(ctx, tenantsim.GroupIBVendor1ID, id); err != nil {
			t.Fatalf("RemoveMember: %v", err)
		}
		if err := c.DeleteTAP(ctx, id, tap.ID); err != nil {
			t.Fatalf("DeleteTAP: %v", err)
		}
	}
	if s.srv.TAPValid(id, tap.Value.Reveal()) {
		t.Errorf("TAP still valid after delete")
	}
	if _, ok := s.srv.UserByUPN(want.UPN); !ok {
		t.Fatalf("RemoveMember deleted the user")
	}
	if groups, _ := c.MemberOf(ctx, id); len(groups) != 0 {
		t.Errorf("still member of %v", groups)
	}

	// Delete, find among deleted items, restore.
	if err := c.DeleteUser(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := c.FindUser(ctx, want.UPN); domain.ErrorCode(err) != domain.NotFound {
		t.Errorf("FindUser after delete: %v", err)
	}
	del, err := c.FindDeletedUser(ctx, want.UPN)
	if err != nil || del.ID != id {
		t.Fatalf("FindDeletedUser = %+v, %v", del, err)
	}
	if _, err := c.CreateUser(ctx, want, pw); domain.ErrorCode(err) != domain.Conflict {
		t.Errorf("re-create while soft-deleted: %v, want conflict", err)
	}
	restored, err := c.RestoreUser(ctx, id)
	if err != nil || restored.UPN != want.UPN || restored.Extensions["extensionAttribute15"] != "vendorflow" {
		t.Fatalf("RestoreUser = %+v, %v", restored, err)
	}
	if _, err := c.FindDeletedUser(ctx, want.UPN); domain.ErrorCode(err) != domain.NotFound {
		t.Errorf("FindDeletedUser after restore: %v", err)
	}
	if u, err := c.FindUser(ctx, want.UPN); err != nil || u.ID != id {
		t.Errorf("FindUser after restore = %+v, %v", u, err)
	}
	if st := c.Stats(); st.Retries != 0 || st.ByStatus[401] != 0 || st.Requests == 0 {
		t.Errorf("client stats %+v", st)
	}
}

func TestEmulatorListManagedUsersAcrossPages(t *testing.T) {
	s := newSim(t, func(cfg *graph.Config) { cfg.PageSize = 10 })
	ctx := context.Background()
	const n = 25 // > 2 pages
	for i := range n {
		u := vendorUser(i)
		if i%5 == 0 { // some leave earlier
			u.EmployeeLeaveDateTime = t0.Add(24 * time.Hour)
		}
		if _, err := s.c.CreateUser(ctx, u, pw); err != nil {
			t.Fatal(err)
		}
	}
	before := s.srv.Stats().Routes["GET /users"]
	var upns []string
	q := domain.UserQuery{MarkerAttribute: "extensionAttribute15", MarkerValue: "vendorflow"}
	if err := s.c.ListUsers(ctx, q, func(u domain.User) error { upns = append(upns, u.UPN); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(upns) != n {
		t.Errorf("listed %d managed users, want %d (seeded users carry no marker): %v", len(upns), n, upns)
	}
	if pages := s.srv.Stats().Routes["GET /users"] - before; pages != 3 {
		t.Errorf("pages = %d, want 3", pages)
	}
	slices.Sort(upns)
	if len(slices.Compact(upns)) != n {
		t.Errorf("duplicates across pages")
	}
	// Expiry sweep shape: managed, leaving before a date, still enabled.
	on := true
	q = domain.UserQuery{MarkerAttribute: "extensionAttribute15", MarkerValue: "vendorflow", LeaveBefore: t0.Add(48 * time.Hour), Enabled: &on}
	var leaving int
	if err := s.c.ListUsers(ctx, q, func(domain.User) error { leaving++; return nil }); err != nil {
		t.Fatal(err)
	}
	if leaving != 5 {
		t.Errorf("leaving = %d, want 5", leaving)
	}
	// Brief: the scan's fields only, the same users.
	q.Brief = true
	var brief []domain.User
	if err := s.c.ListUsers(ctx, q, func(u domain.User) error { brief = append(brief, u); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(brief) != 5 {
		t.Fatalf("brief listing = %d users, want 5", len(brief))
	}
	for _, u := range brief {
		if u.ID == "" || u.UPN == "" || u.DisplayName == "" || !u.AccountEnabled || u.EmployeeLeaveDateTime.IsZero() ||
			len(u.OtherMails) == 0 || u.Extensions["extensionAttribute15"] != "vendorflow" {
			t.Errorf("brief listing lacks a scan field: %+v", u)
		}
		if u.GivenName != "" || u.Department != "" || u.UsageLocation != "" || len(u.SKUIDs) != 0 {
			t.Errorf("brief listing read fields it does not need: %+v", u)
		}
	}
	// A marker value with a quote is escaped, not interpreted.
	q = domain.UserQuery{MarkerAttribute: "extensionAttribute15", MarkerValue: "vendorflow' or accountEnabled eq true or displayName eq '"}
	if err := s.c.ListUsers(ctx, q, func(u domain.User) error { return fmt.Errorf("matched %s", u.UPN) }); err != nil {
		t.Errorf("injection through the marker value: %v", err)
	}
}

func TestEmulatorDuplicateUPNIsConflict(t *testing.T) {
	s := newSim(t)
	ctx := context.Background()
	if _, err := s.c.CreateUser(ctx, vendorUser(1), pw); err != nil {
		t.Fatal(err)
	}
	dup := vendorUser(1)
	dup.UPN = strings.ToUpper(dup.UPN)
	_, err := s.c.CreateUser(ctx, dup, pw)
	if domain.ErrorCode(err) != domain.Conflict {
		t.Fatalf("err = %v, want conflict", err)
	}
}

func TestEmulatorNoFreeSeatIsBusiness(t *testing.T) {
	s := newSim(t)
	ctx := context.Background()
	holo := skuByPart(t, s.c, tenantsim.PartRemoteAssistHoloLens) // 2 seats
	var err error
	for i := range holo.Free() + 1 {
		u, cerr := s.c.CreateUser(ctx, vendorUser(i), pw)
		if cerr != nil {
			t.Fatal(cerr)
		}
		err = s.c.AssignLicenses(ctx, u.ID, []string{holo.ID}, nil)
		if i < holo.Free() && err != nil {
			t.Fatalf("seat %d: %v", i, err)
		}
	}
	if domain.ErrorCode(err) != domain.Business || !strings.Contains(domain.ErrorMessage(err), "no free seat for SKU "+holo.ID) {
		t.Fatalf("err = %v, want business: no free seat", err)
	}
}

func TestEmulatorRequiresAuthAndGetsIt(t *testing.T) {
	s := newSim(t)
	// Without a token the emulator refuses…
	resp, err := s.http.Client().Get(s.base + "/users")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous GET = %d, want 401", resp.StatusCode)
	}
	// …so the client's success proves that the emulator's host is an
	// allowed host of the token provider.
	if _, err := s.c.FindUser(context.Background(), "ava.expert@"+simDomain); err != nil {
		t.Fatal(err)
	}
	// The allowed host follows the base URL: "localhost" works as well.
	other, err := graph.New(graph.Config{BaseURL: strings.Replace(s.base, "127.0.0.1", "localhost", 1), Clock: s.clock,
		HTTPClient: s.http.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.FindUser(context.Background(), "ava.expert@"+simDomain); err != nil {
		t.Errorf("localhost client: %v", err)
	}
	if st := s.srv.Stats(); st.Statuses[401] != 1 {
		t.Errorf("401s = %d, want only the anonymous one", st.Statuses[401])
	}
}

func TestEmulatorFaultsAreRiddenOut(t *testing.T) {
	s := newSim(t)
	retryAfter := map[time.Duration]bool{}
	for _, v := range tenantsim.DefaultRetryAfter() {
		retryAfter[time.Duration(v*1e6)*time.Microsecond] = true
	}
	s.srv.SetFaults(tenantsim.Faults{Seed: 42, Routes: map[string]tenantsim.RouteFaults{"*": {Rate429: .2, Rate503: .1}}})
	ctx := context.Background()
	ra := skuByPart(t, s.c, domain.RemoteAssistSKU)
	for i := range 5 {
		u, err := s.c.CreateUser(ctx, vendorUser(i), pw)
		if err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
		if err := s.c.AddMember(ctx, tenantsim.GroupIBVendor1ID, u.ID); err != nil {
			t.Fatalf("add member %d: %v", i, err)
		}
		if err := s.c.AssignLicenses(ctx, u.ID, []string{ra.ID}, nil); err != nil {
			t.Fatalf("assign %d: %v", i, err)
		}
		tap, err := s.c.CreateTAP(ctx, u.ID, time.Hour)
		if err != nil {
			t.Fatalf("tap %d: %v", i, err)
		}
		if err := s.c.SendMail(ctx, "vendorflow@"+simDomain, domain.Mail{To: []string{"x@vendor1.com"}, Subject: "s", Body: tap.Value}); err != nil {
			t.Fatalf("mail %d: %v", i, err)
		}
		if _, err := s.c.GetUser(ctx, u.ID); err != nil {
			t.Fatalf("get %d: %v", i, err)
		}
	}
	st := s.c.Stats()
	faults := s.srv.Stats().Faults
	if faults[tenantsim.FaultTooManyRequests] == 0 || faults[tenantsim.FaultServiceUnavailable] == 0 {
		t.Fatalf("no faults injected: %v", faults)
	}
	if st.Retries != faults[tenantsim.FaultTooManyRequests]+faults[tenantsim.FaultServiceUnavailable] {
		t.Errorf("retries %d != injected faults %v", st.Retries, faults)
	}
	// Every wait is a retry's Retry-After, or the pacer's: after a 429 the
	// write budget resumes at its rate, without a burst.
	sleeps := s.clock.Sleeps()
	if len(sleeps) != st.Retries+st.PacedWrites {
		t.Errorf("%d waits for %d retries and %d paced writes", len(sleeps), st.Retries, st.PacedWrites)
	}
	asked := 0
	for _, d := range sleeps {
		if retryAfter[d] {
			asked++
		}
	}
	if asked != st.Retries {
		t.Errorf("%d waits were one of the emulator's Retry-After values %v, want one per retry (%d): %v", asked, tenantsim.DefaultRetryAfter(), st.Retries, sleeps)
	}
	if skuByPart(t, s.c, domain.RemoteAssistSKU).Consumed != 5 || len(s.srv.Outbox()) != 5 {
		t.Errorf("effects not exactly once: seats %d, mails %d", skuByPart(t, s.c, domain.RemoteAssistSKU).Consumed, len(s.srv.Outbox()))
	}
	t.Logf("client %+v; emulator faults %v; waited %v in all", st, faults, s.clock.Now().Sub(t0))
}

func TestEmulatorReplicationLag(t *testing.T) {
	s := newSim(t)
	s.srv.SetFaults(tenantsim.Faults{ReplicationLag: 2 * time.Second})
	ctx := context.Background()
	u, err := s.c.CreateUser(ctx, vendorUser(1), pw)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.c.GetUser(ctx, u.ID); err != nil {
		t.Fatalf("GetUser right after create: %v", err)
	}
	if st := s.c.Stats(); st.LagRetries == 0 {
		t.Errorf("no lag retries: %+v", st)
	}
	u2, err := s.c.CreateUser(ctx, vendorUser(2), pw)
	if err != nil {
		t.Fatal(err)
	}
	// A fresh user: AddMember and AssignLicenses ride out the lag too.
	if err := s.c.AddMember(ctx, tenantsim.GroupIBVendor2ID, u2.ID); err != nil {
		t.Fatalf("AddMember right after create: %v", err)
	}
	u3, err := s.c.CreateUser(ctx, vendorUser(3), pw)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.c.AssignLicenses(ctx, u3.ID, []string{tenantsim.SKURemoteAssist}, nil); err != nil {
		t.Fatalf("AssignLicenses right after create: %v", err)
	}
	// A usage location PATCHed a moment ago is not yet seen by licensing:
	// Transient, for the engine to retry later (REFERENCE §2 "Licenses").
	s.srv.SetFaults(tenantsim.Faults{ReplicationLag: time.Minute})
	noLocation := vendorUser(4)
	noLocation.UsageLocation = ""
	u4, err := s.c.CreateUser(ctx, noLocation, pw)
	if err != nil {
		t.Fatal(err)
	}
	s.clock.Advance(2 * time.Minute) // the account itself has replicated
	us := "US"
	if err := s.c.UpdateUser(ctx, u4.ID, domain.UserChanges{UsageLocation: &us}); err != nil {
		t.Fatal(err)
	}
	err = s.c.AssignLicenses(ctx, u4.ID, []string{tenantsim.SKURemoteAssist}, nil)
	if domain.ErrorCode(err) != domain.Transient {
		t.Errorf("assign right after usageLocation PATCH: %v, want transient", err)
	}
	s.clock.Advance(2 * time.Minute)
	if err := s.c.AssignLicenses(ctx, u4.ID, []string{tenantsim.SKURemoteAssist}, nil); err != nil {
		t.Errorf("assign once replicated: %v", err)
	}
}

func TestEmulatorWriteQuotaIsTransient(t *testing.T) {
	s := newSim(t)
	s.srv.SetFaults(tenantsim.Faults{WriteQuota: 2, WriteWindow: 150 * time.Second})
	ctx := context.Background()
	var err error
	for i := range 3 {
		_, err = s.c.CreateUser(ctx, vendorUser(i), pw)
	}
	// Retry-After (~150 s) exceeds MaxBackoff: not waited out here, handed
	// to the caller to reschedule.
	if domain.ErrorCode(err) != domain.Transient || domain.RetryAfterOf(err) < time.Minute {
		t.Fatalf("err = %v (retry after %v), want transient with the quota's Retry-After", err, domain.RetryAfterOf(err))
	}
	if len(s.clock.Sleeps()) != 0 {
		t.Errorf("waited %v", s.clock.Sleeps())
	}
}

func TestEmulatorFilterInjectionMatchesNothing(t *testing.T) {
	s := newSim(t)
	ctx := context.Background()
	for _, upn := range []string{
		"x' or 1 eq 1 or userPrincipalName eq 'y",
		"nobody@" + simDomain + "' or userPrincipalName eq 'ava.expert@" + simDomain,
		"ava.expert@" + simDomain + "' or accountEnabled eq true or userPrincipalName eq '",
	} {
		u, err := s.c.FindUser(ctx, upn)
		if domain.ErrorCode(err) != domain.NotFound {
			t.Errorf("FindUser(%q) = %+v, %v; want not found", upn, u, err)
		}
		if _, err := s.c.FindDeletedUser(ctx, upn); domain.ErrorCode(err) != domain.NotFound {
			t.Errorf("FindDeletedUser(%q) = %v; want not found", upn, err)
		}
	}
}

// Pacing keeps a burst of writes under the emulator's write quota: 25
// creates against a quota of 10 per 10 s all succeed without one 429, and
// the waits were taken on the clock.
func TestEmulatorWriteQuotaIsRespectedByPacing(t *testing.T) {
	s := newSim(t, func(c *graph.Config) { c.WriteLimit, c.WriteWindow = 10, 10*time.Second })
	s.srv.SetFaults(tenantsim.Faults{WriteQuota: 10, WriteWindow: 10 * time.Second})
	ctx := context.Background()
	for i := range 25 {
		if _, err := s.c.CreateUser(ctx, vendorUser(i), pw); err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
	}
	if n := s.srv.Stats().Faults[tenantsim.FaultWriteQuota]; n != 0 {
		t.Fatalf("the write quota was hit %d times", n)
	}
	st := s.c.Stats()
	// One goes at once (the burst, a 30th of the limit, at least 1); the
	// other 24 flow at the rate, one every 10 s/(10−1), a little slower
	// while the emulator reports more than 80 % of its quota in use
	// (x-ms-throttle-limit-percentage).
	if low := 24 * (10 * time.Second / 9); st.PacedWrites != 24 || st.PacedFor < low || st.PacedFor > low+4*time.Second || st.WritePressure == 0 {
		t.Fatalf("paced %d writes for %v after %d pressure signals, want 24 writes for %v to %v slowed by pressure; waits %v",
			st.PacedWrites, st.PacedFor, st.WritePressure, low, low+4*time.Second, s.clock.Sleeps())
	}
}
