package tenantsim

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// seedVendors creates n vendor users with companyName Vendor1.
func seedVendors(t *testing.T, h *harness, n int) []string {
	t.Helper()
	var upns []string
	for i := range n {
		local := fmt.Sprintf("Vendor1_%02d_SA", i)
		h.createUser(local, map[string]any{"companyName": "Vendor1", "employeeType": "Vendor"})
		upns = append(upns, local+"@ABC.com")
	}
	return upns
}

// collect follows @odata.nextLink from path and returns every UPN and the
// number of pages.
func collect(t *testing.T, h *harness, path string, opts ...reqOpt) ([]string, int) {
	t.Helper()
	var upns []string
	pages := 0
	next := path
	for next != "" {
		r := h.do(http.MethodGet, next, nil, opts...).mustStatus(t, http.StatusOK)
		pages++
		for _, v := range r.values(t) {
			upns = append(upns, v["userPrincipalName"].(string))
		}
		next, _ = r.json(t)["@odata.nextLink"].(string)
		if next != "" && !strings.HasPrefix(next, h.hs.URL+"/v1.0/") {
			t.Fatalf("nextLink %q is not an absolute URL of the server", next)
		}
		if pages > 50 {
			t.Fatal("paging does not end")
		}
	}
	return upns, pages
}

func TestPaging(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.PageSize = 4 })
	want := seedVendors(t, h, 9)

	got, pages := collect(t, h, "/users?$select=userPrincipalName&$filter="+url.QueryEscape("startsWith(userPrincipalName,'Vendor1_')"))
	if pages != 3 {
		t.Errorf("pages = %d, want 3 (page size 4, 9 users)", pages)
	}
	if diff := cmp.Diff(want, slices.Sorted(slices.Values(got))); diff != "" {
		t.Errorf("users over all pages (-want +got):\n%s", diff)
	}

	got, pages = collect(t, h, "/users?$top=2&$orderby=userPrincipalName%20desc&$select=userPrincipalName")
	if pages != 7 || len(got) != 13 {
		t.Errorf("pages = %d, users = %d; want 7 pages of 13 users", pages, len(got))
	}
	if got[0] != "vendorflow@ABC.com" || got[12] != "ava.expert@ABC.com" {
		t.Errorf("desc order: first %q, last %q", got[0], got[12])
	}

	// $count with the advanced-query header counts all matches, not the page.
	r := h.do(http.MethodGet, "/users?$count=true&$top=3&$filter="+url.QueryEscape("companyName eq 'Vendor1'"), nil, eventual()).mustStatus(t, http.StatusOK)
	m := r.json(t)
	if m["@odata.count"] != float64(9) || len(r.values(t)) != 3 {
		t.Errorf("count = %v, page = %d", m["@odata.count"], len(r.values(t)))
	}
	link := m["@odata.nextLink"].(string)
	for _, part := range []string{"$count=true", "$top=3", "$filter=companyName+eq+%27Vendor1%27", "$skiptoken="} {
		if !strings.Contains(link, part) {
			t.Errorf("nextLink %q lacks %q", link, part)
		}
	}
}

// Advanced queries over several pages (concepts/paging.md,
// concepts/aad-advanced-queries.md): $count=true without the header is
// ignored (200, no count: the page's "get_users_silent_fail" example); a
// later page without the header is refused as the first would be; the
// count comes on the first page only.
func TestAdvancedQueryPages(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.PageSize = 3 })
	seedVendors(t, h, 8)
	silent := h.do(http.MethodGet, "/users?$count=true", nil).mustStatus(t, http.StatusOK).json(t)
	if _, has := silent["@odata.count"]; has {
		t.Errorf("$count=true without ConsistencyLevel: @odata.count = %v, want it absent", silent["@odata.count"])
	}
	adv := "/users?$count=true&$top=3&$filter=" + url.QueryEscape("companyName eq 'Vendor1'")
	first := h.do(http.MethodGet, adv, nil, eventual()).mustStatus(t, http.StatusOK).json(t)
	if first["@odata.count"] != float64(8) {
		t.Fatalf("first page count = %v", first["@odata.count"])
	}
	next := first["@odata.nextLink"].(string)
	wantErr(t, h.do(http.MethodGet, next, nil), 400, CodeUnsupportedQuery,
		"Unsupported or invalid query filter clause specified for property 'companyName' of resource 'User'.")
	second := h.do(http.MethodGet, next, nil, eventual()).mustStatus(t, http.StatusOK).json(t)
	if _, has := second["@odata.count"]; has {
		t.Errorf("@odata.count on page 2: %v, want it on the first page only", second["@odata.count"])
	}
	if n := len(second["value"].([]any)); n != 3 {
		t.Errorf("page 2 has %d users, want 3", n)
	}
}

// TestPagingUnderChange deletes users between pages: key-based skip tokens
// neither repeat nor skip the users that remain.
func TestPagingUnderChange(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.PageSize = 3 })
	seedVendors(t, h, 8)
	path := "/users?$filter=" + url.QueryEscape("startsWith(userPrincipalName,'Vendor1_')")
	r := h.do(http.MethodGet, path, nil).mustStatus(t, http.StatusOK)
	seen := map[string]bool{}
	for _, v := range r.values(t) {
		seen[v["userPrincipalName"].(string)] = true
		h.do(http.MethodDelete, "/users/"+v["id"].(string), nil).mustStatus(t, http.StatusNoContent)
	}
	rest, _ := collect(t, h, r.json(t)["@odata.nextLink"].(string))
	for _, u := range rest {
		if seen[u] {
			t.Errorf("%s seen twice", u)
		}
		seen[u] = true
	}
	if len(seen) != 8 {
		t.Errorf("saw %d users, want 8", len(seen))
	}
}

func TestQueryErrors(t *testing.T) {
	h := newHarness(t)
	f := func(s string) string { return "$filter=" + url.QueryEscape(s) }
	tests := []struct {
		name     string
		query    string
		eventual bool
		status   int
		code     string
		msg      string
	}{
		{"companyName without header", f("companyName eq 'Vendor1'") + "&$count=true", false, 400, CodeUnsupportedQuery, "Unsupported or invalid query filter clause specified for property 'companyName' of resource 'User'."},
		{"companyName without $count", f("companyName eq 'Vendor1'"), true, 400, CodeUnsupportedQuery, "Unsupported or invalid query filter clause specified for property 'companyName' of resource 'User'."},
		{"companyName plain", f("companyName eq 'Vendor1'"), false, 400, CodeUnsupportedQuery, "Unsupported or invalid query filter clause specified for property 'companyName' of resource 'User'."},
		{"employeeType", f("employeeType eq 'Vendor'"), false, 400, CodeUnsupportedQuery, "Unsupported or invalid query filter clause specified for property 'employeeType' of resource 'User'."},
		{"extension attribute", f("onPremisesExtensionAttributes/extensionAttribute1 eq 'vendorflow'"), false, 400, CodeUnsupportedQuery, "Unsupported or invalid query filter clause specified for property 'onPremisesExtensionAttributes/extensionAttribute1' of resource 'User'."},
		{"employeeLeaveDateTime", f("employeeLeaveDateTime le 2026-01-01T00:00:00Z"), false, 400, CodeUnsupportedQuery, "Unsupported or invalid query filter clause specified for property 'employeeLeaveDateTime' of resource 'User'."},
		{"otherMails", f("otherMails/any(x:x eq 'a@b.com')"), false, 400, CodeUnsupportedQuery, "Unsupported or invalid query filter clause specified for property 'otherMails' of resource 'User'."},
		{"ne", f("department ne 'Experts'"), false, 400, CodeUnsupportedQuery, "Filter operator 'NotEqualsMatch' is not supported."},
		{"not", f("not(department eq 'Experts')"), false, 400, CodeUnsupportedQuery, "Filter operator 'Not' is not supported."},
		{"endsWith", f("endsWith(userPrincipalName,'_SA@ABC.com')"), false, 400, CodeUnsupportedQuery, "Filter operator 'EndsWith' is not supported."},
		{"orderby with filter", f("department eq 'Experts'") + "&$orderby=displayName", false, 400, CodeUnsupportedQuery, "Sorting not supported for current query."},
		{"orderby unknown", "$orderby=jobTitle", false, 400, CodeUnsupportedQuery, "Sorting not supported for current query."},
		{"$top too big", "$top=1000", false, 400, CodeBadRequest, "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive."},
		{"$top zero", "$top=0", false, 400, CodeBadRequest, "Invalid page size specified: '0'. Must be between 1 and 999 inclusive."},
		{"$skip", "$skip=10", false, 400, CodeBadRequest, "'$skip' is not supported by the service."},
		{"bad skiptoken", "$skiptoken=abc", false, 400, CodeBadRequest, "The $skiptoken value is not valid."},
		{"bad $count", "$count=yes", false, 400, CodeBadRequest, "Invalid value 'yes' for $count query option found. Valid values are 'true' and 'false'."},
		{"unknown property", f("shoeSize eq '9'"), false, 400, CodeBadRequest, "Could not find a property named 'shoeSize' on type 'microsoft.graph.user'."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []reqOpt
			if tt.eventual {
				opts = append(opts, eventual())
			}
			wantErr(t, h.do(http.MethodGet, "/users?"+tt.query, nil, opts...), tt.status, tt.code, tt.msg)
		})
	}
	// The same advanced queries succeed with both the header and $count=true.
	for _, q := range []string{
		f("companyName eq 'ABC'"), f("department ne 'Experts'"), f("not(department eq 'Experts')"),
		f("endsWith(userPrincipalName,'.expert@ABC.com')"), f("employeeLeaveDateTime le 2026-01-01T00:00:00Z"),
		f("department eq 'Experts'") + "&$orderby=displayName",
	} {
		h.do(http.MethodGet, "/users?"+q+"&$count=true", nil, eventual()).mustStatus(t, http.StatusOK)
	}
	r := h.do(http.MethodGet, "/users?"+f("endsWith(userPrincipalName,'.expert@ABC.com')")+"&$count=true", nil, eventual())
	if n := len(r.values(t)); n != 2 {
		t.Errorf("endsWith matched %d users, want 2", n)
	}
}
