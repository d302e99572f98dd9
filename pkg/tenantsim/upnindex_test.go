package tenantsim

import (
	"net/http"
	"net/url"
	"testing"
)

// TestUPNLookupFollowsChanges: look-ups by name (GET /users/{upn} and a
// userPrincipalName eq filter, which the emulator answers from an index)
// follow creates, renames, deletes and restores, in any letter case, and
// the rest of the filter still decides.
func TestUPNLookupFollowsChanges(t *testing.T) {
	h := newHarness(t)
	id := h.createUser("Vendor1_A_SA", nil)
	find := func(filter string) []string {
		t.Helper()
		var ids []string
		for _, v := range h.do(http.MethodGet, "/users?$filter="+url.QueryEscape(filter), nil).mustStatus(t, http.StatusOK).values(t) {
			ids = append(ids, v["id"].(string))
		}
		return ids
	}
	get := func(upn string) int {
		t.Helper()
		return h.do(http.MethodGet, "/users/"+url.PathEscape(upn), nil).status
	}
	check := func(stage, upn string, want bool) {
		t.Helper()
		ids := find("userPrincipalName eq '" + upn + "'")
		if got := len(ids) == 1 && ids[0] == id; got != want || (!want && len(ids) != 0) {
			t.Errorf("%s: filter on %s = %v, want found %v", stage, upn, ids, want)
		}
		if st := get(upn); (st == http.StatusOK) != want {
			t.Errorf("%s: GET /users/%s = %d, want found %v", stage, upn, st, want)
		}
	}
	check("created", "Vendor1_A_SA@ABC.com", true)
	check("created, other case", "vendor1_a_sa@abc.com", true)
	if ids := find("userPrincipalName eq 'Vendor1_A_SA@ABC.com' and accountEnabled eq false"); len(ids) != 0 {
		t.Errorf("the rest of the filter was ignored: %v", ids)
	}
	if ids := find("accountEnabled eq true and userPrincipalName eq 'Vendor1_A_SA@ABC.com'"); len(ids) != 1 {
		t.Errorf("the name as the second term: %v", ids)
	}

	h.do(http.MethodPatch, "/users/"+id, map[string]any{"userPrincipalName": "Vendor1_B_SA@ABC.com"}).mustStatus(t, http.StatusNoContent)
	check("renamed, old name", "Vendor1_A_SA@ABC.com", false)
	check("renamed, new name", "Vendor1_B_SA@ABC.com", true)
	// the old name is free again
	h.createUser("Vendor1_A_SA", nil)

	h.do(http.MethodDelete, "/users/"+id, nil).mustStatus(t, http.StatusNoContent)
	check("deleted", "Vendor1_B_SA@ABC.com", false)
	h.do(http.MethodPost, "/directory/deletedItems/"+id+"/restore", nil).mustStatus(t, http.StatusOK)
	check("restored", "Vendor1_B_SA@ABC.com", true)
}
