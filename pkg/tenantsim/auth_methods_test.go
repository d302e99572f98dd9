package tenantsim

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestTemporaryAccessPass(t *testing.T) {
	h := newHarness(t)
	widest(t, h) // the test asks for a 10-minute pass
	id := h.createUser("Vendor1_A_SA", nil)
	path := "/users/" + id + "/authentication/temporaryAccessPassMethods"

	first := h.do(http.MethodPost, path, map[string]any{"lifetimeInMinutes": 60, "isUsableOnce": false}).mustStatus(t, http.StatusCreated).json(t)
	pass1, _ := first["temporaryAccessPass"].(string)
	if len(pass1) != tapLength || first["isUsable"] != true || first["lifetimeInMinutes"] != float64(60) || first["methodUsabilityReason"] != "EnabledByPolicy" {
		t.Fatalf("create = %v", first)
	}
	if !h.srv.TAPValid(id, pass1) || !h.srv.TAPValid("vendor1_a_sa@abc.com", pass1) {
		t.Error("TAPValid(first) = false")
	}
	if h.srv.TAPValid(id, pass1+"x") || h.srv.TAPValid(id, "") || h.srv.TAPValid(DemoExpert1ID, pass1) {
		t.Error("TAPValid accepts a wrong pass or user")
	}

	// The value is returned only at creation.
	list := h.do(http.MethodGet, path, nil).mustStatus(t, http.StatusOK)
	vs := list.values(t)
	if len(vs) != 1 || vs[0]["temporaryAccessPass"] != nil || strings.Contains(string(list.body), pass1) {
		t.Errorf("list = %s", list.body)
	}
	got := h.do(http.MethodGet, path+"/"+first["id"].(string), nil).mustStatus(t, http.StatusOK)
	if strings.Contains(string(got.body), pass1) {
		t.Errorf("GET returns the value: %s", got.body)
	}

	// A new TAP replaces the old one.
	second := h.do(http.MethodPost, path, map[string]any{"lifetimeInMinutes": 10, "isUsableOnce": true}).mustStatus(t, http.StatusCreated).json(t)
	pass2 := second["temporaryAccessPass"].(string)
	if h.srv.TAPValid(id, pass1) || !h.srv.TAPValid(id, pass2) {
		t.Error("old TAP still valid or new TAP invalid")
	}
	if vs := h.do(http.MethodGet, path, nil).values(t); len(vs) != 1 || vs[0]["id"] != second["id"] {
		t.Errorf("list after replace = %v", vs)
	}
	wantErr(t, h.do(http.MethodGet, path+"/"+first["id"].(string), nil), http.StatusNotFound, CodeResourceNotFound, MsgNotFound(first["id"].(string)))

	// It expires with the clock.
	h.clock.Advance(10 * time.Minute)
	if h.srv.TAPValid(id, pass2) {
		t.Error("expired TAP is valid")
	}
	if v := h.do(http.MethodGet, path, nil).values(t)[0]; v["isUsable"] != false || v["methodUsabilityReason"] != "Expired" {
		t.Errorf("expired TAP = %v", v)
	}

	// Deleting a usable TAP revokes sessions; deleting again is 404.
	third := h.do(http.MethodPost, path, map[string]any{}).mustStatus(t, http.StatusCreated).json(t)
	h.clock.Advance(time.Minute)
	h.do(http.MethodDelete, path+"/"+third["id"].(string), nil).mustStatus(t, http.StatusNoContent)
	if u, _ := h.srv.UserByUPN("Vendor1_A_SA@ABC.com"); !u.SignInSessionsValidFromDateTime.Equal(h.clock.Now()) {
		t.Errorf("sessions not revoked: %v", u.SignInSessionsValidFromDateTime)
	}
	if h.srv.TAPValid(id, third["temporaryAccessPass"].(string)) {
		t.Error("deleted TAP is valid")
	}
	wantErr(t, h.do(http.MethodDelete, path+"/"+third["id"].(string), nil), http.StatusNotFound, CodeResourceNotFound, MsgNotFound(third["id"].(string)))
}

func TestTemporaryAccessPassErrors(t *testing.T) {
	h := newHarness(t)
	widest(t, h) // Graph's own range, 10..43200
	id := h.createUser("Vendor1_A_SA", nil)
	path := "/users/" + id + "/authentication/temporaryAccessPassMethods"
	for _, lifetime := range []int{9, 43201, 0, -5} {
		wantErr(t, h.do(http.MethodPost, path, map[string]any{"lifetimeInMinutes": lifetime}), http.StatusBadRequest, CodeTAPBadRequest,
			"Invalid LifetimeInMinutes specified. The valid range between 10 and 43200.")
	}
	for _, lifetime := range []int{10, 43200} {
		h.do(http.MethodPost, path, map[string]any{"lifetimeInMinutes": lifetime}).mustStatus(t, http.StatusCreated)
	}
	wantErr(t, h.do(http.MethodPost, "/users/ghost@ABC.com/authentication/temporaryAccessPassMethods", map[string]any{}), http.StatusNotFound, CodeResourceNotFound, MsgNotFound("ghost@ABC.com"))
}

func TestTAPValuesAreRandom(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		v, err := newTAPValue()
		if err != nil {
			t.Fatal(err)
		}
		if len(v) != tapLength || strings.Trim(v, tapAlphabet) != "" {
			t.Fatalf("value %q outside the alphabet or length", v)
		}
		if seen[v] {
			t.Fatalf("duplicate value %q in 200 draws", v)
		}
		seen[v] = true
	}
}
