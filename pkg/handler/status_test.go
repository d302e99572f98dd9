package handler

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/funchost"
)

// callHTTP invokes an HTTP function and returns its http output.
func callHTTP(t *testing.T, r *rig, function string, req funchost.HTTPRequest) (funchost.HTTPOutput, map[string]any) {
	t.Helper()
	env, err := funchost.EncodeHTTP("req", req)
	if err != nil {
		t.Fatal(err)
	}
	status, ctype, resp := r.invoke(t, function, env)
	if status != 200 || ctype != "application/json" {
		t.Fatalf("invocation status %d %q; logs %v", status, ctype, resp.Logs)
	}
	out, err := funchost.ParseHTTPOutput(resp.Outputs["res"])
	if err != nil {
		t.Fatalf("res: %v", err)
	}
	if out.Headers["Content-Type"] != "application/json" {
		t.Errorf("res Content-Type = %q", out.Headers["Content-Type"])
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(out.Body), &body); err != nil {
		t.Fatalf("res body %q: %v", out.Body, err)
	}
	return out, body
}

func TestStatus(t *testing.T) {
	rec := domain.RequestRecord{ID: "req-1", Kind: "onboard", Payload: []byte(`{"secretish":"x"}`), Status: domain.RequestDone, CreatedAt: t0, UpdatedAt: t0}
	steps := []domain.StepRecord{{RequestID: "req-1", Step: "validate", Status: "done", Attempts: 1}}
	tests := []struct {
		name   string
		req    funchost.HTTPRequest
		err    error
		status int
		code   string
	}{
		{name: "known: 200", req: funchost.HTTPRequest{Method: "GET", URL: "http://localhost/api/status/req-1", Params: map[string]string{"requestId": "req-1"}}, status: 200},
		{name: "id from the URL when Params are empty", req: funchost.HTTPRequest{Method: "GET", URL: "http://localhost/api/status/req-1"}, status: 200},
		{name: "unknown: 404", req: funchost.HTTPRequest{Method: "GET", URL: "http://localhost/api/status/nope", Params: map[string]string{"requestId": "nope"}}, status: 404, code: "not_found"},
		{name: "no id: 400", req: funchost.HTTPRequest{Method: "GET", URL: "http://localhost/api/status"}, status: 400, code: "invalid"},
		{name: "journal down: 500", req: funchost.HTTPRequest{Method: "GET", URL: "http://localhost/api/status/req-1"}, err: errJournalDown, status: 500, code: "internal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			r.status.records = map[string]domain.RequestRecord{"req-1": rec}
			r.status.steps = map[string][]domain.StepRecord{"req-1": steps}
			r.status.err = tt.err
			out, body := callHTTP(t, r, "status", tt.req)
			if out.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", out.StatusCode, tt.status, out.Body)
			}
			if tt.status != 200 {
				if got := body["error"].(map[string]any)["code"]; got != tt.code {
					t.Errorf("code %v, want %s", got, tt.code)
				}
				if strings.Contains(out.Body, "disk I/O") {
					t.Error("internal detail leaked to the caller")
				}
				return
			}
			req := body["request"].(map[string]any)
			if _, ok := req["payload"]; ok {
				t.Errorf("payload not omitted: %s", out.Body)
			}
			if req["requestId"] != "req-1" || req["status"] != "done" {
				t.Errorf("request %v", req)
			}
			if diff := cmp.Diff(1, len(body["steps"].([]any))); diff != "" {
				t.Errorf("steps (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStatusErrorUsesOutcomeTable(t *testing.T) {
	r := newRig(t)
	r.status.err = domain.Errorf(domain.Conflict, "odd")
	out, _ := callHTTP(t, r, "status", funchost.HTTPRequest{Method: "GET", URL: "http://localhost/api/status/req-1"})
	if want := domain.OutcomeOf(domain.Conflict).HTTPStatus; out.StatusCode != want {
		t.Errorf("status %d, want %d", out.StatusCode, want)
	}
}
