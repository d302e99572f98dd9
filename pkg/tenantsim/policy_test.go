package tenantsim

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// widest gives h's tenant the widest TAP policy Graph allows.
func widest(t *testing.T, h *harness) {
	t.Helper()
	if err := h.srv.SetTAPPolicy(PermissiveTAPPolicy()); err != nil {
		t.Fatal(err)
	}
}

const tapPolicyPath = "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass"

func TestTAPPolicyRead(t *testing.T) {
	h := newHarness(t)
	got := h.do(http.MethodGet, tapPolicyPath, nil).mustStatus(t, http.StatusOK).json(t)
	want := map[string]any{
		"@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration",
		"id":          "TemporaryAccessPass", "state": "enabled",
		"minimumLifetimeInMinutes": float64(60), "maximumLifetimeInMinutes": float64(480),
		"defaultLifetimeInMinutes": float64(60), "defaultLength": float64(8), "isUsableOnce": false,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	inc, _ := got["includeTargets"].([]any)
	if len(inc) != 1 || inc[0].(map[string]any)["id"] != AllUsersTarget {
		t.Errorf("includeTargets = %v", got["includeTargets"])
	}
	h.do(http.MethodGet, "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Fido2", nil).mustStatus(t, http.StatusNotFound)
}

// TestTAPPolicyRefusals: creating a pass is refused, each with its reason,
// when the policy is off, the user is outside its targets or excluded, the
// lifetime is outside its range, or a reusable pass meets a one-time
// policy; and allowed again when the policy allows it.
func TestTAPPolicyRefusals(t *testing.T) {
	tests := []struct {
		name   string
		policy func(p *TAPPolicy, user string)
		body   map[string]any
		want   string // "" = created
	}{
		{"entra defaults", func(*TAPPolicy, string) {}, map[string]any{"lifetimeInMinutes": 480}, ""},
		{"default lifetime from the policy", func(*TAPPolicy, string) {}, map[string]any{}, ""},
		{"disabled", func(p *TAPPolicy, _ string) { p.State = "disabled" }, map[string]any{}, "is disabled"},
		{"lifetime above the maximum", func(*TAPPolicy, string) {}, map[string]any{"lifetimeInMinutes": 481}, "between 60 and 480"},
		{"lifetime below the minimum", func(*TAPPolicy, string) {}, map[string]any{"lifetimeInMinutes": 59}, "between 60 and 480"},
		{"out of scope", func(p *TAPPolicy, _ string) {
			p.IncludeTargets = []TAPTarget{{TargetType: "group", ID: GroupIBExpertsID}}
		}, map[string]any{}, "not in the scope"},
		{"in an include group", func(p *TAPPolicy, _ string) {
			p.IncludeTargets = []TAPTarget{{TargetType: "group", ID: GroupIBVendor1ID}}
		}, map[string]any{}, ""},
		{"excluded", func(p *TAPPolicy, _ string) {
			p.ExcludeTargets = []TAPTarget{{TargetType: "group", ID: GroupIBVendor1ID}}
		}, map[string]any{}, "not in the scope"},
		{"one-time policy, reusable pass", func(p *TAPPolicy, _ string) { p.IsUsableOnce = true }, map[string]any{"isUsableOnce": false}, "one-time"},
		{"one-time policy, one-time pass", func(p *TAPPolicy, _ string) { p.IsUsableOnce = true }, map[string]any{"isUsableOnce": true}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			id := h.createUser("Vendor1_A_SA", nil)
			h.do(http.MethodPost, "/groups/"+GroupIBVendor1ID+"/members/$ref",
				map[string]any{"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/" + id}).mustStatus(t, http.StatusNoContent)
			p := h.srv.TAPPolicy()
			tt.policy(&p, id)
			if err := h.srv.SetTAPPolicy(p); err != nil {
				t.Fatal(err)
			}
			r := h.do(http.MethodPost, "/users/"+id+"/authentication/temporaryAccessPassMethods", tt.body)
			if tt.want == "" {
				r.mustStatus(t, http.StatusCreated)
				return
			}
			status, code, msg := r.graphErr(t)
			if status != http.StatusBadRequest || code != CodeTAPBadRequest || !strings.Contains(msg, tt.want) {
				t.Errorf("got %d %s %q, want 400 %s containing %q", status, code, msg, CodeTAPBadRequest, tt.want)
			}
		})
	}
}

func TestTAPPolicyValidateAndAdmin(t *testing.T) {
	h := newHarness(t)
	bad := []func(*TAPPolicy){
		func(p *TAPPolicy) { p.State = "on" },
		func(p *TAPPolicy) { p.MinimumLifetimeInMinutes = 9 },
		func(p *TAPPolicy) { p.MaximumLifetimeInMinutes = 43201 },
		func(p *TAPPolicy) { p.DefaultLifetimeInMinutes = 500 },
		func(p *TAPPolicy) { p.DefaultLength = 7 },
		func(p *TAPPolicy) { p.IncludeTargets = []TAPTarget{{TargetType: "user", ID: "x"}} },
	}
	for i, f := range bad {
		p := EntraDefaultTAPPolicy()
		f(&p)
		if err := h.srv.SetTAPPolicy(p); err == nil {
			t.Errorf("bad policy %d accepted: %+v", i, p)
		}
	}
	off := EntraDefaultTAPPolicy()
	off.State = "disabled"
	b, _ := json.Marshal(off)
	h.do(http.MethodPut, "/_sim/tap-policy", b).mustStatus(t, http.StatusOK)
	if got := h.srv.TAPPolicy(); got.State != "disabled" {
		t.Errorf("after PUT: %+v", got)
	}
	h.do(http.MethodPut, "/_sim/tap-policy", []byte(`{"state":"enabled","bogus":1}`)).mustStatus(t, http.StatusBadRequest)
}

// TestRoles: with a reduced role set, a route none of whose permissions the
// app holds answers 403 like Graph, the others still work, and the token
// carries exactly the held roles.
func TestRoles(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Roles = []string{"User.Read.All"} })
	h.do(http.MethodGet, "/users", nil).mustStatus(t, http.StatusOK)
	wantErr(t, h.do(http.MethodGet, "/subscribedSkus", nil), http.StatusForbidden, CodeAuthorizationRequestDenied, MsgInsufficientPrivileges)
	wantErr(t, h.do(http.MethodGet, tapPolicyPath, nil), http.StatusForbidden, CodeAuthorizationRequestDenied, MsgInsufficientPrivileges)
	wantErr(t, h.do(http.MethodPost, "/users", newUserBody("Vendor1_A_SA")), http.StatusForbidden, CodeAuthorizationRequestDenied, MsgInsufficientPrivileges)
	wantErr(t, h.do(http.MethodPost, "/users/vendorflow@ABC.com/sendMail", mailBody("Vendor@Outlook.com")), http.StatusForbidden, CodeErrorAccessDenied, MsgAccessDenied)
	if len(h.srv.Outbox()) != 0 {
		t.Error("a refused sendMail sent mail")
	}

	var tok Token
	mustJSON(t, h.do(http.MethodPost, "/_sim/token", nil).mustStatus(t, http.StatusOK).body, &tok)
	parts := strings.Split(tok.AccessToken, ".")
	if len(parts) != 3 || tok.TokenType != "Bearer" {
		t.Fatalf("token = %+v", tok)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		Roles []string `json:"roles"`
		Tid   string   `json:"tid"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(claims.Roles, []string{"User.Read.All"}) || claims.Tid != DefaultTenantID {
		t.Errorf("claims = %+v", claims)
	}

	// employeeLeaveDateTime needs User-LifeCycleInfo.ReadWrite.All on top of User.ReadWrite.All.
	h.srv.SetRoles([]string{"User.ReadWrite.All"})
	withEnd := newUserBody("Vendor1_B_SA")
	withEnd["employeeLeaveDateTime"] = "2027-01-01T00:00:00Z"
	wantErr(t, h.do(http.MethodPost, "/users", withEnd), http.StatusForbidden, CodeAuthorizationRequestDenied, MsgInsufficientPrivileges)
	h.do(http.MethodPost, "/users", newUserBody("Vendor1_C_SA")).mustStatus(t, http.StatusCreated)
	h.srv.SetRoles([]string{"User.ReadWrite.All", "User-LifeCycleInfo.ReadWrite.All"})
	h.do(http.MethodPost, "/users", withEnd).mustStatus(t, http.StatusCreated)

	h.do(http.MethodPut, "/_sim/roles", []byte(`null`)).mustStatus(t, http.StatusOK)
	h.do(http.MethodGet, "/subscribedSkus", nil).mustStatus(t, http.StatusOK)
	if !slices.Equal(h.srv.Roles(), KnownRoles()) {
		t.Errorf("roles after reset = %v", h.srv.Roles())
	}
	for _, r := range []string{"User.ReadWrite.All", "User-LifeCycleInfo.ReadWrite.All", "Mail.Send", "Policy.Read.AuthenticationMethod", "GroupMember.Read.All"} {
		if !slices.Contains(KnownRoles(), r) {
			t.Errorf("KnownRoles lacks %s", r)
		}
	}
}

// TestEveryRouteNeedsARole: no Graph route is open to an app without
// permissions (a new route must be given its permissions in roles.go).
func TestEveryRouteNeedsARole(t *testing.T) {
	for _, r := range routeTable() {
		if r.batch {
			continue
		}
		if len(routeRoles(r.key)) == 0 {
			t.Errorf("%s needs no permission", r.key)
		}
	}
}
