package graph_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/graph"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// seen is one request as the test server received it, body decompressed.
type seen struct {
	Method   string
	Path     string // decoded path
	Query    url.Values
	Header   http.Header
	Body     []byte
	Gzipped  bool
	RawQuery string
}

// recorder is a test Graph: it records each request and answers with the
// next step of script (the last step repeats).
type recorder struct {
	mu     sync.Mutex
	reqs   []seen
	script []step
}

// step is one scripted answer.
type step struct {
	status int
	body   string
	header map[string]string
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	gz := req.Header.Get("Content-Encoding") == "gzip"
	if gz {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err == nil {
			body, _ = io.ReadAll(zr)
		}
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, seen{Method: req.Method, Path: req.URL.Path, Query: req.URL.Query(),
		Header: req.Header.Clone(), Body: body, Gzipped: gz, RawQuery: req.URL.RawQuery})
	i := min(len(r.reqs)-1, len(r.script)-1)
	s := r.script[i]
	r.mu.Unlock()
	for k, v := range s.header {
		w.Header().Set(k, v)
	}
	if s.body != "" {
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
	}
	w.WriteHeader(s.status)
	_, _ = io.WriteString(w, s.body)
}

func (r *recorder) requests() []seen {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]seen(nil), r.reqs...)
}

// newTestClient starts a server running script and a Client on a fake
// clock pointed at it.
func newTestClient(t *testing.T, script []step, mod ...func(*graph.Config)) (*graph.Client, *recorder, *clock.Fake) {
	t.Helper()
	rec := &recorder{script: script}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	fake := clock.NewFake(t0)
	cfg := graph.Config{BaseURL: srv.URL + "/v1.0", Clock: fake, HTTPClient: srv.Client()}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := graph.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, rec, fake
}

// newHandlerClient points a Client on a fake clock at h.
func newHandlerClient(t *testing.T, h http.Handler, mod ...func(*graph.Config)) (*graph.Client, *clock.Fake) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	fake := clock.NewFake(t0)
	cfg := graph.Config{BaseURL: srv.URL + "/v1.0", Clock: fake, HTTPClient: srv.Client()}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := graph.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, fake
}

// graphErr renders Graph's error JSON.
func graphErr(code, message string) string {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"code": code, "message": message}})
	return string(b)
}

const userJSON = `{"id":"u1","userPrincipalName":"a@abc.com","displayName":"A","accountEnabled":true,
"onPremisesExtensionAttributes":{"extensionAttribute15":"vendorflow","extensionAttribute1":null},
"assignedLicenses":[{"skuId":"7a551360-26c4-4f61-84e6-ef715673e083","disabledPlans":[]}],
"employeeLeaveDateTime":"2026-12-31T00:00:00Z","otherMails":["x@vendor1.com"]}`

func ok(body string) step          { return step{status: 200, body: body} }
func status(code int) step         { return step{status: code} }
func fail(code int, b string) step { return step{status: code, body: b} }

// baseOf returns the base URL the client was built with.
func baseOf(t *testing.T, c *graph.Client) string {
	t.Helper()
	return c.BaseURL()
}
