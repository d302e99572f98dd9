package tenantsim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCreateUser(t *testing.T) {
	h := newHarness(t)
	body := newUserBody("Vendor1_A_SA")
	body["companyName"] = "Vendor1"
	body["employeeType"] = "Vendor"
	body["employeeLeaveDateTime"] = "2026-06-30T00:00:00Z"
	body["otherMails"] = []string{"Vendor1_A@Vendor1.com"}
	body["onPremisesExtensionAttributes"] = map[string]any{"extensionAttribute1": "vendorflow", "extensionAttribute2": "corr-1"}
	r := h.do(http.MethodPost, "/users", gzipped(t, body), header("Content-Encoding", "gzip")).mustStatus(t, http.StatusCreated)
	got := r.json(t)
	id, _ := got["id"].(string)
	if len(id) != 36 {
		t.Fatalf("id = %q", id)
	}
	delete(got, "id")
	want := map[string]any{
		"@odata.context": h.hs.URL + "/v1.0/$metadata#users/$entity",
		"businessPhones": []any{}, "displayName": "Vendor1_A_SA SA", "givenName": nil, "jobTitle": nil, "mail": nil,
		"mobilePhone": nil, "officeLocation": nil, "preferredLanguage": nil, "surname": nil,
		"userPrincipalName": "Vendor1_A_SA@ABC.com",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("201 body (-want +got):\n%s", diff)
	}
	for _, k := range []string{"password", "passwordProfile"} {
		if strings.Contains(string(r.body), k) {
			t.Errorf("response mentions %q: %s", k, r.body)
		}
	}
	u, ok := h.srv.UserByUPN("vendor1_a_sa@abc.com")
	if !ok {
		t.Fatal("user not stored")
	}
	if u.CompanyName != "Vendor1" || u.EmployeeLeaveDateTime.Format("2006-01-02") != "2026-06-30" ||
		u.OnPremisesExtensionAttributes.ExtensionAttribute2 != "corr-1" || u.UsageLocation != "US" || !u.CreatedDateTime.Equal(h.clock.Now()) {
		t.Errorf("stored user = %+v", u)
	}
}

func TestCreateUserErrors(t *testing.T) {
	h := newHarness(t)
	h.createUser("taken", nil)
	deleted := h.createUser("gone", nil)
	h.do(http.MethodDelete, "/users/"+deleted, nil).mustStatus(t, http.StatusNoContent)

	with := func(k string, v any) map[string]any {
		b := newUserBody("new.user")
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
		return b
	}
	pw := func(p string) map[string]any { return with("passwordProfile", map[string]any{"password": p}) }
	tests := []struct {
		name string
		body any
		code string
		msg  string
	}{
		{"missing accountEnabled", with("accountEnabled", nil), CodeRequestBadRequest, "Property accountEnabled value is required but is empty or missing."},
		{"missing displayName", with("displayName", nil), CodeRequestBadRequest, "Property displayName value is required but is empty or missing."},
		{"missing mailNickname", with("mailNickname", nil), CodeRequestBadRequest, "Property mailNickname value is required but is empty or missing."},
		{"missing passwordProfile", with("passwordProfile", nil), CodeRequestBadRequest, "Property passwordProfile value is required but is empty or missing."},
		{"missing password", with("passwordProfile", map[string]any{"forceChangePasswordNextSignIn": true}), CodeRequestBadRequest, "Property passwordProfile value is required but is empty or missing."},
		{"missing userPrincipalName", with("userPrincipalName", nil), CodeRequestBadRequest, "Property userPrincipalName value is required but is empty or missing."},
		{"short password", pw("Ab1!xyz"), CodeRequestBadRequest, MsgWeakPassword},
		{"two classes", pw("abcdefgh12"), CodeRequestBadRequest, MsgWeakPassword},
		{"too long", pw(strings.Repeat("Ab1!", 65)), CodeRequestBadRequest, MsgWeakPassword},
		{"bad UPN character", with("userPrincipalName", "new user@ABC.com"), CodeRequestBadRequest, "Invalid value specified for property 'userPrincipalName' of resource 'User'."},
		{"UPN without @", with("userPrincipalName", "new.user"), CodeRequestBadRequest, "Invalid value specified for property 'userPrincipalName' of resource 'User'."},
		{"UPN double dot", with("userPrincipalName", "new..user@ABC.com"), CodeRequestBadRequest, "Invalid value specified for property 'userPrincipalName' of resource 'User'."},
		{"unverified domain", with("userPrincipalName", "new.user@Vendor1.com"), CodeRequestBadRequest, MsgUnverifiedDomain},
		{"duplicate UPN, other case", with("userPrincipalName", "TAKEN@abc.com"), CodeRequestBadRequest, MsgDuplicateUPN},
		{"UPN held by a soft-deleted user", with("userPrincipalName", "gone@ABC.com"), CodeRequestBadRequest, MsgDuplicateUPN},
		{"companyName too long", with("companyName", strings.Repeat("x", 65)), CodeRequestBadRequest, "Invalid value specified for property 'companyName' of resource 'User'."},
		{"employeeId too long", with("employeeId", strings.Repeat("1", 17)), CodeRequestBadRequest, "Invalid value specified for property 'employeeId' of resource 'User'."},
		{"bad usageLocation", with("usageLocation", "USA"), CodeRequestBadRequest, "Invalid value specified for property 'usageLocation' of resource 'User'."},
		{"bad mailNickname", with("mailNickname", "new user"), CodeRequestBadRequest, "Invalid value specified for property 'mailNickname' of resource 'User'."},
		{"bad employeeLeaveDateTime", with("employeeLeaveDateTime", "soon"), CodeRequestBadRequest, "Invalid value specified for property 'employeeLeaveDateTime' of resource 'User'."},
		{"unknown property", with("shoeSize", 42), CodeBadRequest, "The property 'shoeSize' does not exist on type 'microsoft.graph.user'. Make sure to only use property names that are defined by the type or mark the type as open type."},
		{"read-only property", with("assignedLicenses", []any{}), CodeRequestBadRequest, "Property 'assignedLicenses' is read-only and cannot be set."},
		{"not JSON", []byte("{"), CodeBadRequest, MsgInvalidJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do(http.MethodPost, "/users", tt.body)
			wantErr(t, r, http.StatusBadRequest, tt.code, tt.msg)
		})
	}
	r := h.do(http.MethodPost, "/users", with("userPrincipalName", "taken@ABC.com"))
	details := r.json(t)["error"].(map[string]any)["details"]
	if diff := cmp.Diff([]any{map[string]any{"code": "ObjectConflict", "target": "userPrincipalName"}}, details); diff != "" {
		t.Errorf("conflict details (-want +got):\n%s", diff)
	}
	if n := len(h.srv.Users()); n != 5 {
		t.Errorf("users = %d, want 5 (4 seeded + taken)", n)
	}
}

func TestGetUser(t *testing.T) {
	h := newHarness(t)
	id := h.createUser("Vendor2_A_SA", map[string]any{"companyName": "Vendor2", "employeeType": "Vendor"})
	byID := h.do(http.MethodGet, "/users/"+id, nil).mustStatus(t, http.StatusOK).json(t)
	byUPN := h.do(http.MethodGet, "/users/"+url.PathEscape("vendor2_a_sa@abc.com"), nil).mustStatus(t, http.StatusOK).json(t)
	if diff := cmp.Diff(byID, byUPN); diff != "" {
		t.Errorf("by id vs by UPN (-id +upn):\n%s", diff)
	}
	if _, ok := byID["companyName"]; ok {
		t.Errorf("companyName returned without $select: %v", byID)
	}
	sel := h.do(http.MethodGet, "/users/"+id+"?$select=id,companyName,employeeType,accountEnabled,assignedLicenses,onPremisesExtensionAttributes,passwordProfile", nil).mustStatus(t, http.StatusOK).json(t)
	delete(sel, "@odata.context")
	want := map[string]any{"id": id, "companyName": "Vendor2", "employeeType": "Vendor", "accountEnabled": true, "assignedLicenses": []any{}, "passwordProfile": nil}
	gotExt := sel["onPremisesExtensionAttributes"].(map[string]any)
	delete(sel, "onPremisesExtensionAttributes")
	if diff := cmp.Diff(want, sel); diff != "" {
		t.Errorf("$select (-want +got):\n%s", diff)
	}
	if len(gotExt) != 15 || gotExt["extensionAttribute15"] != nil {
		t.Errorf("onPremisesExtensionAttributes = %v", gotExt)
	}
	wantErr(t, h.do(http.MethodGet, "/users/nobody@ABC.com", nil), http.StatusNotFound, CodeResourceNotFound,
		"Resource 'nobody@ABC.com' does not exist or one of its queried reference-property objects are not present.")
	wantErr(t, h.do(http.MethodGet, "/users/"+id+"?$select=shoeSize", nil), http.StatusBadRequest, CodeBadRequest,
		"Parsing OData Select and Expand failed: Could not find a property named 'shoeSize' on type 'microsoft.graph.user'.")
}

func TestPatchDeleteUser(t *testing.T) {
	h := newHarness(t)
	id := h.createUser("Vendor1_B_SA", nil)
	h.do(http.MethodPatch, "/users/"+id, map[string]any{
		"accountEnabled": false, "department": "Vendor1", "companyName": nil,
		"onPremisesExtensionAttributes": map[string]any{"extensionAttribute5": "offboarded"},
	}).mustStatus(t, http.StatusNoContent)
	u, _ := h.srv.UserByUPN("Vendor1_B_SA@ABC.com")
	if u.AccountEnabled || u.Department != "Vendor1" || u.OnPremisesExtensionAttributes.Get(5) != "offboarded" {
		t.Errorf("after PATCH: %+v", u)
	}
	wantErr(t, h.do(http.MethodPatch, "/users/"+id, map[string]any{"userPrincipalName": "ava.expert@ABC.com"}), http.StatusBadRequest, CodeRequestBadRequest, MsgDuplicateUPN)
	wantErr(t, h.do(http.MethodPatch, "/users/"+id, map[string]any{"passwordProfile": map[string]any{"password": "weak"}}), http.StatusBadRequest, CodeRequestBadRequest, MsgWeakPassword)
	wantErr(t, h.do(http.MethodPatch, "/users/missing-id", map[string]any{"department": "x"}), http.StatusNotFound, CodeResourceNotFound, MsgNotFound("missing-id"))
	if u2, _ := h.srv.UserByUPN("Vendor1_B_SA@ABC.com"); u2.UserPrincipalName != "Vendor1_B_SA@ABC.com" {
		t.Errorf("failed PATCH changed the user: %+v", u2)
	}

	r := h.do(http.MethodPost, "/users/"+id+"/revokeSignInSessions", nil).mustStatus(t, http.StatusOK).json(t)
	if r["value"] != true {
		t.Errorf("revokeSignInSessions = %v", r)
	}
	h.do(http.MethodDelete, "/users/"+id, nil).mustStatus(t, http.StatusNoContent)
	wantErr(t, h.do(http.MethodGet, "/users/"+id, nil), http.StatusNotFound, CodeResourceNotFound, MsgNotFound(id))
	wantErr(t, h.do(http.MethodDelete, "/users/"+id, nil), http.StatusNotFound, CodeResourceNotFound, MsgNotFound(id))
	d := h.srv.DeletedUsers()
	if len(d) != 1 || d[0].ID != id || !d[0].DeletedDateTime.Equal(h.clock.Now()) || !d[0].SignInSessionsValidFromDateTime.Equal(h.clock.Now()) {
		t.Errorf("deleted users = %+v", d)
	}
}

func TestCountUsers(t *testing.T) {
	h := newHarness(t)
	r := h.do(http.MethodGet, "/users/$count?$filter="+url.QueryEscape("department eq 'Experts'"), nil, eventual()).mustStatus(t, http.StatusOK)
	if string(r.body) != "2" || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
		t.Errorf("count = %q (%s)", r.body, r.header.Get("Content-Type"))
	}
	wantErr(t, h.do(http.MethodGet, "/users/$count", nil), http.StatusBadRequest, CodeRequestBadRequest, "$count is not currently supported.")
}
