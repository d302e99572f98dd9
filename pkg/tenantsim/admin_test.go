package tenantsim

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestAdminAPI(t *testing.T) {
	h := newHarness(t)
	h.do(http.MethodPost, "/users/vendorflow@ABC.com/sendMail", mailBody("Vendor@Outlook.com")).mustStatus(t, http.StatusAccepted)

	var users []User
	mustJSON(t, h.do(http.MethodGet, "/_sim/users", nil).mustStatus(t, http.StatusOK).body, &users)
	if len(users) != 4 || users[0].UserPrincipalName != "ava.expert@ABC.com" {
		t.Errorf("users = %+v", users)
	}
	var outbox []Mail
	mustJSON(t, h.do(http.MethodGet, "/_sim/outbox", nil).mustStatus(t, http.StatusOK).body, &outbox)
	if len(outbox) != 1 || outbox[0].To[0] != "Vendor@Outlook.com" {
		t.Errorf("outbox = %+v", outbox)
	}
	var st Stats
	mustJSON(t, h.do(http.MethodGet, "/_sim/stats", nil).mustStatus(t, http.StatusOK).body, &st)
	if st.Routes["POST /users/{id}/sendMail"] != 1 || st.Statuses[202] != 1 {
		t.Errorf("stats = %+v", st)
	}
	var skus []SKU
	mustJSON(t, h.do(http.MethodGet, "/_sim/skus", nil).mustStatus(t, http.StatusOK).body, &skus)
	if len(skus) != 4 || skus[2].ConsumedUnits != 3 {
		t.Errorf("skus = %+v", skus)
	}

	put := h.do(http.MethodPut, "/_sim/faults", []byte(`{"seed":3,"routes":{"*":{"rate503":1}},"replicationLag":"2s","writeQuota":10,"writeWindow":1000}`)).mustStatus(t, http.StatusOK)
	var f Faults
	mustJSON(t, put.body, &f)
	want := Faults{Seed: 3, Routes: map[string]RouteFaults{AllRoutes: {Rate503: 1}}, ReplicationLag: 2 * time.Second, WriteQuota: 10, WriteWindow: time.Second}
	if diff := cmp.Diff(want, h.srv.Faults()); diff != "" {
		t.Errorf("faults (-want +got):\n%s", diff)
	}
	h.do(http.MethodGet, "/groups", nil).mustStatus(t, http.StatusServiceUnavailable)
	h.do(http.MethodPut, "/_sim/faults", []byte(`{"routes":{"*":{"rate429":2}}}`)).mustStatus(t, http.StatusBadRequest)
	h.do(http.MethodPut, "/_sim/faults", []byte(`{"writeWindow":"later"}`)).mustStatus(t, http.StatusBadRequest)
	h.do(http.MethodPut, "/_sim/faults", []byte(`{}`)).mustStatus(t, http.StatusOK)

	h.createUser("Temp_SA", nil)
	h.do(http.MethodPost, "/_sim/reset?seed=empty", nil).mustStatus(t, http.StatusOK)
	if len(h.srv.Users()) != 0 || len(h.srv.Outbox()) != 0 || h.srv.Stats().Requests != 0 {
		t.Error("reset to empty kept state")
	}
	h.do(http.MethodPost, "/_sim/reset", nil).mustStatus(t, http.StatusOK)
	if len(h.srv.Users()) != 4 {
		t.Error("reset to demo did not load the demo tenant")
	}
	h.do(http.MethodPost, "/_sim/reset?seed=huge", nil).mustStatus(t, http.StatusBadRequest)
	h.do(http.MethodDelete, "/_sim/stats", nil).mustStatus(t, http.StatusNoContent)
	h.do(http.MethodGet, "/_sim/nothing", nil).mustStatus(t, http.StatusNotFound)
	h.do(http.MethodPost, "/_sim/users", nil).mustStatus(t, http.StatusMethodNotAllowed)
}

func mustJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

// POST /_sim/signin answers whether a sign-in with a pass would work now:
// only the user's current TAP does.
func TestAdminSignIn(t *testing.T) {
	h := newHarness(t)
	id := h.createUser("Vendor1_A_SA", nil)
	path := "/users/" + id + "/authentication/temporaryAccessPassMethods"
	old := h.do(http.MethodPost, path, map[string]any{"lifetimeInMinutes": 60}).mustStatus(t, http.StatusCreated).json(t)["temporaryAccessPass"].(string)
	cur := h.do(http.MethodPost, path, map[string]any{"lifetimeInMinutes": 60}).mustStatus(t, http.StatusCreated).json(t)["temporaryAccessPass"].(string)
	upn := "Vendor1_A_SA@ABC.com"
	tests := []struct {
		name string
		body string
		code int
		want bool
	}{
		{"current pass", `{"userPrincipalName":"` + upn + `","temporaryAccessPass":"` + cur + `"}`, http.StatusOK, true},
		{"replaced pass", `{"userPrincipalName":"` + upn + `","temporaryAccessPass":"` + old + `"}`, http.StatusOK, false},
		{"other user", `{"userPrincipalName":"ava.expert@ABC.com","temporaryAccessPass":"` + cur + `"}`, http.StatusOK, false},
		{"no such user", `{"userPrincipalName":"ghost@ABC.com","temporaryAccessPass":"` + cur + `"}`, http.StatusOK, false},
		{"unknown field", `{"userPrincipalName":"` + upn + `","password":"x"}`, http.StatusBadRequest, false},
		{"no user", `{"temporaryAccessPass":"x"}`, http.StatusBadRequest, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do(http.MethodPost, "/_sim/signin", []byte(tt.body)).mustStatus(t, tt.code)
			if tt.code != http.StatusOK {
				return
			}
			var got struct{ Valid bool }
			mustJSON(t, r.body, &got)
			if got.Valid != tt.want {
				t.Errorf("valid = %v, want %v", got.Valid, tt.want)
			}
		})
	}
}

// PUT /_sim/seats changes seat counts by part number, all or none.
func TestAdminSeats(t *testing.T) {
	h := newHarness(t)
	seats := func() map[string]int {
		out := map[string]int{}
		for _, k := range h.srv.SKUs() {
			out[k.SkuPartNumber] = k.PrepaidUnits.Enabled
		}
		return out
	}
	before := seats()
	tests := []struct {
		name   string
		body   string
		status int
		want   map[string]int // changed parts
	}{
		{"two parts", `{"MICROSOFT_REMOTE_ASSIST":7,"information_protection_compliance":1}`, http.StatusOK,
			map[string]int{PartRemoteAssist: 7, PartMicrosoft365E5Compliance: 1}},
		{"unknown part changes nothing", `{"MICROSOFT_REMOTE_ASSIST":9,"NO_SUCH_SKU":1}`, http.StatusBadRequest, nil},
		{"negative", `{"MICROSOFT_REMOTE_ASSIST":-1}`, http.StatusBadRequest, nil},
		{"named twice", `{"MICROSOFT_REMOTE_ASSIST":2,"microsoft_remote_assist":3}`, http.StatusBadRequest, nil},
		{"empty", `{}`, http.StatusBadRequest, nil},
		{"not an object", `[1]`, http.StatusBadRequest, nil},
	}
	want := before
	for _, tt := range tests {
		resp := h.do(http.MethodPut, "/_sim/seats", []byte(tt.body)).mustStatus(t, tt.status)
		for part, n := range tt.want {
			want[part] = n
		}
		if diff := cmp.Diff(want, seats()); diff != "" {
			t.Errorf("%s: seats (-want +got):\n%s", tt.name, diff)
		}
		if tt.status == http.StatusOK {
			var skus []SKU
			mustJSON(t, resp.body, &skus)
			if len(skus) != len(before) {
				t.Errorf("%s: answered %d SKUs, want %d", tt.name, len(skus), len(before))
			}
		}
	}
	h.do(http.MethodGet, "/_sim/seats", nil).mustStatus(t, http.StatusMethodNotAllowed)
}
