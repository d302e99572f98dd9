package devhost

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vendorflow/vendorflow/pkg/funchost"
)

func TestFrontDoorForwardsAndTranslates(t *testing.T) {
	clk := newFakeClock(t0)
	q := openQueue(t, clk, 0)
	srv, calls := fakeHandler(t, func(c call) (int, any) {
		if c.path == "/deadletters" {
			return http.StatusInternalServerError, map[string]any{}
		}
		return http.StatusOK, map[string]any{"Outputs": map[string]any{"res": funchost.HTTPOutput{
			StatusCode: 201, Headers: map[string]string{"Content-Type": "application/json", "X-Test": "1"}, Body: `{"ok":true}`,
		}}}
	})
	h, invs := startHost(t, Config{Queue: q, HandlerURL: srv.URL, Clock: clk, Functions: onlyFunctions("status", "deadletters"), AdminToken: testToken})
	base := h.FrontDoorURL()

	resp, err := get(base + "/api/status/r-42?verbose=1&verbose=2")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 || string(got) != `{"ok":true}` || resp.Header.Get("X-Test") != "1" || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("response %d %q %v", resp.StatusCode, got, resp.Header)
	}
	c := next(t, calls)
	r, _ := http.NewRequest(http.MethodPost, "http://x"+c.path, bytes.NewReader(c.body))
	req, err := funchost.DecodeHTTP(r, "req")
	if err != nil {
		t.Fatal(err)
	}
	gotReq := map[string]any{"path": c.path, "method": req.Method, "params": req.Params, "query": req.Query, "url": req.URL}
	wantReq := map[string]any{"path": "/status", "method": "GET", "params": map[string]string{"requestId": "r-42"},
		"query": map[string]string{"verbose": "1,2"}, "url": base + "/api/status/r-42?verbose=1&verbose=2"}
	if diff := cmp.Diff(wantReq, gotReq); diff != "" {
		t.Errorf("forwarded request (-want +got):\n%s", diff)
	}
	next(t, invs)

	post, err := send(http.MethodPost, base+"/api/deadletters/replay", strings.NewReader(`{"all":true}`), KeyHeader, testToken)
	if err != nil {
		t.Fatal(err)
	}
	post.Body.Close()
	if post.StatusCode != 500 {
		t.Errorf("failed invocation answered %d, want 500", post.StatusCode)
	}
	c = next(t, calls)
	r, _ = http.NewRequest(http.MethodPost, "http://x"+c.path, bytes.NewReader(c.body))
	if req, err = funchost.DecodeHTTP(r, "req"); err != nil || string(req.Body) != `{"all":true}` || req.Params["action"] != "replay" {
		t.Errorf("deadletters request %+v, %v", req, err)
	}
	if inv := next(t, invs); inv.Outcome != OutcomeFailed {
		t.Errorf("invocation = %+v", inv)
	}

	for path, want := range map[string]int{"/api/nothing": 404, "/status/r-1": 404, "/api/status": 404} {
		resp, err := get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s = %d, want %d", path, resp.StatusCode, want)
		}
	}
	resp, err = send(http.MethodDelete, base+"/api/status/r-1", nil, KeyHeader, testToken)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 {
		t.Errorf("DELETE status = %d, want 405", resp.StatusCode)
	}
}

const testToken = "test-admin-token"

// get sends GET url with the admin token.
func get(url string) (*http.Response, error) {
	return send(http.MethodGet, url, nil, KeyHeader, testToken)
}

func send(method, url string, body io.Reader, header, value string) (*http.Response, error) {
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		return nil, err
	}
	if header != "" {
		req.Header.Set(header, value)
	}
	return http.DefaultClient.Do(req)
}

// The ops routes need the admin token: without it, or with a wrong one,
// they answer 401 and the handler is not invoked; with it, in either
// header, they are served, and the token is not passed on to the handler.
// A host without a token refuses them to everyone.
func TestFrontDoorNeedsTheAdminToken(t *testing.T) {
	clk := newFakeClock(t0)
	q := openQueue(t, clk, 0)
	srv, calls := fakeHandler(t, func(c call) (int, any) {
		return http.StatusOK, map[string]any{"Outputs": map[string]any{"res": funchost.HTTPOutput{StatusCode: 200, Body: `{}`}}}
	})
	for _, tt := range []struct {
		name          string
		token         string // the host's
		header, value string // the request's
		want          int
	}{
		{"no token sent", testToken, "", "", 401},
		{"wrong token", testToken, KeyHeader, "guess", 401},
		{"wrong scheme", testToken, "Authorization", "Basic " + testToken, 401},
		{"function key header", testToken, KeyHeader, testToken, 200},
		{"bearer token", testToken, "Authorization", "Bearer " + testToken, 200},
		{"host without a token", "", KeyHeader, "", 401},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := startHost(t, Config{Queue: q, HandlerURL: srv.URL, Clock: clk, Functions: onlyFunctions("status", "deadletters"), AdminToken: tt.token})
			for _, path := range []string{"/api/status/r-1", "/api/deadletters"} {
				resp, err := send(http.MethodGet, h.FrontDoorURL()+path, nil, tt.header, tt.value)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != tt.want {
					t.Fatalf("GET %s = %d, want %d", path, resp.StatusCode, tt.want)
				}
				if tt.want != 200 {
					continue
				}
				c := next(t, calls)
				r, _ := http.NewRequest(http.MethodPost, "http://x"+c.path, bytes.NewReader(c.body))
				req, err := funchost.DecodeHTTP(r, "req")
				if err != nil {
					t.Fatal(err)
				}
				for k := range req.Headers {
					if strings.EqualFold(k, KeyHeader) || strings.EqualFold(k, "Authorization") {
						t.Errorf("the handler was given the %s header", k)
					}
				}
			}
		})
	}
	select {
	case c := <-calls:
		t.Fatalf("the handler was invoked for a refused request: %+v", c)
	default:
	}
}

func TestMatchRoute(t *testing.T) {
	tests := []struct {
		route, path string
		want        map[string]string
		ok          bool
	}{
		{"status/{requestId}", "status/r-1", map[string]string{"requestId": "r-1"}, true},
		{"status/{requestId}", "status", nil, false},
		{"status/{requestId}", "status/a/b", nil, false},
		{"deadletters/{action?}/{id?}", "deadletters", map[string]string{}, true},
		{"deadletters/{action?}/{id?}", "DeadLetters/replay/m-1", map[string]string{"action": "replay", "id": "m-1"}, true},
		{"items/{id:int}", "items/7", map[string]string{"id": "7"}, true},
		{"status/{requestId}", "other/r-1", nil, false},
		// a last {*name} takes the rest of the path, or nothing
		{"console/{*path}", "console", map[string]string{}, true},
		{"console/{*path}", "console/", map[string]string{}, true},
		{"console/{*path}", "console/requests", map[string]string{"path": "requests"}, true},
		{"console/{*path}", "Console/requests/r-1/", map[string]string{"path": "requests/r-1"}, true},
		{"console/{*path}", "console/deadletters/a b/c", map[string]string{"path": "deadletters/a b/c"}, true},
		{"console/{**path}", "console/static/console.css", map[string]string{"path": "static/console.css"}, true},
		{"console/{*path:alpha}", "console/x", map[string]string{"path": "x"}, true},
		{"console/{*path}", "consoles/requests", nil, false},
		{"console/{*path}", "status/r-1", nil, false},
		{"a/{id}/{*rest}", "a/1/x/y", map[string]string{"id": "1", "rest": "x/y"}, true},
		{"a/{id}/{*rest}", "a", nil, false},
	}
	for _, tt := range tests {
		got, ok := matchRoute(tt.route, tt.path)
		if ok != tt.ok || (ok && !cmp.Equal(tt.want, got)) {
			t.Errorf("matchRoute(%q, %q) = %v, %v; want %v, %v", tt.route, tt.path, got, ok, tt.want, tt.ok)
		}
	}
}

// The console is an anonymous function with a catch-all route: every path
// under /api/console is forwarded without the admin token (the console
// authenticates its callers itself), with the caller's headers, the
// token's among them, and the console's reply (a cookie, HTML) comes back
// as it was.
func TestFrontDoorForwardsTheConsole(t *testing.T) {
	clk := newFakeClock(t0)
	q := openQueue(t, clk, 0)
	srv, calls := fakeHandler(t, func(c call) (int, any) {
		return http.StatusOK, map[string]any{"Outputs": map[string]any{"res": funchost.HTTPOutput{
			StatusCode: 303,
			Headers:    map[string]string{"Content-Type": "text/html; charset=utf-8", "Location": "/api/console/requests", "Set-Cookie": "s=v; HttpOnly"},
			Body:       "<p>signed in</p>",
		}}}
	})
	h, _ := startHost(t, Config{Queue: q, HandlerURL: srv.URL, Clock: clk, Functions: onlyFunctions("status", "console"), AdminToken: testToken})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	tests := []struct {
		method, path  string
		header, value string
		wantParams    map[string]string
	}{
		{http.MethodGet, "/api/console/", "", "", map[string]string{}},
		{http.MethodGet, "/api/console/requests/r-1", "", "", map[string]string{"path": "requests/r-1"}},
		{http.MethodGet, "/api/console/deadletters/m%2F1", KeyHeader, testToken, map[string]string{"path": "deadletters/m/1"}},
		{http.MethodPost, "/api/console/signin", "Authorization", "Bearer " + testToken, map[string]string{"path": "signin"}},
	}
	for _, tt := range tests {
		req, err := http.NewRequest(tt.method, h.FrontDoorURL()+tt.path, strings.NewReader("token=x"))
		if err != nil {
			t.Fatal(err)
		}
		if tt.header != "" {
			req.Header.Set(tt.header, tt.value)
		}
		// headers only App Service authentication sets never get through
		req.Header.Set("X-MS-CLIENT-PRINCIPAL-NAME", "mallory@example.com")
		req.Header.Set("X-Ms-Client-Principal-Id", "made-up")
		req.Header.Set("X-MS-CLIENT-PRINCIPAL", "e30=")
		req.Header.Set("X-MS-TOKEN-AAD-ID-TOKEN", "made-up")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 303 || string(body) != "<p>signed in</p>" || resp.Header.Get("Set-Cookie") != "s=v; HttpOnly" ||
			resp.Header.Get("Location") != "/api/console/requests" {
			t.Errorf("%s %s: %d %q %v", tt.method, tt.path, resp.StatusCode, body, resp.Header)
		}
		c := next(t, calls)
		r, _ := http.NewRequest(http.MethodPost, "http://x"+c.path, bytes.NewReader(c.body))
		got, err := funchost.DecodeHTTP(r, "req")
		if err != nil {
			t.Fatal(err)
		}
		if c.path != "/console" || got.Method != tt.method || got.URL != h.FrontDoorURL()+tt.path || !cmp.Equal(tt.wantParams, got.Params, cmpopts.EquateEmpty()) {
			t.Errorf("%s %s forwarded as %s %+v", tt.method, tt.path, c.path, got)
		}
		if tt.header != "" && got.Header(tt.header) != tt.value {
			t.Errorf("%s %s: the console was not given the caller's %s header", tt.method, tt.path, tt.header)
		}
		for k := range got.Headers {
			if strings.HasPrefix(strings.ToLower(k), "x-ms-") {
				t.Errorf("%s %s: the console was given the client's %s header", tt.method, tt.path, k)
			}
		}
	}
	resp, err := send(http.MethodDelete, h.FrontDoorURL()+"/api/console/requests", nil, "", "")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("DELETE on the console = %d, want 405", resp.StatusCode)
	}
}
