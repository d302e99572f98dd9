package tenantsim

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type batchResult struct {
	status  int
	headers map[string]any
	body    map[string]any
}

func runBatch(t *testing.T, h *harness, reqs []map[string]any) map[string]batchResult {
	t.Helper()
	r := h.do(http.MethodPost, "/$batch", gzipped(t, map[string]any{"requests": reqs}), header("Content-Encoding", "gzip"), header("Content-Type", "application/json")).mustStatus(t, http.StatusOK)
	out := map[string]batchResult{}
	for _, v := range r.json(t)["responses"].([]any) {
		m := v.(map[string]any)
		br := batchResult{status: int(m["status"].(float64))}
		br.headers, _ = m["headers"].(map[string]any)
		br.body, _ = m["body"].(map[string]any)
		out[m["id"].(string)] = br
	}
	return out
}

func TestBatch(t *testing.T) {
	h := newHarness(t)
	res := runBatch(t, h, []map[string]any{
		{"id": "1", "method": "POST", "url": "/users", "headers": map[string]string{"Content-Type": "application/json"}, "body": newUserBody("Batch_SA")},
		{"id": "2", "method": "GET", "url": "/users/Batch_SA@ABC.com?$select=id,usageLocation", "dependsOn": []string{"1"}},
		{"id": "3", "method": "POST", "url": "/users", "headers": map[string]string{"Content-Type": "application/json"}, "body": newUserBody("ava.expert")},
		{"id": "4", "method": "POST", "url": "/users/ava.expert@ABC.com/revokeSignInSessions", "dependsOn": []string{"3"}},
		{"id": "5", "method": "GET", "url": "https://graph.microsoft.com/v1.0/groups/" + GroupIBExpertsID},
		{"id": "6", "method": "GET", "url": "/nowhere"},
	})
	got := map[string]int{}
	for id, r := range res {
		got[id] = r.status
	}
	if diff := cmp.Diff(map[string]int{"1": 201, "2": 200, "3": 400, "4": 424, "5": 200, "6": 400}, got); diff != "" {
		t.Fatalf("statuses (-want +got):\n%s", diff)
	}
	if res["2"].body["usageLocation"] != "US" || res["2"].headers["Content-Type"] == nil {
		t.Errorf("step 2 = %+v", res["2"])
	}
	e3 := res["3"].body["error"].(map[string]any)
	e4 := res["4"].body["error"].(map[string]any)
	if e3["message"] != MsgDuplicateUPN || e4["code"] != CodeFailedDependency {
		t.Errorf("step 3 = %v, step 4 = %v", e3, e4)
	}
	if u, _ := h.srv.UserByUPN("ava.expert@ABC.com"); !u.SignInSessionsValidFromDateTime.IsZero() {
		t.Error("step 4 ran although its dependency failed")
	}
	st := h.srv.Stats()
	if st.Routes["POST /$batch"] != 1 || st.Routes["POST /users"] != 2 || st.RouteStatuses["GET /users/{id} 200"] != 1 {
		t.Errorf("stats routes = %v / %v", st.Routes, st.RouteStatuses)
	}
}

// TestBatchInnerThrottle: each inner request is throttled on its own, so a
// 200 batch holds inner 429s with Retry-After (REFERENCE.md §2).
func TestBatchInnerThrottle(t *testing.T) {
	h := newHarness(t)
	h.srv.SetFaults(Faults{Routes: map[string]RouteFaults{"GET /users/{id}": {Rate429: 1, RetryAfter: []float64{1.5}}}})
	res := runBatch(t, h, []map[string]any{
		{"id": "a", "method": "GET", "url": "/users/" + DemoExpert1ID},
		{"id": "b", "method": "GET", "url": "/groups/" + GroupIBExpertsID},
	})
	if res["a"].status != 429 || res["a"].headers["Retry-After"] != "1.5" || res["b"].status != 200 {
		t.Errorf("results = %+v", res)
	}
	h.srv.SetFaults(Faults{WriteQuota: 1, WriteWindow: 150e9})
	res = runBatch(t, h, []map[string]any{
		{"id": "w1", "method": "PATCH", "url": "/users/" + DemoExpert1ID, "headers": map[string]string{"Content-Type": "application/json"}, "body": map[string]any{"jobTitle": "x"}},
		{"id": "w2", "method": "PATCH", "url": "/users/" + DemoExpert2ID, "headers": map[string]string{"Content-Type": "application/json"}, "body": map[string]any{"jobTitle": "y"}},
	})
	if res["w1"].status != 204 || res["w2"].status != 429 {
		t.Errorf("quota in batch = %+v", res)
	}
}

func TestBatchErrors(t *testing.T) {
	h := newHarness(t)
	many := make([]map[string]any, 21)
	for i := range many {
		many[i] = map[string]any{"id": fmt.Sprint(i), "method": "GET", "url": "/groups"}
	}
	tests := []struct {
		name string
		body any
		msg  string
	}{
		{"too many", map[string]any{"requests": many}, "Invalid batch payload format: a batch may contain at most 20 requests."},
		{"empty", map[string]any{"requests": []any{}}, "Invalid batch payload format: the batch contains no requests."},
		{"duplicate id", map[string]any{"requests": []map[string]any{{"id": "1", "method": "GET", "url": "/groups"}, {"id": "1", "method": "GET", "url": "/groups"}}}, "Invalid batch payload format: the request id '1' is not unique."},
		{"unknown dependency", map[string]any{"requests": []map[string]any{{"id": "1", "method": "GET", "url": "/groups", "dependsOn": []string{"9"}}}}, "Invalid batch payload format: request '1' depends on unknown request '9'."},
		{"ids differ only in case", map[string]any{"requests": []map[string]any{{"id": "a", "method": "GET", "url": "/groups"}, {"id": "A", "method": "GET", "url": "/groups"}}}, "Invalid batch payload format: the request id 'A' is not unique."},
		{"body without Content-Type", map[string]any{"requests": []map[string]any{{"id": "1", "method": "PATCH", "url": "/users/" + DemoExpert1ID, "body": map[string]any{"jobTitle": "x"}}}}, "Invalid batch payload format: request '1' has a body but no Content-Type header."},
		{"cycle", map[string]any{"requests": []map[string]any{{"id": "1", "method": "GET", "url": "/groups", "dependsOn": []string{"2"}}, {"id": "2", "method": "GET", "url": "/groups", "dependsOn": []string{"1"}}}}, "Invalid batch payload format: the dependsOn graph has a cycle."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, h.do(http.MethodPost, "/$batch", tt.body), http.StatusBadRequest, CodeBadRequest, tt.msg)
		})
	}
	res := runBatch(t, h, []map[string]any{{"id": "n", "method": "POST", "url": "/$batch", "headers": map[string]string{"Content-Type": "application/json"}, "body": map[string]any{"requests": []any{}}}})
	if res["n"].status != 400 {
		t.Errorf("nested batch = %+v", res["n"])
	}
}

// Responses come back in an order drawn from the fault seed (json-batching:
// any order, match by id): the same under one seed, not the request order
// for every seed.
func TestBatchResponseOrder(t *testing.T) {
	h := newHarness(t)
	reqs := []map[string]any{}
	for i := range 8 {
		reqs = append(reqs, map[string]any{"id": fmt.Sprint(i), "method": "GET", "url": "/groups/" + GroupIBExpertsID})
	}
	order := func(seed int64) string {
		h.srv.SetFaults(Faults{Seed: seed})
		r := h.do(http.MethodPost, "/$batch", map[string]any{"requests": reqs}).mustStatus(t, http.StatusOK)
		var ids []string
		for _, v := range r.json(t)["responses"].([]any) {
			ids = append(ids, v.(map[string]any)["id"].(string))
		}
		return strings.Join(ids, ",")
	}
	inOrder := "0,1,2,3,4,5,6,7"
	shuffledSeen := false
	for seed := range int64(4) {
		a, b := order(seed), order(seed)
		if a != b {
			t.Errorf("seed %d: order %s then %s, want the same", seed, a, b)
		}
		shuffledSeen = shuffledSeen || a != inOrder
	}
	if !shuffledSeen {
		t.Error("responses came back in request order under every seed")
	}
}
