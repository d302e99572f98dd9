package tenantsim

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func assign(add []string, remove []string) map[string]any {
	adds := []map[string]any{}
	for _, s := range add {
		adds = append(adds, map[string]any{"skuId": s, "disabledPlans": []string{}})
	}
	if remove == nil {
		remove = []string{}
	}
	return map[string]any{"addLicenses": adds, "removeLicenses": remove}
}

// seats returns part number → [enabled, consumed] from GET /subscribedSkus.
func seats(t *testing.T, h *harness) map[string][2]int {
	t.Helper()
	out := map[string][2]int{}
	for _, v := range h.do(http.MethodGet, "/subscribedSkus", nil).mustStatus(t, http.StatusOK).values(t) {
		pu := v["prepaidUnits"].(map[string]any)
		out[v["skuPartNumber"].(string)] = [2]int{int(pu["enabled"].(float64)), int(v["consumedUnits"].(float64))}
	}
	return out
}

func TestSubscribedSkus(t *testing.T) {
	h := newHarness(t)
	want := map[string][2]int{
		PartRemoteAssist: {5, 0}, PartRemoteAssistHoloLens: {2, 0}, PartMicrosoft365E5: {10, 3}, PartMicrosoft365E5Compliance: {5, 0},
	}
	if diff := cmp.Diff(want, seats(t, h)); diff != "" {
		t.Errorf("seats (-want +got):\n%s", diff)
	}
	v := h.do(http.MethodGet, "/subscribedSkus", nil).values(t)[0]
	if v["skuId"] != SKURemoteAssist || v["id"] != DefaultTenantID+"_"+SKURemoteAssist || v["capabilityStatus"] != "Enabled" || v["appliesTo"] != "User" {
		t.Errorf("first SKU = %v", v)
	}
	var teams bool
	for _, p := range v["servicePlans"].([]any) {
		if p.(map[string]any)["servicePlanName"] == "TEAMS1" && p.(map[string]any)["servicePlanId"] == PlanTeams1 {
			teams = true
		}
	}
	if !teams {
		t.Errorf("Remote Assist lacks TEAMS1: %v", v["servicePlans"])
	}
	wantErr(t, h.do(http.MethodGet, "/subscribedSkus?$filter=skuPartNumber%20eq%20'SPE_E5'", nil), http.StatusBadRequest, CodeBadRequest,
		"Query option 'Filter' is not allowed. To allow it, set the 'AllowedQueryOptions' property on EnableQueryAttribute or QueryValidationSettings.")
}

func TestAssignLicense(t *testing.T) {
	h := newHarness(t)
	id := h.createUser("Vendor1_A_SA", nil)
	r := h.do(http.MethodPost, "/users/"+id+"/assignLicense", assign([]string{SKURemoteAssist, SKUMicrosoft365E5Compliance}, nil)).mustStatus(t, http.StatusOK)
	if r.json(t)["id"] != id {
		t.Errorf("assignLicense body = %s", r.body)
	}
	// Re-assigning is accepted and takes no extra seat.
	h.do(http.MethodPost, "/users/"+id+"/assignLicense", assign([]string{SKURemoteAssist}, nil)).mustStatus(t, http.StatusOK)
	got := seats(t, h)
	if got[PartRemoteAssist] != [2]int{5, 1} || got[PartMicrosoft365E5Compliance] != [2]int{5, 1} {
		t.Errorf("seats = %v", got)
	}
	sel := h.do(http.MethodGet, "/users/"+id+"?$select=assignedLicenses", nil).json(t)["assignedLicenses"]
	want := []any{
		map[string]any{"disabledPlans": []any{}, "skuId": SKUMicrosoft365E5Compliance},
		map[string]any{"disabledPlans": []any{}, "skuId": SKURemoteAssist},
	}
	if diff := cmp.Diff(want, sel); diff != "" {
		t.Errorf("assignedLicenses (-want +got):\n%s", diff)
	}
	h.do(http.MethodPost, "/users/"+id+"/assignLicense", assign(nil, []string{SKUMicrosoft365E5Compliance})).mustStatus(t, http.StatusOK)
	if got := seats(t, h)[PartMicrosoft365E5Compliance]; got != [2]int{5, 0} {
		t.Errorf("compliance seats after removal = %v", got)
	}
	// Deleting the user releases the seat; a restore takes it back.
	h.do(http.MethodDelete, "/users/"+id, nil).mustStatus(t, http.StatusNoContent)
	if got := seats(t, h)[PartRemoteAssist]; got != [2]int{5, 0} {
		t.Errorf("seats after delete = %v", got)
	}
	h.do(http.MethodPost, "/directory/deletedItems/"+id+"/restore", nil).mustStatus(t, http.StatusOK)
	if got := seats(t, h)[PartRemoteAssist]; got != [2]int{5, 1} {
		t.Errorf("seats after restore = %v", got)
	}
}

func TestAssignLicenseErrors(t *testing.T) {
	h := newHarness(t)
	noLoc := h.createUserWithout("NoLocation_SA", "usageLocation")
	var ids []string
	for _, n := range []string{"A", "B", "C"} {
		ids = append(ids, h.createUser("Holo_"+n, nil))
	}
	h.do(http.MethodPost, "/users/"+ids[0]+"/assignLicense", assign([]string{SKURemoteAssistHoloLens}, nil)).mustStatus(t, http.StatusOK)
	h.do(http.MethodPost, "/users/"+ids[1]+"/assignLicense", assign([]string{SKURemoteAssistHoloLens}, nil)).mustStatus(t, http.StatusOK)
	unknown := "11111111-2222-4333-8444-555555555555"
	tests := []struct {
		name   string
		user   string
		body   any
		status int
		code   string
		msg    string
	}{
		{"no usage location", noLoc, assign([]string{SKURemoteAssist}, nil), 400, CodeRequestBadRequest, MsgInvalidUsageLocation},
		{"no free seat", ids[2], assign([]string{SKURemoteAssistHoloLens}, nil), 400, CodeRequestBadRequest, "Subscription with SKU e48328a2-8e98-4484-a70f-a99f8ac9ec89 does not have any available licenses."},
		{"unknown SKU", ids[2], assign([]string{unknown}, nil), 400, CodeRequestBadRequest, "License " + unknown + " does not correspond to a valid company License."},
		{"remove unassigned", ids[2], assign(nil, []string{SKURemoteAssist}), 400, CodeRequestBadRequest, "User does not have a corresponding license."},
		{"missing removeLicenses", ids[2], map[string]any{"addLicenses": []any{}}, 400, CodeBadRequest, "One or more parameters of the operation 'assignLicense' are missing from the request payload. The missing parameters are: removeLicenses."},
		{"unknown user", "ghost@ABC.com", assign([]string{SKURemoteAssist}, nil), 404, CodeResourceNotFound, MsgNotFound("ghost@ABC.com")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, h.do(http.MethodPost, "/users/"+tt.user+"/assignLicense", tt.body), tt.status, tt.code, tt.msg)
		})
	}
	// A failed request changes nothing, even when part of it was valid.
	wantErr(t, h.do(http.MethodPost, "/users/"+ids[2]+"/assignLicense", assign([]string{SKURemoteAssist, SKURemoteAssistHoloLens}, nil)),
		400, CodeRequestBadRequest, MsgNoSeats(SKURemoteAssistHoloLens))
	if got := seats(t, h)[PartRemoteAssist]; got != [2]int{5, 0} {
		t.Errorf("Remote Assist seats after failed request = %v", got)
	}
	// Removals apply before additions: swapping a HoloLens seat for Remote
	// Assist frees the HoloLens seat for the next user.
	h.do(http.MethodPost, "/users/"+ids[0]+"/assignLicense", assign([]string{SKURemoteAssist}, []string{SKURemoteAssistHoloLens})).mustStatus(t, http.StatusOK)
	h.do(http.MethodPost, "/users/"+ids[2]+"/assignLicense", assign([]string{SKURemoteAssistHoloLens}, nil)).mustStatus(t, http.StatusOK)
}

// TestUsageLocationLag: right after a PATCH of usageLocation, assignLicense
// still sees the old (empty) value for ReplicationLag (REFERENCE.md §2).
func TestUsageLocationLag(t *testing.T) {
	h := newHarness(t)
	id := h.createUserWithout("Late_SA", "usageLocation")
	h.srv.SetFaults(Faults{ReplicationLag: 30 * time.Second})
	h.clock.Advance(time.Minute) // the user itself has replicated
	h.do(http.MethodPatch, "/users/"+id, map[string]any{"usageLocation": "de"}).mustStatus(t, http.StatusNoContent)
	wantErr(t, h.do(http.MethodPost, "/users/"+id+"/assignLicense", assign([]string{SKURemoteAssist}, nil)), 400, CodeRequestBadRequest, MsgInvalidUsageLocation)
	if n := h.srv.Stats().Faults[FaultReplicationLag]; n != 1 {
		t.Errorf("replication-lag faults = %d, want 1", n)
	}
	h.clock.Advance(30 * time.Second)
	h.do(http.MethodPost, "/users/"+id+"/assignLicense", assign([]string{SKURemoteAssist}, nil)).mustStatus(t, http.StatusOK)
	if u, _ := h.srv.UserByUPN("Late_SA@ABC.com"); u.UsageLocation != "DE" {
		t.Errorf("usageLocation = %q, want DE", u.UsageLocation)
	}
}
