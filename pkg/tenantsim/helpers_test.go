package tenantsim

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/clock"
)

// fakeClock is the clock the test moves by hand.
type fakeClock struct{ *clock.Fake }

func newFakeClock() *fakeClock {
	return &fakeClock{clock.NewFake(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))}
}

const testDomain = "ABC.com"

// harness is a Server behind a real HTTP listener, loaded with DemoSeed.
type harness struct {
	t     *testing.T
	srv   *Server
	hs    *httptest.Server
	clock *fakeClock
}

func newHarness(t *testing.T, opts ...func(*Config)) *harness {
	t.Helper()
	clock := newFakeClock()
	cfg := Config{Domain: testDomain, Clock: clock}
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := srv.Load(DemoSeed(testDomain)); err != nil {
		t.Fatalf("Load: %v", err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &harness{t: t, srv: srv, hs: hs, clock: clock}
}

// response is one HTTP answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response body is not a JSON object: %v: %s", err, r.body)
	}
	return m
}

// graphErr returns status, error code and message of a Graph error.
func (r response) graphErr(t *testing.T) (int, string, string) {
	t.Helper()
	m := r.json(t)
	e, ok := m["error"].(map[string]any)
	if !ok {
		t.Fatalf("no error object in %s", r.body)
	}
	code, _ := e["code"].(string)
	msg, _ := e["message"].(string)
	return r.status, code, msg
}

// values returns the "value" array of a collection response.
func (r response) values(t *testing.T) []map[string]any {
	t.Helper()
	raw, ok := r.json(t)["value"].([]any)
	if !ok {
		t.Fatalf("no value array in %s", r.body)
	}
	out := make([]map[string]any, len(raw))
	for i, v := range raw {
		out[i] = v.(map[string]any)
	}
	return out
}

type reqOpt func(*http.Request)

func header(k, v string) reqOpt { return func(r *http.Request) { r.Header.Set(k, v) } }

func eventual() reqOpt { return header("ConsistencyLevel", "eventual") }

// do sends a request; path is relative to /v1.0 unless absolute. body may be
// nil, a []byte (sent as is) or a value (JSON-encoded).
func (h *harness) do(method, path string, body any, opts ...reqOpt) response {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			h.t.Fatalf("marshal: %v", err)
		}
		rd = bytes.NewReader(j)
	}
	url := path
	if !strings.HasPrefix(path, "http") {
		if !strings.HasPrefix(path, "/_sim/") {
			url = "/v1.0" + path
		}
		url = h.hs.URL + url
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		h.t.Fatalf("new request: %v", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, o := range opts {
		o(req)
	}
	res, err := h.hs.Client().Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatalf("read body: %v", err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// mustStatus fails unless the response has status want.
func (r response) mustStatus(t *testing.T, want int) response {
	t.Helper()
	if r.status != want {
		t.Fatalf("status = %d, want %d; body: %s", r.status, want, r.body)
	}
	return r
}

func gzipped(t *testing.T, v any) []byte {
	t.Helper()
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(j); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// newUserBody is a valid POST /users body for local@ABC.com.
func newUserBody(local string) map[string]any {
	return map[string]any{
		"accountEnabled":    true,
		"displayName":       local + " SA",
		"mailNickname":      strings.ReplaceAll(local, "'", ""),
		"userPrincipalName": local + "@" + testDomain,
		"usageLocation":     "US",
		"passwordProfile":   map[string]any{"password": "Str0ng!Passw0rd", "forceChangePasswordNextSignIn": true},
	}
}

// createUser creates a user and returns its id.
func (h *harness) createUser(local string, extra map[string]any) string {
	h.t.Helper()
	b := newUserBody(local)
	for k, v := range extra {
		b[k] = v
	}
	r := h.do(http.MethodPost, "/users", b).mustStatus(h.t, http.StatusCreated)
	return r.json(h.t)["id"].(string)
}

// createUserWithout creates a user whose body lacks the named properties
// (usageLocation is not nullable, so it is left out rather than null).
func (h *harness) createUserWithout(local string, props ...string) string {
	h.t.Helper()
	b := newUserBody(local)
	for _, p := range props {
		delete(b, p)
	}
	r := h.do(http.MethodPost, "/users", b).mustStatus(h.t, http.StatusCreated)
	return r.json(h.t)["id"].(string)
}

// wantErr fails unless r is the Graph error (status, code, message).
func wantErr(t *testing.T, r response, status int, code, msg string) {
	t.Helper()
	gs, gc, gm := r.graphErr(t)
	if diff := cmp.Diff([]any{status, code, msg}, []any{gs, gc, gm}); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("error Content-Type = %q, want application/json", ct)
	}
}

func jsonReader(t *testing.T, v any) io.Reader {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(b)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func newTestLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
