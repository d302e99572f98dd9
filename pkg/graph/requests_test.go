package graph_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/graph"
	"github.com/vendorflow/vendorflow/pkg/secret"
)

// These tests pin what goes on the wire: paths, query options, headers and
// bodies.

func bodyOf(t *testing.T, s seen) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(s.Body, &m); err != nil {
		t.Fatalf("%s %s body is not JSON: %v: %q", s.Method, s.Path, err, s.Body)
	}
	return m
}

func TestFindUserEscapesAndSelects(t *testing.T) {
	c, rec, _ := newTestClient(t, []step{ok(`{"value":[{"id":"u9","userPrincipalName":"o'brien@abc.com"}]}`)})
	u, err := c.FindUser(context.Background(), "o'brien@abc.com")
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != "u9" {
		t.Fatalf("id = %q", u.ID)
	}
	r := rec.requests()[0]
	if r.Method != "GET" || r.Path != "/v1.0/users" {
		t.Errorf("request %s %s", r.Method, r.Path)
	}
	if got, want := r.Query.Get("$filter"), "userPrincipalName eq 'o''brien@abc.com'"; got != want {
		t.Errorf("$filter = %q, want %q", got, want)
	}
	want := "id,userPrincipalName,displayName,givenName,surname,mailNickname,accountEnabled,usageLocation,companyName," +
		"department,employeeType,employeeLeaveDateTime,otherMails,onPremisesExtensionAttributes,assignedLicenses"
	if got := r.Query.Get("$select"); got != want {
		t.Errorf("$select = %q\nwant     %q", got, want)
	}
	if strings.Contains(r.RawQuery, "%24") {
		t.Errorf("query names not decoded: %s", r.RawQuery)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer vendorflow-emulator-token" {
		t.Errorf("Authorization = %q: the emulator host must be an allowed host", got)
	}
}

func TestFindUserNotFound(t *testing.T) {
	c, rec, fake := newTestClient(t, []step{ok(`{"value":[]}`)})
	_, err := c.FindUser(context.Background(), "x@abc.com")
	if domain.ErrorCode(err) != domain.NotFound {
		t.Fatalf("err = %v", err)
	}
	if len(rec.requests()) != 1 || len(fake.Sleeps()) != 0 {
		t.Errorf("a UPN lookup is not retried for lag: %d requests, waits %v", len(rec.requests()), fake.Sleeps())
	}
}

func TestGetUserConvertsEveryProperty(t *testing.T) {
	c, _, _ := newTestClient(t, []step{ok(userJSON)})
	u, err := c.GetUser(context.Background(), "u1")
	if err != nil {
		t.Fatal(err)
	}
	want := domain.User{ID: "u1", UPN: "a@abc.com", DisplayName: "A", AccountEnabled: true,
		EmployeeLeaveDateTime: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC), OtherMails: []string{"x@vendor1.com"},
		Extensions: map[string]string{"extensionAttribute15": "vendorflow"}, SKUIDs: []string{"7a551360-26c4-4f61-84e6-ef715673e083"}}
	if diff := cmp.Diff(want, u); diff != "" {
		t.Errorf("user (-want +got)\n%s", diff)
	}
}

func TestGetUserRetriesReplicationLag(t *testing.T) {
	nf := fail(404, graphErr("Request_ResourceNotFound", "Resource 'u1' does not exist."))
	c, _, fake := newTestClient(t, []step{nf, nf, ok(userJSON)})
	if _, err := c.GetUser(context.Background(), "u1"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]time.Duration{500 * time.Millisecond, time.Second}, fake.Sleeps()); diff != "" {
		t.Errorf("waits (-want +got)\n%s", diff)
	}
	if s := c.Stats(); s.LagRetries != 2 || s.Retries != 0 {
		t.Errorf("stats = %+v", s)
	}
	// Bounded: a user that never appears is NotFound after 3 more tries.
	c, rec, fake := newTestClient(t, []step{nf})
	if _, err := c.GetUser(context.Background(), "u1"); domain.ErrorCode(err) != domain.NotFound {
		t.Fatalf("err = %v", err)
	}
	if len(rec.requests()) != 4 || len(fake.Sleeps()) != 3 {
		t.Errorf("requests %d, waits %v; want 4 and 3", len(rec.requests()), fake.Sleeps())
	}
}

func TestCreateUserBody(t *testing.T) {
	c, rec, _ := newTestClient(t, []step{{status: 201, body: `{"id":"n1","userPrincipalName":"v@abc.com"}`}})
	leave := time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC)
	in := domain.User{UPN: "v@abc.com", DisplayName: "V One", GivenName: "V", Surname: "One", MailNickname: "v",
		AccountEnabled: true, UsageLocation: "US", CompanyName: "Vendor1", EmployeeType: "Vendor",
		EmployeeLeaveDateTime: leave, OtherMails: []string{"v@vendor1.com"},
		Extensions: map[string]string{"extensionAttribute15": "vendorflow", "extensionAttribute14": "req-1"}}
	got, err := c.CreateUser(context.Background(), in, "Pa55word!x")
	if err != nil {
		t.Fatal(err)
	}
	wantUser := in
	wantUser.ID = "n1"
	if diff := cmp.Diff(wantUser, got); diff != "" {
		t.Errorf("returned user (-want +got)\n%s", diff)
	}
	r := rec.requests()[0]
	if r.Method != "POST" || r.Path != "/v1.0/users" {
		t.Fatalf("request %s %s", r.Method, r.Path)
	}
	want := map[string]any{
		"@odata.type":       "#microsoft.graph.user", // set by the SDK's constructor
		"userPrincipalName": "v@abc.com", "displayName": "V One", "givenName": "V", "surname": "One", "mailNickname": "v",
		"accountEnabled": true, "usageLocation": "US", "companyName": "Vendor1", "employeeType": "Vendor",
		"employeeLeaveDateTime": "2026-09-30T00:00:00Z", "otherMails": []any{"v@vendor1.com"},
		"onPremisesExtensionAttributes": map[string]any{"extensionAttribute15": "vendorflow", "extensionAttribute14": "req-1"},
		"passwordProfile":               map[string]any{"password": "Pa55word!x", "forceChangePasswordNextSignIn": true},
	}
	if diff := cmp.Diff(want, bodyOf(t, r)); diff != "" {
		t.Errorf("body (-want +got)\n%s", diff)
	}
}

func TestCreateUserRefusesBadInputWithoutARequest(t *testing.T) {
	c, rec, _ := newTestClient(t, []step{status(500)})
	for _, u := range []domain.User{
		{UPN: "v@abc.com", DisplayName: "V"},
		{UPN: "v@abc.com", DisplayName: "V", MailNickname: "v", Extensions: map[string]string{"extensionAttribute16": "x"}},
	} {
		if _, err := c.CreateUser(context.Background(), u, "Pa55word!x"); domain.ErrorCode(err) != domain.Invalid {
			t.Errorf("CreateUser(%+v) = %v, want invalid", u, err)
		}
	}
	if n := len(rec.requests()); n != 0 {
		t.Errorf("%d requests reached Graph", n)
	}
}

func TestUpdateUserSendsOnlyChanges(t *testing.T) {
	c, rec, _ := newTestClient(t, []step{status(204)})
	off, company, empty := false, "Vendor2", ""
	zero := time.Time{}
	err := c.UpdateUser(context.Background(), "u1", domain.UserChanges{
		AccountEnabled: &off, CompanyName: &company, Department: &empty, EmployeeLeaveDateTime: &zero,
		Extensions: map[string]string{"extensionAttribute14": "req-2", "extensionAttribute3": ""},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := rec.requests()[0]
	if r.Method != "PATCH" || r.Path != "/v1.0/users/u1" {
		t.Fatalf("request %s %s", r.Method, r.Path)
	}
	want := map[string]any{
		"@odata.type":    "#microsoft.graph.user",
		"accountEnabled": false, "companyName": "Vendor2", "department": nil, "employeeLeaveDateTime": nil,
		"onPremisesExtensionAttributes": map[string]any{"extensionAttribute14": "req-2", "extensionAttribute3": nil},
	}
	if diff := cmp.Diff(want, bodyOf(t, r)); diff != "" {
		t.Errorf("body (-want +got)\n%s", diff)
	}
	// Nothing to change: nothing sent.
	if err := c.UpdateUser(context.Background(), "u1", domain.UserChanges{}); err != nil || len(rec.requests()) != 1 {
		t.Errorf("empty change: err %v, %d requests", err, len(rec.requests()))
	}
}

func TestSetPasswordBody(t *testing.T) {
	c, rec, _ := newTestClient(t, []step{status(204)})
	if err := c.SetPassword(context.Background(), "u1", "N3w-Passw0rd", true); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"@odata.type": "#microsoft.graph.user", "passwordProfile": map[string]any{"password": "N3w-Passw0rd", "forceChangePasswordNextSignIn": true}}
	if diff := cmp.Diff(want, bodyOf(t, rec.requests()[0])); diff != "" {
		t.Errorf("body (-want +got)\n%s", diff)
	}
}

func TestGroupMembershipUsesRef(t *testing.T) {
	c, rec, _ := newTestClient(t, []step{status(204), status(204)})
	ctx := context.Background()
	if err := c.AddMember(ctx, "g1", "u1"); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveMember(ctx, "g1", "u1"); err != nil {
		t.Fatal(err)
	}
	reqs := rec.requests()
	got := []string{reqs[0].Method + " " + reqs[0].Path, reqs[1].Method + " " + reqs[1].Path}
	// Never DELETE /groups/g1/members/u1 without /$ref: that deletes the user.
	want := []string{"POST /v1.0/groups/g1/members/$ref", "DELETE /v1.0/groups/g1/members/u1/$ref"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests (-want +got)\n%s", diff)
	}
	wantBody := map[string]any{"@odata.id": baseOf(t, c) + "/directoryObjects/u1"}
	if diff := cmp.Diff(wantBody, bodyOf(t, reqs[0])); diff != "" {
		t.Errorf("body (-want +got)\n%s", diff)
	}
}

func TestMembershipIdempotence(t *testing.T) {
	ctx := context.Background()
	c, _, _ := newTestClient(t, []step{fail(400, graphErr("Request_BadRequest",
		"One or more added object references already exist for the following modified properties: 'members'."))})
	if err := c.AddMember(ctx, "g1", "u1"); err != nil {
		t.Errorf("AddMember of a member = %v, want nil", err)
	}
	nf := fail(404, graphErr("Request_ResourceNotFound", "Resource 'u1' does not exist."))
	c, rec, fake := newTestClient(t, []step{nf})
	if err := c.RemoveMember(ctx, "g1", "u1"); err != nil {
		t.Errorf("RemoveMember of a non-member = %v, want nil", err)
	}
	if err := c.DeleteTAP(ctx, "u1", "t1"); err != nil {
		t.Errorf("DeleteTAP of a gone TAP = %v, want nil", err)
	}
	if len(rec.requests()) != 2 || len(fake.Sleeps()) != 0 {
		t.Errorf("404-is-success calls must not wait for replication: %d requests, waits %v", len(rec.requests()), fake.Sleeps())
	}
}

func TestMemberOfSkipsNonGroupsAndPages(t *testing.T) {
	var base string
	c, rec, _ := newTestClient(t, nil)
	base = baseOf(t, c)
	rec.script = []step{
		ok(`{"value":[{"@odata.type":"#microsoft.graph.group","id":"g1"},{"@odata.type":"#microsoft.graph.directoryRole","id":"r1"},
			{"@odata.type":"#microsoft.graph.administrativeUnit","id":"a1"}],
			"@odata.nextLink":"` + base + `/users/u1/transitiveMemberOf?$skiptoken=abc"}`),
		ok(`{"value":[{"id":"g2"}]}`),
	}
	ids, err := c.MemberOf(context.Background(), "u1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"g1", "g2"}, ids); diff != "" {
		t.Errorf("ids (-want +got)\n%s", diff)
	}
	reqs := rec.requests()
	// transitiveMemberOf needs only User.Read.All (memberOf of another user
	// needs Directory.Read.All), and without the /microsoft.graph.group
	// cast it is not an advanced query (docs/permissions.md).
	if r := reqs[0]; r.Method != "GET" || r.Path != "/v1.0/users/u1/transitiveMemberOf" ||
		r.Query.Get("$select") != "id" || r.Header.Get("ConsistencyLevel") != "" {
		t.Errorf("first request %s %s?%s ConsistencyLevel=%q", r.Method, r.Path, r.RawQuery, r.Header.Get("ConsistencyLevel"))
	}
	if q := reqs[1].Query.Get("$skiptoken"); q != "abc" || reqs[1].Path != "/v1.0/users/u1/transitiveMemberOf" {
		t.Errorf("next page %s %v", reqs[1].Path, reqs[1].Query)
	}
}

func TestListUsersAdvancedQueryAndPaging(t *testing.T) {
	c, rec, _ := newTestClient(t, nil)
	base := baseOf(t, c)
	rec.script = []step{
		ok(`{"@odata.count":3,"value":[{"id":"a"},{"id":"b"}],"@odata.nextLink":"` + base + `/users?$skiptoken=p2"}`),
		ok(`{"value":[{"id":"c"}]}`),
	}
	on := true
	q := domain.UserQuery{MarkerAttribute: "extensionAttribute15", MarkerValue: "vendor'flow",
		LeaveBefore: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), Enabled: &on, PageSize: 2}
	var got []string
	if err := c.ListUsers(context.Background(), q, func(u domain.User) error { got = append(got, u.ID); return nil }); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a", "b", "c"}, got); diff != "" {
		t.Errorf("ids (-want +got)\n%s", diff)
	}
	reqs := rec.requests()
	first := reqs[0]
	wantFilter := "onPremisesExtensionAttributes/extensionAttribute15 eq 'vendor''flow' and employeeLeaveDateTime le 2026-04-01T00:00:00Z and accountEnabled eq true"
	if f := first.Query.Get("$filter"); f != wantFilter {
		t.Errorf("$filter = %q\nwant      %q", f, wantFilter)
	}
	if first.Query.Get("$count") != "true" || first.Query.Get("$top") != "2" {
		t.Errorf("query %v", first.Query)
	}
	for i, r := range reqs {
		if r.Header.Get("ConsistencyLevel") != "eventual" {
			t.Errorf("request %d without ConsistencyLevel: eventual", i)
		}
	}
	if reqs[1].Query.Get("$skiptoken") != "p2" {
		t.Errorf("second page %v", reqs[1].Query)
	}
	// fn's error stops the listing and comes back unchanged.
	stop := errors.New("stop")
	rec.script = []step{ok(`{"value":[{"id":"a"}],"@odata.nextLink":"` + base + `/users?$skiptoken=p2"}`)}
	n := len(rec.requests())
	if err := c.ListUsers(context.Background(), domain.UserQuery{}, func(domain.User) error { return stop }); err != stop {
		t.Errorf("err = %v, want stop", err)
	}
	if len(rec.requests()) != n+1 {
		t.Errorf("listing went on after fn failed")
	}
	// A marker attribute that is not an extension attribute never reaches Graph.
	err := c.ListUsers(context.Background(), domain.UserQuery{MarkerAttribute: "displayName) or (x", MarkerValue: "v"}, func(domain.User) error { return nil })
	if domain.ErrorCode(err) != domain.Invalid {
		t.Errorf("err = %v, want invalid", err)
	}
}

func TestLicensesAndSKUs(t *testing.T) {
	c, rec, _ := newTestClient(t, []step{
		ok(`{"value":[{"skuId":"7a551360-26c4-4f61-84e6-ef715673e083","skuPartNumber":"MICROSOFT_REMOTE_ASSIST","consumedUnits":3,
			"prepaidUnits":{"enabled":5,"suspended":0,"warning":0,"lockedOut":0}}]}`),
		ok(userJSON),
	})
	ctx := context.Background()
	skus, err := c.ListSKUs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []domain.SKU{{ID: "7a551360-26c4-4f61-84e6-ef715673e083", PartNumber: "MICROSOFT_REMOTE_ASSIST", Enabled: 5, Consumed: 3}}
	if diff := cmp.Diff(want, skus); diff != "" {
		t.Errorf("skus (-want +got)\n%s", diff)
	}
	if err := c.AssignLicenses(ctx, "u1", []string{"7a551360-26c4-4f61-84e6-ef715673e083"}, []string{"e48328a2-8e98-4484-a70f-a99f8ac9ec89"}); err != nil {
		t.Fatal(err)
	}
	r := rec.requests()[1]
	if r.Method != "POST" || r.Path != "/v1.0/users/u1/assignLicense" {
		t.Fatalf("request %s %s", r.Method, r.Path)
	}
	wantBody := map[string]any{
		"addLicenses":    []any{map[string]any{"skuId": "7a551360-26c4-4f61-84e6-ef715673e083", "disabledPlans": []any{}}},
		"removeLicenses": []any{"e48328a2-8e98-4484-a70f-a99f8ac9ec89"},
	}
	if diff := cmp.Diff(wantBody, bodyOf(t, r)); diff != "" {
		t.Errorf("body (-want +got)\n%s", diff)
	}
	if err := c.AssignLicenses(ctx, "u1", []string{"not-a-guid"}, nil); domain.ErrorCode(err) != domain.Invalid {
		t.Errorf("bad sku id: %v", err)
	}
}

func TestTAPLifecycleRequests(t *testing.T) {
	c, rec, _ := newTestClient(t, []step{
		{status: 201, body: `{"id":"t1","temporaryAccessPass":"Xy7#abcD","lifetimeInMinutes":480,"isUsableOnce":false,"startDateTime":"2026-03-02T09:00:00Z"}`},
		ok(`{"value":[{"id":"t1","lifetimeInMinutes":480,"isUsableOnce":false,"startDateTime":"2026-03-02T09:00:00Z"}]}`),
		status(204),
	})
	ctx := context.Background()
	tap, err := c.CreateTAP(ctx, "u1", 8*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if tap.Value.Reveal() != "Xy7#abcD" || tap.ID != "t1" || tap.Lifetime != 8*time.Hour || !tap.StartsAt.Equal(t0) {
		t.Errorf("tap = %+v", tap)
	}
	wantBody := map[string]any{"@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethod",
		"lifetimeInMinutes": float64(480), "isUsableOnce": false}
	if diff := cmp.Diff(wantBody, bodyOf(t, rec.requests()[0])); diff != "" {
		t.Errorf("body (-want +got)\n%s", diff)
	}
	list, err := c.ListTAPs(ctx, "u1")
	if err != nil || len(list) != 1 || !list[0].Value.IsZero() {
		t.Errorf("ListTAPs = %+v, %v", list, err)
	}
	if err := c.DeleteTAP(ctx, "u1", "t1"); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, r := range rec.requests() {
		paths = append(paths, r.Method+" "+r.Path)
	}
	want := []string{
		"POST /v1.0/users/u1/authentication/temporaryAccessPassMethods",
		"GET /v1.0/users/u1/authentication/temporaryAccessPassMethods",
		"DELETE /v1.0/users/u1/authentication/temporaryAccessPassMethods/t1",
	}
	if diff := cmp.Diff(want, paths); diff != "" {
		t.Errorf("requests (-want +got)\n%s", diff)
	}
	for _, bad := range []time.Duration{9 * time.Minute, 31 * 24 * time.Hour} {
		if _, err := c.CreateTAP(ctx, "u1", bad); domain.ErrorCode(err) != domain.Invalid {
			t.Errorf("lifetime %v: %v", bad, err)
		}
	}
}

func TestRevokeSessionsAcceptsAny2xx(t *testing.T) {
	for _, answer := range []step{ok(`{"value":true}`), status(204), {status: 200, body: "true", header: map[string]string{"Content-Type": "text/plain"}}} {
		c, rec, _ := newTestClient(t, []step{answer})
		if err := c.RevokeSessions(context.Background(), "u1"); err != nil {
			t.Errorf("answer %d %q: %v", answer.status, answer.body, err)
		}
		if r := rec.requests()[0]; r.Method != "POST" || r.Path != "/v1.0/users/u1/revokeSignInSessions" {
			t.Errorf("request %s %s", r.Method, r.Path)
		}
	}
}

func TestSendMailBody(t *testing.T) {
	c, rec, _ := newTestClient(t, []step{{status: 202}})
	m := domain.Mail{To: []string{"v@vendor1.com"}, Subject: "Your account", Body: secret.New("TAP: Xy7#abcD")}
	if err := c.SendMail(context.Background(), "noreply@abc.com", m); err != nil {
		t.Fatal(err)
	}
	r := rec.requests()[0]
	if r.Method != "POST" || r.Path != "/v1.0/users/noreply@abc.com/sendMail" {
		t.Fatalf("request %s %s", r.Method, r.Path)
	}
	// msgraph-sdk-go writes the action's parameters as its OpenAPI names
	// them, "Message" and "SaveToSentItems"; Graph reads action parameter
	// names case-insensitively.
	want := map[string]any{
		"Message": map[string]any{
			"@odata.type":  "#microsoft.graph.message",
			"subject":      "Your account",
			"body":         map[string]any{"contentType": "text", "content": "TAP: Xy7#abcD"},
			"toRecipients": []any{map[string]any{"emailAddress": map[string]any{"address": "v@vendor1.com"}}},
		},
		"SaveToSentItems": false,
	}
	if diff := cmp.Diff(want, bodyOf(t, r)); diff != "" {
		t.Errorf("body (-want +got)\n%s", diff)
	}
}

func TestDeletedUsers(t *testing.T) {
	ctx := context.Background()
	// Exact UPN first; then the object-id-prefixed form Entra gives deleted users.
	c, rec, _ := newTestClient(t, []step{
		ok(`{"value":[]}`),
		ok(`{"value":[{"id":"d1","userPrincipalName":"0123456789abcdef0123456789abcdefv@abc.com"},{"id":"d2","userPrincipalName":"xv@abc.com"}]}`),
	})
	u, err := c.FindDeletedUser(ctx, "v@abc.com")
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != "d1" {
		t.Errorf("found %q, want d1", u.ID)
	}
	reqs := rec.requests()
	// msgraph-sdk-go writes the cast segment in its short form.
	if reqs[0].Path != "/v1.0/directory/deletedItems/graph.user" || reqs[0].Query.Get("$filter") != "userPrincipalName eq 'v@abc.com'" {
		t.Errorf("first query %s %v", reqs[0].Path, reqs[0].Query)
	}
	if reqs[1].Query.Get("$filter") != "endsWith(userPrincipalName,'v@abc.com')" || reqs[1].Header.Get("ConsistencyLevel") != "eventual" {
		t.Errorf("second query %v %v", reqs[1].Query, reqs[1].Header)
	}

	c, rec, _ = newTestClient(t, []step{ok(`{"value":[]}`), fail(400, graphErr("Request_UnsupportedQuery", "Unsupported query."))})
	if _, err := c.FindDeletedUser(ctx, "v@abc.com"); domain.ErrorCode(err) != domain.NotFound {
		t.Errorf("err = %v, want not found", err)
	}

	c, rec, _ = newTestClient(t, []step{ok(`{"id":"d1"}`), ok(userJSON)})
	if _, err := c.RestoreUser(ctx, "d1"); err != nil {
		t.Fatal(err)
	}
	if r := rec.requests()[0]; r.Method != "POST" || r.Path != "/v1.0/directory/deletedItems/d1/restore" {
		t.Errorf("request %s %s", r.Method, r.Path)
	}
}

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		name string
		cfg  graph.Config
		ok   bool
	}{
		{"emulator without credential", graph.Config{BaseURL: "http://127.0.0.1:8080/v1.0"}, true},
		{"localhost", graph.Config{BaseURL: "http://localhost:9/v1.0"}, true},
		{"graph without credential", graph.Config{}, false},
		{"plain http remote", graph.Config{BaseURL: "http://graph.example.com/v1.0"}, false},
		{"page size", graph.Config{BaseURL: "http://127.0.0.1:1/v1.0", PageSize: 1000}, false},
		{"not a URL", graph.Config{BaseURL: "graph"}, false},
	}
	for _, tt := range tests {
		_, err := graph.New(tt.cfg)
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v", tt.name, err)
		}
	}
}
