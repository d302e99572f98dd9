package handler

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/funchost"
)

func TestDeadLetters(t *testing.T) {
	items := []DeadLetter{
		{Source: SourceParked, Queue: "parking", MessageID: "m1", RequestID: "r1", Reason: "unknown vendor", Code: "invalid", DeadLetteredAt: t0, Body: []byte(`{"a":1}`)},
		{Source: SourceDeadLetter, Queue: "onboard", MessageID: "m2", RequestID: "r2", Reason: "MaxDeliveryCountExceeded", DeliveryCount: 10, DeadLetteredAt: t0, Body: []byte(`{"b":2}`)},
	}
	dl := func(u, method string, params map[string]string, body string) funchost.HTTPRequest {
		var b []byte
		if body != "" {
			b = []byte(body)
		}
		return funchost.HTTPRequest{Method: method, URL: "http://localhost/api/deadletters" + u, Params: params, Body: b,
			Headers: map[string][]string{"Content-Type": {"application/json"}}}
	}
	tests := []struct {
		name     string
		req      funchost.HTTPRequest
		status   int
		want     map[string]any // subset of the reply body checked
		listed   []Filter
		replayed []Filter
		purged   []Filter
	}{
		{
			name:   "list all, bodies left out",
			req:    dl("", "GET", nil, ""),
			status: 200, want: map[string]any{"count": 2.0},
			listed: []Filter{{}},
		},
		{
			name: "list with a query filter",
			req: func() funchost.HTTPRequest {
				r := dl("/list", "GET", map[string]string{"action": "list"}, "")
				r.Query = map[string]string{"source": "deadletter", "since": "2025-03-01T00:00:00Z", "requestId": "r1,r2", "code": "functionkey"}
				return r
			}(),
			status: 200, want: map[string]any{"count": 1.0},
			listed: []Filter{{Source: SourceDeadLetter, RequestIDs: []string{"r1", "r2"}, Since: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)}},
		},
		{
			name: "list with a bad source: 400",
			req: func() funchost.HTTPRequest {
				r := dl("", "GET", nil, "")
				r.Query = map[string]string{"source": "elsewhere"}
				return r
			}(),
			status: 400,
		},
		{
			name:   "show one, id from the URL",
			req:    dl("/show/m2", "GET", nil, ""),
			status: 200, want: map[string]any{"count": 1.0},
			listed: []Filter{{MessageIDs: []string{"m2"}}},
		},
		{
			name:   "show unknown: 404",
			req:    dl("/show/zz", "GET", map[string]string{"action": "show", "id": "zz"}, ""),
			status: 404,
			listed: []Filter{{MessageIDs: []string{"zz"}}},
		},
		{
			name:   "replay one",
			req:    dl("/replay/m1", "POST", map[string]string{"action": "replay", "id": "m1"}, ""),
			status: 200, want: map[string]any{"replayed": 2.0},
			replayed: []Filter{{MessageIDs: []string{"m1"}}},
		},
		{
			name:     "replay by filter",
			req:      dl("/replay", "POST", map[string]string{"action": "replay"}, `{"reason":"vendor","source":"parked"}`),
			status:   200,
			replayed: []Filter{{Reason: "vendor", Source: SourceParked}},
		},
		{
			name:     "replay all",
			req:      dl("/replay", "POST", map[string]string{"action": "replay"}, `{"all":true}`),
			status:   200,
			replayed: []Filter{{}},
		},
		{
			name:   "replay with no filter and no all: 400",
			req:    dl("/replay", "POST", map[string]string{"action": "replay"}, ""),
			status: 400,
		},
		{
			name:   "replay with a misspelt field: 400",
			req:    dl("/replay", "POST", map[string]string{"action": "replay"}, `{"reasn":"x"}`),
			status: 400,
		},
		{
			name:   "purge without confirm: 400",
			req:    dl("/purge", "DELETE", map[string]string{"action": "purge"}, `{"source":"parked"}`),
			status: 400,
		},
		{
			name:   "purge with confirm",
			req:    dl("/purge", "DELETE", map[string]string{"action": "purge"}, `{"confirm":true,"source":"parked"}`),
			status: 200, want: map[string]any{"purged": 2.0},
			purged: []Filter{{Source: SourceParked}},
		},
		{
			name:   "purge one at the bare route",
			req:    dl("", "DELETE", nil, `{"confirm":true,"messageIds":["m2"]}`),
			status: 200,
			purged: []Filter{{MessageIDs: []string{"m2"}}},
		},
		{
			name:   "replay with GET: 405",
			req:    dl("/replay", "GET", map[string]string{"action": "replay"}, ""),
			status: 405,
		},
		{
			name:   "unknown action: 404",
			req:    dl("/explode", "POST", map[string]string{"action": "explode"}, ""),
			status: 404,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			r.dl.items = items
			out, body := callHTTP(t, r, "deadletters", tt.req)
			if out.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", out.StatusCode, tt.status, out.Body)
			}
			for k, v := range tt.want {
				if diff := cmp.Diff(v, body[k]); diff != "" {
					t.Errorf("%s (-want +got):\n%s", k, diff)
				}
			}
			if diff := cmp.Diff(tt.listed, r.dl.listed); diff != "" {
				t.Errorf("listed (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.replayed, r.dl.replayed); diff != "" {
				t.Errorf("replayed (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.purged, r.dl.purged); diff != "" {
				t.Errorf("purged (-want +got):\n%s", diff)
			}
			if its, ok := body["items"].([]any); ok {
				for _, it := range its {
					_, hasBody := it.(map[string]any)["body"]
					if show := tt.req.Params["action"] == "show" || len(tt.listed[0].MessageIDs) > 0; hasBody != show {
						t.Errorf("body present %v in %s", hasBody, out.Body)
					}
				}
			}
		})
	}
}
