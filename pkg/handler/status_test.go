package handler

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

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

// TestStatusDeadLettered: a request the journal still has as running (or
// received, retrying) reads as dead-lettered while the broker holds one of
// its messages in a dead-letter subqueue; final and parked requests are
// the journal's to tell; a replay (the dead letter gone) brings the
// journal's status back.
func TestStatusDeadLettered(t *testing.T) {
	dead := func(id string, at time.Time) DeadLetter {
		return DeadLetter{
			Source: SourceDeadLetter, Queue: "vendorflow-onboard", MessageID: id, RequestID: "req-1",
			Code: "MaxDeliveryCountExceeded", Reason: "MaxDeliveryCountExceeded: Message could not be consumed after 10 delivery attempts.",
			EnqueuedAt: t0, DeadLetteredAt: at, DeliveryCount: 10, Body: []byte(`{"requestId":"req-1"}`),
		}
	}
	later := t0.Add(time.Hour)
	tests := []struct {
		name       string
		journal    domain.RequestStatus
		items      []DeadLetter
		listErr    error
		want       string
		wantDL     map[string]any // the deadLetter object; nil = absent
		wantLookup bool
	}{
		{
			name: "running, dead-lettered: the latest dead letter", journal: domain.RequestRunning,
			items: []DeadLetter{dead("req-1", t0), dead("req-1-retry-2-abc", later)},
			want:  "deadlettered", wantLookup: true,
			wantDL: map[string]any{
				"messageId": "req-1-retry-2-abc", "queue": "vendorflow-onboard", "code": "MaxDeliveryCountExceeded",
				"reason":         "MaxDeliveryCountExceeded: Message could not be consumed after 10 delivery attempts.",
				"deadLetteredAt": later.Format(time.RFC3339), "deliveryCount": float64(10),
			},
		},
		{name: "received, dead-lettered", journal: domain.RequestReceived, items: []DeadLetter{dead("req-1", t0)}, want: "deadlettered", wantLookup: true},
		{name: "retrying, dead-lettered", journal: domain.RequestRetrying, items: []DeadLetter{dead("req-1", t0)}, want: "deadlettered", wantLookup: true},
		{name: "running, replayed (no dead letter)", journal: domain.RequestRunning, want: "running", wantLookup: true},
		{
			name: "another request's dead letter and a parked message do not count", journal: domain.RequestRunning,
			items: []DeadLetter{
				{Source: SourceDeadLetter, MessageID: "req-2", RequestID: "req-2", DeadLetteredAt: t0},
				{Source: SourceParked, MessageID: "req-1", RequestID: "req-1", DeadLetteredAt: t0},
			},
			want: "running", wantLookup: true,
		},
		{name: "store down: the journal's view stands", journal: domain.RequestRunning, items: []DeadLetter{dead("req-1", t0)}, listErr: errJournalDown, want: "running", wantLookup: true},
		{name: "done: not looked up", journal: domain.RequestDone, items: []DeadLetter{dead("req-1", t0)}, want: "done"},
		{name: "superseded: not looked up", journal: domain.RequestSuperseded, items: []DeadLetter{dead("req-1", t0)}, want: "superseded"},
		{name: "parked: not looked up", journal: domain.RequestParked, items: []DeadLetter{dead("req-1", t0)}, want: "parked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			r.status.records = map[string]domain.RequestRecord{"req-1": {ID: "req-1", Kind: "onboard", Status: tt.journal, CreatedAt: t0, UpdatedAt: t0}}
			r.dl.items, r.dl.err = tt.items, tt.listErr
			out, body := callHTTP(t, r, "status", funchost.HTTPRequest{Method: "GET", URL: "http://localhost/api/status/req-1"})
			if out.StatusCode != 200 {
				t.Fatalf("status %d: %s", out.StatusCode, out.Body)
			}
			req := body["request"].(map[string]any)
			if req["status"] != tt.want {
				t.Errorf("status %v, want %s: %s", req["status"], tt.want, out.Body)
			}
			if tt.want == "deadlettered" {
				if req["journalStatus"] != string(tt.journal) {
					t.Errorf("journalStatus %v, want %s", req["journalStatus"], tt.journal)
				}
				dl, ok := req["deadLetter"].(map[string]any)
				if !ok {
					t.Fatalf("no deadLetter object: %s", out.Body)
				}
				if tt.wantDL != nil {
					if diff := cmp.Diff(tt.wantDL, dl); diff != "" {
						t.Errorf("deadLetter (-want +got):\n%s", diff)
					}
				}
			} else if _, ok := req["deadLetter"]; ok {
				t.Errorf("deadLetter reported for a %s request: %s", tt.want, out.Body)
			}
			wantFilters := []Filter(nil)
			if tt.wantLookup {
				wantFilters = []Filter{{RequestIDs: []string{"req-1"}, Source: SourceDeadLetter}}
			}
			if diff := cmp.Diff(wantFilters, r.dl.listed); diff != "" {
				t.Errorf("dead-letter lookups (-want +got):\n%s", diff)
			}
		})
	}
}

// TestStatusReplayBringsItBack: the same request reads dead-lettered, then,
// once a replay has taken its message out of the dead-letter subqueue, as
// the journal has it.
func TestStatusReplayBringsItBack(t *testing.T) {
	r := newRig(t)
	r.status.records = map[string]domain.RequestRecord{"req-1": {ID: "req-1", Kind: "onboard", Status: domain.RequestRunning, CreatedAt: t0, UpdatedAt: t0}}
	r.dl.items = []DeadLetter{{Source: SourceDeadLetter, MessageID: "req-1", RequestID: "req-1", Code: "MaxDeliveryCountExceeded", DeadLetteredAt: t0}}
	get := func() string {
		_, body := callHTTP(t, r, "status", funchost.HTTPRequest{Method: "GET", URL: "http://localhost/api/status/req-1"})
		return body["request"].(map[string]any)["status"].(string)
	}
	if got := get(); got != "deadlettered" {
		t.Fatalf("before the replay: %s, want deadlettered", got)
	}
	r.dl.items = nil // what Replay leaves in the dead-letter subqueue
	if got := get(); got != "running" {
		t.Errorf("after the replay: %s, want running", got)
	}
}
