package tenantsim

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestRouting(t *testing.T) {
	h := newHarness(t)
	wantErr(t, h.do(http.MethodGet, "/widgets", nil), http.StatusBadRequest, CodeBadRequest, "Resource not found for the segment 'widgets'.")
	wantErr(t, h.do(http.MethodGet, "/users/"+DemoExpert1ID+"/photos", nil), http.StatusBadRequest, CodeBadRequest, "Resource not found for the segment 'photos'.")
	r := h.do(http.MethodPut, "/users/"+DemoExpert1ID, map[string]any{})
	wantErr(t, r, http.StatusMethodNotAllowed, CodeRequestBadRequest, MsgMethodNotAllowed)
	if a := r.header.Get("Allow"); a != "GET, PATCH, DELETE" {
		t.Errorf("Allow = %q", a)
	}
	wantErr(t, h.do(http.MethodGet, h.hs.URL+"/beta/users", nil), http.StatusBadRequest, CodeBadRequest, "Invalid version: beta")
	// Segments are case-insensitive, like Graph's.
	h.do(http.MethodGet, "/Users/"+DemoExpert1ID, nil).mustStatus(t, http.StatusOK)
	r = h.do(http.MethodGet, "/users/"+DemoExpert1ID, nil, header("client-request-id", "abc-123"))
	if r.header.Get("client-request-id") != "abc-123" || r.header.Get("request-id") == "" {
		t.Errorf("ids = %q / %q", r.header.Get("client-request-id"), r.header.Get("request-id"))
	}
	e := h.do(http.MethodGet, "/users/nobody", nil, header("client-request-id", "abc-123")).json(t)["error"].(map[string]any)["innerError"].(map[string]any)
	if e["client-request-id"] != "abc-123" || e["date"] != "2026-03-02T10:00:00" {
		t.Errorf("innerError = %v", e)
	}
	if st := h.srv.Stats(); st.Routes[unmatchedRoute] != 3 || st.Statuses[405] != 1 {
		t.Errorf("stats = %+v", st)
	}
}

func TestRequestBodies(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.MaxBodyBytes = 4096 })
	// gzip (msgraph-sdk-go's default) is accepted.
	h.do(http.MethodPost, "/users", gzipped(t, newUserBody("Zipped_SA")), header("Content-Encoding", "gzip")).mustStatus(t, http.StatusCreated)
	wantErr(t, h.do(http.MethodPost, "/users", []byte("not gzip"), header("Content-Encoding", "gzip")), http.StatusBadRequest, CodeBadRequest, "The request body is not valid gzip data.")
	wantErr(t, h.do(http.MethodPost, "/users", newUserBody("Br_SA"), header("Content-Encoding", "br")), http.StatusUnsupportedMediaType, CodeUnsupportedMediaType, "Content-Encoding 'br' is not supported.")
	big := newUserBody("Big_SA")
	big["displayName"] = strings.Repeat("x", 5000)
	wantErr(t, h.do(http.MethodPost, "/users", big), http.StatusRequestEntityTooLarge, CodeRequestEntityTooLarge, "The request body exceeds 4096 bytes.")
	// A gzip bomb is cut off after decompression too.
	bomb := newUserBody("Bomb_SA")
	bomb["displayName"] = strings.Repeat("y", 100000)
	z := gzipped(t, bomb)
	if len(z) > 4096 {
		t.Fatalf("compressed bomb is %d bytes", len(z))
	}
	wantErr(t, h.do(http.MethodPost, "/users", z, header("Content-Encoding", "gzip")), http.StatusRequestEntityTooLarge, CodeRequestEntityTooLarge, "The request body exceeds 4096 bytes.")
	if _, ok := h.srv.UserByUPN("Br_SA@ABC.com"); ok {
		t.Error("415'd body created a user")
	}
}

func TestRequireAuth(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.RequireAuth = true })
	for _, auth := range []string{"", "Bearer", "Bearer   ", "Basic dXNlcjpwYXNz"} {
		r := h.do(http.MethodGet, "/users", nil, header("Authorization", auth))
		wantErr(t, r, http.StatusUnauthorized, CodeInvalidAuthenticationToken, MsgTokenEmpty)
		if r.header.Get("WWW-Authenticate") == "" {
			t.Error("no WWW-Authenticate")
		}
	}
	h.do(http.MethodGet, "/users", nil, header("Authorization", "Bearer token")).mustStatus(t, http.StatusOK)
	// The admin API needs no token.
	h.do(http.MethodGet, "/_sim/users", nil).mustStatus(t, http.StatusOK)
}

func TestRouteTemplates(t *testing.T) {
	rs := RouteTemplates()
	for _, want := range []string{"POST /users/{id}/assignLicense", "POST /groups/{id}/members/$ref", "DELETE /groups/{id}/members/{memberId}/$ref",
		"DELETE /users/{id}/authentication/temporaryAccessPassMethods/{methodId}", "POST /$batch", "GET /directory/deletedItems/microsoft.graph.user"} {
		if !slices.Contains(rs, want) {
			t.Errorf("RouteTemplates lacks %q", want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	bad := []Config{
		{},
		{Domain: "nodot"},
		{Domain: "bad domain.com"},
		{Domain: "ABC.com", PageSize: 1000},
		{Domain: "ABC.com", Faults: Faults{WriteQuota: 1}},
	}
	for i, c := range bad {
		c.SetDefaults()
		if c.Validate() == nil {
			t.Errorf("%d: %+v accepted", i, c)
		}
		if _, err := New(c); err == nil {
			t.Errorf("%d: New accepted %+v", i, c)
		}
	}
	c := Config{Domain: "ABC.com"}
	c.SetDefaults()
	if err := c.Validate(); err != nil || c.PageSize != DefaultPageSize || c.TenantID != DefaultTenantID {
		t.Errorf("defaults: %+v, %v", c, err)
	}
}

// TestLogsNoSecrets: debug logs never carry bodies, passwords or TAPs.
func TestLogsNoSecrets(t *testing.T) {
	var buf bytes.Buffer
	h := newHarness(t, func(c *Config) { c.Logger = newTestLogger(&buf) })
	id := h.createUser("Logged_SA", nil)
	tap := h.do(http.MethodPost, "/users/"+id+"/authentication/temporaryAccessPassMethods", map[string]any{}).json(t)["temporaryAccessPass"].(string)
	out := buf.String()
	if !strings.Contains(out, "POST /users") {
		t.Fatalf("no request log: %s", out)
	}
	for _, secret := range []string{"Str0ng!Passw0rd", tap} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains a secret %q", secret)
		}
	}
}
