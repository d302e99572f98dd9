package tenantsim

import (
	"net/http"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func ref(id string) map[string]any {
	return map[string]any{"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/" + id}
}

func TestGroupMembers(t *testing.T) {
	h := newHarness(t)
	id := h.createUser("Vendor1_A_SA", nil)
	members := "/groups/" + GroupIBVendor1ID + "/members"

	h.do(http.MethodPost, members+"/$ref", ref(id)).mustStatus(t, http.StatusNoContent)
	wantErr(t, h.do(http.MethodPost, members+"/$ref", ref(id)), http.StatusBadRequest, CodeRequestBadRequest, MsgAlreadyMember)
	wantErr(t, h.do(http.MethodPost, members+"/$ref", ref("00000000-0000-4000-8000-000000000000")), http.StatusNotFound, CodeResourceNotFound, MsgNotFound("00000000-0000-4000-8000-000000000000"))
	wantErr(t, h.do(http.MethodPost, "/groups/no-such-group/members/$ref", ref(id)), http.StatusNotFound, CodeResourceNotFound, MsgNotFound("no-such-group"))
	wantErr(t, h.do(http.MethodPost, members+"/$ref", map[string]any{}), http.StatusBadRequest, CodeBadRequest, "The request body must contain an '@odata.id' that references a directory object.")

	vs := h.do(http.MethodGet, members, nil).mustStatus(t, http.StatusOK).values(t)
	if len(vs) != 1 || vs[0]["id"] != id || vs[0]["@odata.type"] != "#microsoft.graph.user" {
		t.Errorf("members = %v", vs)
	}
	// Groups hold only users (a group as member is refused), so transitive
	// membership is direct membership.
	wantErr(t, h.do(http.MethodPost, members+"/$ref", ref(GroupIBExpertsID)), http.StatusNotFound, CodeResourceNotFound, MsgNotFound(GroupIBExpertsID))
	for _, rel := range []string{"memberOf", "transitiveMemberOf"} {
		mo := h.do(http.MethodGet, "/users/"+id+"/"+rel, nil).mustStatus(t, http.StatusOK).values(t)
		if len(mo) != 1 || mo[0]["id"] != GroupIBVendor1ID || mo[0]["displayName"] != "IB-Vendor1" || mo[0]["@odata.type"] != "#microsoft.graph.group" {
			t.Errorf("%s = %v", rel, mo)
		}
	}
	if u, _ := h.srv.UserByUPN("Vendor1_A_SA@ABC.com"); !slices.Equal(u.MemberOf, []string{GroupIBVendor1ID}) {
		t.Errorf("MemberOf = %v", u.MemberOf)
	}

	h.do(http.MethodDelete, members+"/"+id+"/$ref", nil).mustStatus(t, http.StatusNoContent)
	wantErr(t, h.do(http.MethodDelete, members+"/"+id+"/$ref", nil), http.StatusNotFound, CodeResourceNotFound, MsgNotFound(id))

	// The SDK's other removal form: DELETE .../members/$ref?@id=<url>.
	h.do(http.MethodPost, members+"/$ref", ref(id)).mustStatus(t, http.StatusNoContent)
	h.do(http.MethodDelete, members+"/$ref?@id=https://graph.microsoft.com/v1.0/directoryObjects/"+id, nil).mustStatus(t, http.StatusNoContent)
	if g := groupByID(t, h, GroupIBVendor1ID); len(g.Members) != 0 {
		t.Errorf("members after removal = %v", g.Members)
	}
}

// TestDeleteMemberWithoutRef reproduces the trap of REFERENCE.md §2: DELETE
// on .../members/{id} without /$ref deletes the user itself.
func TestDeleteMemberWithoutRef(t *testing.T) {
	h := newHarness(t)
	h.do(http.MethodDelete, "/groups/"+GroupIBExpertsID+"/members/"+DemoExpert1ID, nil).mustStatus(t, http.StatusNoContent)
	if _, ok := h.srv.UserByUPN("ava.expert@ABC.com"); ok {
		t.Error("user still live")
	}
	if d := h.srv.DeletedUsers(); len(d) != 1 || d[0].ID != DemoExpert1ID {
		t.Errorf("deleted = %v", d)
	}
}

func TestListGroups(t *testing.T) {
	h := newHarness(t)
	vs := h.do(http.MethodGet, "/groups?$filter=displayName%20eq%20'IB-Experts'&$select=id,displayName", nil).mustStatus(t, http.StatusOK).values(t)
	if diff := cmp.Diff([]map[string]any{{"@odata.type": "#microsoft.graph.group", "id": GroupIBExpertsID, "displayName": "IB-Experts"}}, vs); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
	all := h.do(http.MethodGet, "/groups?$filter=startsWith(displayName,'IB-')", nil).mustStatus(t, http.StatusOK).values(t)
	if len(all) != 4 {
		t.Errorf("IB groups = %d, want 4", len(all))
	}
	g := h.do(http.MethodGet, "/groups/"+GroupIBContractorsID, nil).mustStatus(t, http.StatusOK).json(t)
	if g["displayName"] != "IB-Contractors" || g["securityEnabled"] != true {
		t.Errorf("group = %v", g)
	}
	wantErr(t, h.do(http.MethodGet, "/groups/nope", nil), http.StatusNotFound, CodeResourceNotFound, MsgNotFound("nope"))
	experts := h.do(http.MethodGet, "/groups/"+GroupIBExpertsID+"/members?$select=userPrincipalName", nil).values(t)
	var upns []string
	for _, v := range experts {
		upns = append(upns, v["userPrincipalName"].(string))
	}
	slices.Sort(upns)
	if diff := cmp.Diff([]string{"ava.expert@ABC.com", "ben.expert@ABC.com"}, upns); diff != "" {
		t.Errorf("experts (-want +got):\n%s", diff)
	}
}

func groupByID(t *testing.T, h *harness, id string) Group {
	t.Helper()
	for _, g := range h.srv.Groups() {
		if g.ID == id {
			return g
		}
	}
	t.Fatalf("group %s not found", id)
	return Group{}
}
