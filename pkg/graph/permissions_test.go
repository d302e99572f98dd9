package graph_test

import (
	"context"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
	"github.com/vendorflow/vendorflow/pkg/graph"
	"github.com/vendorflow/vendorflow/pkg/secret"
	"github.com/vendorflow/vendorflow/pkg/tenantsim"
)

// permissionsDoc is the document that lists every Graph call vendorflow
// makes with the permission it needs.
const permissionsDoc = "../../docs/permissions.md"

// TestGraphCallsMatchPermissionsDoc runs every engine.Directory method of the
// real adapter against the emulator and compares the Graph calls the
// emulator saw with the table of docs/permissions.md: a call the table does
// not list (a new Graph call without its permission) fails, and so does a
// row that no method exercises (a stale row) or a row whose granted
// permission is missing from the grant list.
func TestGraphCallsMatchPermissionsDoc(t *testing.T) {
	md, err := os.ReadFile(permissionsDoc)
	if err != nil {
		t.Fatal(err)
	}
	calls := markdownTable(t, string(md), "## Graph calls")
	grants := markdownTable(t, string(md), "## What to grant")

	granted := map[string]bool{}
	var grantList []string
	for _, g := range grants {
		granted[g["Permission"]] = true
		grantList = append(grantList, g["Permission"])
	}
	slices.Sort(grantList)
	if !slices.Equal(grantList, graph.Permissions()) {
		t.Errorf("%s grants %v; graph.Permissions() (what doctor checks the token against) is %v", permissionsDoc, grantList, graph.Permissions())
	}
	documented := map[string]bool{}
	used := map[string]bool{}
	for _, row := range calls {
		call := strings.Trim(row["Call"], "`")
		if documented[call] {
			t.Errorf("%s: the table lists %q twice", permissionsDoc, call)
		}
		documented[call] = true
		if row["Source (Graph API page)"] == "" {
			t.Errorf("%s: %q has no source", permissionsDoc, call)
		}
		perms := splitList(row["Granted"])
		if len(perms) == 0 {
			t.Errorf("%s: %q names no granted permission", permissionsDoc, call)
		}
		for _, p := range perms {
			used[p] = true
			if !granted[p] {
				t.Errorf("%s: %q relies on %s, which the grant list lacks", permissionsDoc, call, p)
			}
		}
	}
	for p := range granted {
		if !used[p] {
			t.Errorf("%s: %s is granted but no call relies on it", permissionsDoc, p)
		}
	}

	s := newSim(t)
	s.srv.ResetStats()
	exercised := exerciseDirectory(t, s)
	dir := reflect.TypeOf((*engine.Directory)(nil)).Elem()
	for i := range dir.NumMethod() {
		if name := dir.Method(i).Name; !exercised[name] {
			t.Errorf("engine.Directory.%s is not exercised: add it to exerciseDirectory", name)
		}
	}

	observed := map[string]bool{}
	for route := range s.srv.Stats().Routes {
		observed[normaliseRoute(route)] = true
	}
	for _, call := range sortedKeys(observed) {
		if !documented[call] {
			t.Errorf("the adapter calls %s, which %s does not list: add a row with its least-privileged permission", call, permissionsDoc)
		}
	}
	for _, call := range sortedKeys(documented) {
		if !observed[call] {
			t.Errorf("%s lists %s, which no Directory method called", permissionsDoc, call)
		}
	}
}

// exerciseDirectory runs each Directory method at least once, in the order
// of an onboarding, a credential reset, an offboarding and a deletion with
// restore, and returns the names of the methods it ran. Each method's
// error is checked against what the emulator must answer.
func exerciseDirectory(t *testing.T, s *sim) map[string]bool {
	t.Helper()
	ctx := context.Background()
	c := s.c
	want := vendorUser(7)
	var (
		id    string
		skuID string
		tap   domain.TAP
	)
	off := false
	steps := []struct {
		method string
		run    func() error
	}{
		{"ListSKUs", func() error {
			skuID = skuByPart(t, c, domain.RemoteAssistSKU).ID
			return nil
		}},
		{"FindUser", func() error {
			if _, err := c.FindUser(ctx, want.UPN); domain.ErrorCode(err) != domain.NotFound {
				return err
			}
			return nil
		}},
		{"CreateUser", func() error {
			u, err := c.CreateUser(ctx, want, pw)
			id = u.ID
			return err
		}},
		{"GetUser", func() error { _, err := c.GetUser(ctx, id); return err }},
		{"UpdateUser", func() error {
			dept := "Field"
			return c.UpdateUser(ctx, id, domain.UserChanges{Department: &dept})
		}},
		{"SetPassword", func() error { return c.SetPassword(ctx, id, pw+"2", true) }},
		{"AddMember", func() error { return c.AddMember(ctx, tenantsim.GroupIBVendor1ID, id) }},
		{"MemberOf", func() error {
			groups, err := c.MemberOf(ctx, id)
			if err == nil && !slices.Equal(groups, []string{tenantsim.GroupIBVendor1ID}) {
				t.Errorf("MemberOf = %v", groups)
			}
			return err
		}},
		{"AssignLicenses", func() error { return c.AssignLicenses(ctx, id, []string{skuID}, nil) }},
		{"CreateTAP", func() error {
			var err error
			tap, err = c.CreateTAP(ctx, id, time.Hour)
			return err
		}},
		{"ListTAPs", func() error { _, err := c.ListTAPs(ctx, id); return err }},
		{"SendMail", func() error {
			return c.SendMail(ctx, "vendorflow@"+simDomain, domain.Mail{To: want.OtherMails, Subject: "Your account", Body: secret.New("pass")})
		}},
		{"ListUsers", func() error {
			q := domain.UserQuery{MarkerAttribute: "extensionAttribute15", MarkerValue: "vendorflow", Enabled: new(bool)}
			*q.Enabled = true
			return c.ListUsers(ctx, q, func(domain.User) error { return nil })
		}},
		{"UpdateUser", func() error { return c.UpdateUser(ctx, id, domain.UserChanges{AccountEnabled: &off}) }},
		{"RevokeSessions", func() error { return c.RevokeSessions(ctx, id) }},
		{"DeleteTAP", func() error { return c.DeleteTAP(ctx, id, tap.ID) }},
		{"AssignLicenses", func() error { return c.AssignLicenses(ctx, id, nil, []string{skuID}) }},
		{"RemoveMember", func() error { return c.RemoveMember(ctx, tenantsim.GroupIBVendor1ID, id) }},
		{"DeleteUser", func() error { return c.DeleteUser(ctx, id) }},
		{"FindDeletedUser", func() error { _, err := c.FindDeletedUser(ctx, want.UPN); return err }},
		{"RestoreUser", func() error { _, err := c.RestoreUser(ctx, id); return err }},
		// The reads of `vendorflow doctor`.
		{"TAPPolicy", func() error {
			p, err := c.TAPPolicy(ctx)
			if err == nil && (!p.Enabled || !p.AllUsers || p.MaxLifetime != 8*time.Hour) {
				t.Errorf("TAPPolicy = %+v", p)
			}
			return err
		}},
		{"MailAddress", func() error {
			mail, err := c.MailAddress(ctx, "vendorflow@"+simDomain)
			if err == nil && !strings.EqualFold(mail, "vendorflow@"+simDomain) {
				t.Errorf("MailAddress = %q", mail)
			}
			return err
		}},
		{"GetGroup", func() error { _, err := c.GetGroup(ctx, tenantsim.GroupIBVendor1ID); return err }},
		{"ListUsers", func() error {
			q := domain.UserQuery{Attribute: "companyName", Equals: "Vendor1"}
			return c.ListUsers(ctx, q, func(domain.User) error { return nil })
		}},
	}
	ran := map[string]bool{}
	for i, st := range steps {
		if err := st.run(); err != nil {
			t.Fatalf("step %d %s: %v", i, st.method, err)
		}
		ran[st.method] = true
	}
	return ran
}

// normaliseRoute turns an emulator route key ("DELETE
// /groups/{id}/members/{memberId}/$ref") into the table's form: every
// parameter is {id}, and the short cast graph.user the SDK sends is written
// microsoft.graph.user as on Graph's pages.
func normaliseRoute(route string) string {
	method, path, ok := strings.Cut(route, " ")
	if !ok {
		return route // "unmatched": never in the table
	}
	segs := strings.Split(path, "/")
	for i, s := range segs {
		switch {
		case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}"):
			segs[i] = "{id}"
		case strings.HasPrefix(s, "graph."):
			segs[i] = "microsoft." + s
		}
	}
	return method + " " + strings.Join(segs, "/")
}

func TestNormaliseRoute(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"GET /users", "GET /users"},
		{"PATCH /users/{id}", "PATCH /users/{id}"},
		{"DELETE /groups/{id}/members/{memberId}/$ref", "DELETE /groups/{id}/members/{id}/$ref"},
		{"DELETE /users/{id}/authentication/temporaryAccessPassMethods/{methodId}", "DELETE /users/{id}/authentication/temporaryAccessPassMethods/{id}"},
		{"GET /directory/deletedItems/graph.user", "GET /directory/deletedItems/microsoft.graph.user"},
		{"GET /directory/deletedItems/microsoft.graph.user", "GET /directory/deletedItems/microsoft.graph.user"},
		{"unmatched", "unmatched"},
	} {
		if got := normaliseRoute(c.in); got != c.want {
			t.Errorf("normaliseRoute(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// markdownTable parses the first pipe table after heading (up to the next
// "## " heading) into rows keyed by the header cells.
func markdownTable(t *testing.T, md, heading string) []map[string]string {
	t.Helper()
	_, rest, ok := strings.Cut(md, "\n"+heading+"\n")
	if !ok {
		t.Fatalf("%s: no section %q", permissionsDoc, heading)
	}
	if i := strings.Index(rest, "\n## "); i >= 0 {
		rest = rest[:i]
	}
	var header []string
	var rows []map[string]string
	for _, line := range strings.Split(rest, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") {
			if header != nil {
				break // the table has ended
			}
			continue
		}
		cells := tableCells(line)
		switch {
		case header == nil:
			header = cells
		case strings.Trim(strings.Join(cells, ""), "-: ") == "":
			// the delimiter row
		default:
			if len(cells) != len(header) {
				t.Fatalf("%s: row %q has %d cells, the header %d", permissionsDoc, line, len(cells), len(header))
			}
			row := map[string]string{}
			for i, h := range header {
				row[h] = cells[i]
			}
			rows = append(rows, row)
		}
	}
	if len(rows) == 0 {
		t.Fatalf("%s: no table rows under %q", permissionsDoc, heading)
	}
	return rows
}

// tableCells splits "| a | b |" into ["a", "b"]. No cell of the tables
// parsed here contains a pipe.
func tableCells(line string) []string {
	parts := strings.Split(strings.Trim(line, "|"), "|")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
	}
	return parts
}

// splitList splits "A, B" into ["A", "B"].
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestGrantedPermissionsSuffice runs the same calls against an emulator
// whose app holds only graph.Permissions(): the emulator answers 403 for a
// route that none of the app's roles allows, with the permission lists of
// the Graph API pages (tenantsim/roles.go), so a call the grant list does
// not cover fails here.
func TestGrantedPermissionsSuffice(t *testing.T) {
	s := newSim(t)
	s.srv.SetRoles(graph.Permissions())
	exerciseDirectory(t, s)
	roles, err := s.c.TokenRoles(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(roles, graph.Permissions()) {
		t.Errorf("token roles = %v, want %v", roles, graph.Permissions())
	}
}

// TestMissingPermissionIs403: without LicenseAssignment.Read.All the
// emulator refuses subscribedSkus, and the adapter says which permission
// the app needs.
func TestMissingPermissionIs403(t *testing.T) {
	s := newSim(t)
	s.srv.SetRoles(slices.DeleteFunc(graph.Permissions(), func(p string) bool { return p == "LicenseAssignment.Read.All" }))
	_, err := s.c.ListSKUs(context.Background())
	if domain.ErrorCode(err) != domain.Business || !strings.Contains(err.Error(), "LicenseAssignment.Read.All") {
		t.Errorf("err = %v, want business naming LicenseAssignment.Read.All", err)
	}
}

// TestTAPPolicyRefusalIsBusiness: a pass the tenant's TAP policy refuses
// (the method disabled, or a lifetime above its maximum) is a business
// failure naming the policy, which parks the request with that reason.
func TestTAPPolicyRefusalIsBusiness(t *testing.T) {
	for _, tc := range []struct {
		name     string
		policy   func(p *tenantsim.TAPPolicy)
		lifetime time.Duration
	}{
		{"disabled", func(p *tenantsim.TAPPolicy) { p.State = "disabled" }, time.Hour},
		{"lifetime above the maximum", func(*tenantsim.TAPPolicy) {}, 9 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSim(t)
			p := s.srv.TAPPolicy()
			tc.policy(&p)
			if err := s.srv.SetTAPPolicy(p); err != nil {
				t.Fatal(err)
			}
			u, err := s.c.CreateUser(context.Background(), vendorUser(3), pw)
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.c.CreateTAP(context.Background(), u.ID, tc.lifetime)
			if domain.ErrorCode(err) != domain.Business || !strings.Contains(err.Error(), "Temporary Access Pass policy") {
				t.Errorf("err = %v, want business naming the policy", err)
			}
		})
	}
}
