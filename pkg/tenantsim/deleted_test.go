package tenantsim

import (
	"net/http"
	"net/url"
	"testing"
)

func TestDeletedItems(t *testing.T) {
	h := newHarness(t)
	id := h.createUser("Vendor2_A_SA", nil)
	h.do(http.MethodPost, "/groups/"+GroupIBVendor2ID+"/members/$ref", ref(id)).mustStatus(t, http.StatusNoContent)
	h.do(http.MethodDelete, "/users/"+id, nil).mustStatus(t, http.StatusNoContent)

	for _, p := range []string{"/directory/deletedItems/microsoft.graph.user", "/directory/deletedItems/graph.user"} {
		vs := h.do(http.MethodGet, p+"?$filter="+url.QueryEscape("userPrincipalName eq 'Vendor2_A_SA@ABC.com'"), nil).mustStatus(t, http.StatusOK).values(t)
		if len(vs) != 1 || vs[0]["id"] != id || vs[0]["deletedDateTime"] == nil || vs[0]["@odata.type"] != "#microsoft.graph.user" {
			t.Errorf("%s = %v", p, vs)
		}
	}
	if g := h.do(http.MethodGet, "/directory/deletedItems/"+id, nil).mustStatus(t, http.StatusOK).json(t); g["userPrincipalName"] != "Vendor2_A_SA@ABC.com" {
		t.Errorf("get deleted = %v", g)
	}
	// While deleted, the user is no group member.
	if vs := h.do(http.MethodGet, "/groups/"+GroupIBVendor2ID+"/members", nil).values(t); len(vs) != 0 {
		t.Errorf("members while deleted = %v", vs)
	}

	r := h.do(http.MethodPost, "/directory/deletedItems/"+id+"/restore", nil).mustStatus(t, http.StatusOK).json(t)
	if r["id"] != id || r["userPrincipalName"] != "Vendor2_A_SA@ABC.com" {
		t.Errorf("restore = %v", r)
	}
	if vs := h.do(http.MethodGet, "/groups/"+GroupIBVendor2ID+"/members", nil).values(t); len(vs) != 1 {
		t.Errorf("memberships not restored: %v", vs)
	}
	wantErr(t, h.do(http.MethodPost, "/directory/deletedItems/"+id+"/restore", nil), http.StatusNotFound, CodeResourceNotFound, MsgNotFound(id))

	// Permanent delete frees the UPN.
	h.do(http.MethodDelete, "/users/"+id, nil).mustStatus(t, http.StatusNoContent)
	h.do(http.MethodDelete, "/directory/deletedItems/"+id, nil).mustStatus(t, http.StatusNoContent)
	wantErr(t, h.do(http.MethodDelete, "/directory/deletedItems/"+id, nil), http.StatusNotFound, CodeResourceNotFound, MsgNotFound(id))
	if len(h.srv.DeletedUsers()) != 0 || len(groupByID(t, h, GroupIBVendor2ID).Members) != 0 {
		t.Error("purged user still listed")
	}
	h.createUser("Vendor2_A_SA", nil)
}

// TestRestoreDropsUnseatableLicense: a deleted user's seat is released; if it
// is taken meanwhile, the restore comes back without that license.
func TestRestoreDropsUnseatableLicense(t *testing.T) {
	h := newHarness(t)
	a, b, c := h.createUser("Holo_A", nil), h.createUser("Holo_B", nil), h.createUser("Holo_C", nil)
	for _, id := range []string{a, b} {
		h.do(http.MethodPost, "/users/"+id+"/assignLicense", assign([]string{SKURemoteAssistHoloLens, SKURemoteAssist}, nil)).mustStatus(t, http.StatusOK)
	}
	h.do(http.MethodDelete, "/users/"+a, nil).mustStatus(t, http.StatusNoContent)
	h.do(http.MethodPost, "/users/"+c+"/assignLicense", assign([]string{SKURemoteAssistHoloLens}, nil)).mustStatus(t, http.StatusOK)
	h.do(http.MethodPost, "/directory/deletedItems/"+a+"/restore", nil).mustStatus(t, http.StatusOK)
	u, _ := h.srv.UserByUPN("Holo_A@ABC.com")
	if len(u.AssignedLicenses) != 1 || u.AssignedLicenses[0].SkuID != SKURemoteAssist {
		t.Errorf("licenses after restore = %v", u.AssignedLicenses)
	}
	for _, s := range h.srv.SKUs() {
		if s.ConsumedUnits > s.PrepaidUnits.Enabled {
			t.Errorf("%s over-committed: %d of %d", s.SkuPartNumber, s.ConsumedUnits, s.PrepaidUnits.Enabled)
		}
	}
}
