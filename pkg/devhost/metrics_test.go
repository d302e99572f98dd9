package devhost

import (
	"io"
	"net/http"
	"testing"
)

// GET /metrics serves Config.Metrics to the admin token only, sent as the
// ops routes take it (x-functions-key, or a bearer token as Prometheus
// sends it); a host without Metrics has no such route. The front door
// opens for Metrics alone.
func TestFrontDoorMetrics(t *testing.T) {
	clk := newFakeClock(t0)
	q := openQueue(t, clk, 0)
	srv, _ := fakeHandler(t, okReply)
	metrics := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "vendorflow_up 1\n")
	})
	with, _ := startHost(t, Config{Queue: q, HandlerURL: srv.URL, Clock: clk, Functions: onlyFunctions(), AdminToken: testToken, Metrics: metrics})
	without, _ := startHost(t, Config{Queue: q, HandlerURL: srv.URL, Clock: clk, Functions: onlyFunctions("status"), AdminToken: testToken})
	if with.FrontDoorURL() == "" {
		t.Fatal("no front door for a host with Metrics and no HTTP function")
	}
	tests := []struct {
		name          string
		host          *Host
		method        string
		header, value string
		status        int
		body          string
	}{
		{"x-functions-key", with, http.MethodGet, KeyHeader, testToken, 200, "vendorflow_up 1\n"},
		{"bearer token", with, http.MethodGet, "Authorization", "Bearer " + testToken, 200, "vendorflow_up 1\n"},
		{"no token", with, http.MethodGet, "", "", 401, ""},
		{"wrong token", with, http.MethodGet, KeyHeader, testToken + "x", 401, ""},
		{"wrong bearer", with, http.MethodGet, "Authorization", "Bearer nope", 401, ""},
		{"POST", with, http.MethodPost, KeyHeader, testToken, 405, ""},
		{"no Metrics configured", without, http.MethodGet, KeyHeader, testToken, 404, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := send(tc.method, tc.host.FrontDoorURL()+MetricsPath, nil, tc.header, tc.value)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("HTTP %d %q, want %d", resp.StatusCode, b, tc.status)
			}
			if tc.status == 200 && string(b) != tc.body {
				t.Errorf("body %q, want %q", b, tc.body)
			}
			if tc.status == 401 && string(b) == "vendorflow_up 1\n" {
				t.Error("metrics served without the token")
			}
		})
	}
}
