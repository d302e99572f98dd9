package tenantsim

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// faultSequence sends n GETs and returns "status/Retry-After" per request.
func faultSequence(t *testing.T, h *harness, n int) []string {
	t.Helper()
	var out []string
	for range n {
		r := h.do(http.MethodGet, "/users/"+DemoExpert1ID, nil)
		out = append(out, strconv.Itoa(r.status)+"/"+r.header.Get("Retry-After"))
	}
	return out
}

func TestFaultsDeterministic(t *testing.T) {
	f := Faults{Seed: 42, Routes: map[string]RouteFaults{
		"GET /users/{id}": {Rate429: 0.3, Rate503: 0.2, Rate504: 0.1, RetryAfter: []float64{2.128, 0.5, 7}},
	}}
	h1, h2 := newHarness(t), newHarness(t)
	h1.srv.SetFaults(f)
	h2.srv.SetFaults(f)
	s1, s2 := faultSequence(t, h1, 60), faultSequence(t, h2, 60)
	if diff := cmp.Diff(s1, s2); diff != "" {
		t.Fatalf("same seed, different faults (-h1 +h2):\n%s", diff)
	}
	counts := map[string]int{}
	retryAfters := map[string]bool{}
	for _, s := range s1 {
		status, ra, _ := strings.Cut(s, "/")
		counts[status]++
		if ra != "" {
			retryAfters[ra] = true
		}
	}
	for _, status := range []string{"200", "429", "503", "504"} {
		if counts[status] == 0 {
			t.Errorf("no %s in 60 requests: %v", status, counts)
		}
	}
	if !retryAfters["2.128"] {
		t.Errorf("fractional Retry-After never sent: %v", retryAfters)
	}
	st := h1.srv.Stats()
	if st.Faults[FaultTooManyRequests] != counts["429"] || st.Faults[FaultServiceUnavailable] != counts["503"] || st.Faults[FaultGatewayTimeout] != counts["504"] {
		t.Errorf("stats faults = %v, counts = %v", st.Faults, counts)
	}
	// Reseeding restarts the sequence.
	h1.srv.SetFaults(f)
	if diff := cmp.Diff(s1[:10], faultSequence(t, h1, 10)); diff != "" {
		t.Errorf("reseeded sequence (-first +again):\n%s", diff)
	}
	// Another seed gives another sequence.
	f.Seed = 43
	h2.srv.SetFaults(f)
	if cmp.Equal(s1[:20], faultSequence(t, h2, 20)) {
		t.Error("seeds 42 and 43 gave the same 20 decisions")
	}
	// A route with its own entry ignores "*"; other routes use it.
	h1.srv.SetFaults(Faults{Routes: map[string]RouteFaults{AllRoutes: {Rate503: 1}, "GET /users/{id}": {}}})
	h1.do(http.MethodGet, "/users/"+DemoExpert1ID, nil).mustStatus(t, http.StatusOK)
	r := h1.do(http.MethodGet, "/groups", nil)
	wantErr(t, r, http.StatusServiceUnavailable, CodeServiceNotAvailable, "The service is temporarily unavailable. Retry after the time given in the Retry-After header.")
	if r.header.Get("Retry-After") != "0.5" && r.header.Get("Retry-After") != "1.25" && r.header.Get("Retry-After") != "2.128" {
		t.Errorf("default Retry-After = %q", r.header.Get("Retry-After"))
	}
}

func TestFaultedRequestHasNoSideEffect(t *testing.T) {
	h := newHarness(t)
	h.srv.SetFaults(Faults{Routes: map[string]RouteFaults{"POST /users": {Rate429: 1, RetryAfter: []float64{2.128}}}})
	r := h.do(http.MethodPost, "/users", newUserBody("Retry_SA"))
	wantErr(t, r, http.StatusTooManyRequests, CodeTooManyRequests, "Too many requests. Retry after the time given in the Retry-After header.")
	if ra := r.header.Get("Retry-After"); ra != "2.128" {
		t.Errorf("Retry-After = %q", ra)
	}
	if _, ok := h.srv.UserByUPN("Retry_SA@ABC.com"); ok {
		t.Error("a 429'd create created the user")
	}
	h.srv.SetFaults(Faults{Routes: map[string]RouteFaults{"POST /users": {Rate504: 1}}})
	wantErr(t, h.do(http.MethodPost, "/users", newUserBody("Retry_SA")), http.StatusGatewayTimeout, CodeGatewayTimeout, "The gateway did not receive a timely response from the upstream server.")
	if _, ok := h.srv.UserByUPN("Retry_SA@ABC.com"); ok {
		t.Error("a 504'd create created the user")
	}
	if w := h.srv.Stats().Writes; w != 0 {
		t.Errorf("writes = %d, want 0", w)
	}
}

// RateLag answers 404 on routes that name an object, and leaves a create
// alone; RateReset drops the connection without a response. Neither
// takes effect, and both are counted.
func TestLagAndResetFaults(t *testing.T) {
	h := newHarness(t)
	id := h.createUser("Lagged_SA", nil)
	h.srv.SetFaults(Faults{Routes: map[string]RouteFaults{AllRoutes: {RateLag: 1}}})
	wantErr(t, h.do(http.MethodPatch, "/users/"+id, map[string]any{"department": "x"}), http.StatusNotFound, CodeResourceNotFound,
		"Resource does not exist or one of its queried reference-property objects are not present.")
	if u, _ := h.srv.UserByUPN("Lagged_SA@ABC.com"); u.Department == "x" {
		t.Error("a lagged PATCH took effect")
	}
	h.do(http.MethodPost, "/users", newUserBody("Fresh_SA")).mustStatus(t, http.StatusCreated)

	h.srv.SetFaults(Faults{Routes: map[string]RouteFaults{"POST /users": {RateReset: 1}}})
	req, err := http.NewRequest(http.MethodPost, h.hs.URL+"/v1.0/users", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer x")
	req.Header.Set("Content-Type", "application/json")
	if resp, err := h.hs.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("a reset connection answered %d", resp.StatusCode)
	}
	st := h.srv.Stats()
	if st.Faults[FaultReplicationLag] != 1 || st.Faults[FaultReset] != 1 {
		t.Errorf("faults counted %v, want one lag and one reset", st.Faults)
	}
	if err := (Faults{Routes: map[string]RouteFaults{AllRoutes: {Rate429: 0.5, RateLag: 0.3, RateReset: 0.3}}}).Validate(); err == nil {
		t.Error("error rates adding up to 1.1 were accepted")
	}
}

func TestReplicationLag(t *testing.T) {
	h := newHarness(t)
	h.srv.SetFaults(Faults{ReplicationLag: 10 * time.Second})
	id := h.createUser("Fresh_SA", nil)
	wantErr(t, h.do(http.MethodGet, "/users/"+id, nil), http.StatusNotFound, CodeResourceNotFound, MsgNotFound(id))
	wantErr(t, h.do(http.MethodPost, "/users/"+id+"/assignLicense", assign([]string{SKURemoteAssist}, nil)), http.StatusNotFound, CodeResourceNotFound, MsgNotFound(id))
	wantErr(t, h.do(http.MethodPost, "/groups/"+GroupIBVendor1ID+"/members/$ref", ref(id)), http.StatusNotFound, CodeResourceNotFound, MsgNotFound(id))
	if vs := h.do(http.MethodGet, "/users?$filter=userPrincipalName%20eq%20'Fresh_SA@ABC.com'", nil).values(t); len(vs) != 0 {
		t.Errorf("list shows the fresh user: %v", vs)
	}
	// Writes to the primary see it: a second create conflicts.
	wantErr(t, h.do(http.MethodPost, "/users", newUserBody("Fresh_SA")), http.StatusBadRequest, CodeRequestBadRequest, MsgDuplicateUPN)
	tap := h.do(http.MethodPost, "/users/"+id+"/authentication/temporaryAccessPassMethods", map[string]any{}).mustStatus(t, http.StatusCreated).json(t)
	// Three lag answers; the list silently omits the user.
	if n := h.srv.Stats().Faults[FaultReplicationLag]; n != 3 {
		t.Errorf("replication-lag faults = %d, want 3", n)
	}

	h.clock.Advance(10 * time.Second)
	h.do(http.MethodGet, "/users/"+id, nil).mustStatus(t, http.StatusOK)
	h.do(http.MethodPost, "/users/"+id+"/assignLicense", assign([]string{SKURemoteAssist}, nil)).mustStatus(t, http.StatusOK)
	h.do(http.MethodPost, "/groups/"+GroupIBVendor1ID+"/members/$ref", ref(id)).mustStatus(t, http.StatusNoContent)
	// The TAP was created 10 s ago too: visible now.
	if vs := h.do(http.MethodGet, "/users/"+id+"/authentication/temporaryAccessPassMethods", nil).values(t); len(vs) != 1 || vs[0]["id"] != tap["id"] {
		t.Errorf("TAPs = %v", vs)
	}
	// Seeded objects are never lagged.
	h.do(http.MethodGet, "/users/"+DemoExpert1ID, nil).mustStatus(t, http.StatusOK)
}

func TestWriteQuota(t *testing.T) {
	h := newHarness(t)
	h.srv.SetFaults(Faults{WriteQuota: 5, WriteWindow: 10 * time.Second})
	var percents []string
	for i := range 5 {
		r := h.do(http.MethodPatch, "/users/"+DemoExpert1ID, map[string]any{"jobTitle": "Expert " + strconv.Itoa(i)}).mustStatus(t, http.StatusNoContent)
		percents = append(percents, r.header.Get(throttlePercentHeader))
		h.clock.Advance(time.Second)
	}
	if diff := cmp.Diff([]string{"", "", "", "", "1.00"}, percents); diff != "" {
		t.Errorf("%s headers (-want +got):\n%s", throttlePercentHeader, diff)
	}
	// Reads are not writes.
	h.do(http.MethodGet, "/users/"+DemoExpert1ID, nil).mustStatus(t, http.StatusOK)
	r := h.do(http.MethodPatch, "/users/"+DemoExpert1ID, map[string]any{"jobTitle": "blocked"})
	wantErr(t, r, http.StatusTooManyRequests, CodeTooManyRequests, "The application has exceeded its write quota for this tenant. Retry after the time given in the Retry-After header.")
	// The first write was at t0, now is t0+5s: the window frees in 5 s.
	if ra := r.header.Get("Retry-After"); ra != "5" {
		t.Errorf("Retry-After = %q, want 5", ra)
	}
	if u, _ := h.srv.UserByUPN("ava.expert@ABC.com"); u.JobTitle != "Expert 4" {
		t.Errorf("throttled write applied: %q", u.JobTitle)
	}
	h.clock.Advance(5 * time.Second)
	h.do(http.MethodPatch, "/users/"+DemoExpert1ID, map[string]any{"jobTitle": "after"}).mustStatus(t, http.StatusNoContent)
	st := h.srv.Stats()
	if st.Writes != 6 || st.Faults[FaultWriteQuota] != 1 {
		t.Errorf("writes = %d, quota faults = %d", st.Writes, st.Faults[FaultWriteQuota])
	}
	// Another app has its own quota.
	h.srv.SetFaults(Faults{WriteQuota: 1, WriteWindow: time.Hour})
	jwt := func(app string) string {
		payload, _ := json.Marshal(map[string]string{"appid": app})
		return "Bearer eyJhbGciOiJub25lIn0." + b64(payload) + ".sig"
	}
	h.do(http.MethodPatch, "/users/"+DemoExpert1ID, map[string]any{"jobTitle": "a"}, header("Authorization", jwt("app-a"))).mustStatus(t, http.StatusNoContent)
	h.do(http.MethodPatch, "/users/"+DemoExpert1ID, map[string]any{"jobTitle": "b"}, header("Authorization", jwt("app-b"))).mustStatus(t, http.StatusNoContent)
	h.do(http.MethodPatch, "/users/"+DemoExpert1ID, map[string]any{"jobTitle": "c"}, header("Authorization", jwt("app-a"))).mustStatus(t, http.StatusTooManyRequests)
}

func TestSlowResponse(t *testing.T) {
	h := newHarness(t)
	h.srv.SetFaults(Faults{Routes: map[string]RouteFaults{AllRoutes: {SlowRate: 1, SlowDelay: 20 * time.Millisecond}}})
	start := time.Now()
	h.do(http.MethodGet, "/users/"+DemoExpert1ID, nil).mustStatus(t, http.StatusOK)
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Errorf("response after %v, want ≥ 20ms", d)
	}
	// A client that gives up has still changed the tenant.
	h.srv.SetFaults(Faults{Routes: map[string]RouteFaults{AllRoutes: {SlowRate: 1, SlowDelay: time.Minute}}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPatch, h.hs.URL+"/v1.0/users/"+DemoExpert1ID, jsonReader(t, map[string]any{"jobTitle": "timed out"}))
	req.Header.Set("Content-Type", "application/json")
	if res, err := h.hs.Client().Do(req); err == nil {
		res.Body.Close()
		t.Fatal("request did not time out")
	}
	if u, _ := h.srv.UserByUPN("ava.expert@ABC.com"); u.JobTitle != "timed out" {
		t.Errorf("jobTitle = %q: the slow write did not apply", u.JobTitle)
	}
	if n := h.srv.Stats().Faults[FaultSlow]; n != 2 {
		t.Errorf("slow faults = %d, want 2", n)
	}
}

func TestFaultsJSON(t *testing.T) {
	in := `{"seed":7,"routes":{"*":{"rate429":0.1,"retryAfter":[2.128],"slowRate":0.05,"slowDelay":"300ms"},
		"POST /users":{"rate503":0.5,"slowDelay":250}},"replicationLag":"5s","writeQuota":3000,"writeWindow":150000}`
	var f Faults
	if err := json.Unmarshal([]byte(in), &f); err != nil {
		t.Fatal(err)
	}
	want := Faults{Seed: 7, Routes: map[string]RouteFaults{
		AllRoutes:     {Rate429: 0.1, RetryAfter: []float64{2.128}, SlowRate: 0.05, SlowDelay: 300 * time.Millisecond},
		"POST /users": {Rate503: 0.5, SlowDelay: 250 * time.Millisecond},
	}, ReplicationLag: 5 * time.Second, WriteQuota: 3000, WriteWindow: 150 * time.Second}
	if diff := cmp.Diff(want, f); diff != "" {
		t.Errorf("decoded (-want +got):\n%s", diff)
	}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	var back Faults
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(f, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if err := json.Unmarshal([]byte(`{"replicationLag":"soon"}`), &f); err == nil {
		t.Error("bad duration accepted")
	}
}

func TestFaultsValidate(t *testing.T) {
	bad := []Faults{
		{ReplicationLag: -1},
		{WriteQuota: -1},
		{WriteQuota: 10},
		{Routes: map[string]RouteFaults{"*": {Rate429: 1.5}}},
		{Routes: map[string]RouteFaults{"*": {Rate429: 0.6, Rate503: 0.6}}},
		{Routes: map[string]RouteFaults{"*": {RetryAfter: []float64{-1}}}},
		{Routes: map[string]RouteFaults{"*": {SlowDelay: -time.Second}}},
	}
	for i, f := range bad {
		if f.Validate() == nil {
			t.Errorf("%d: %+v accepted", i, f)
		}
	}
	if err := (Faults{WriteQuota: 3000, WriteWindow: 150 * time.Second, Routes: map[string]RouteFaults{"*": {Rate429: 0.5, Rate503: 0.5}}}).Validate(); err != nil {
		t.Errorf("valid faults rejected: %v", err)
	}
}

// The scaled write quota (300 per 15 s, as the dev host runs it) sends
// x-ms-throttle-limit-percentage once use is above 80 %, on the writes
// served and on the 429 that refuses the 301st, which carries a
// Retry-After in seconds until the oldest write leaves the window.
func TestWriteQuotaThrottlePercentage(t *testing.T) {
	h := newHarness(t)
	h.srv.SetFaults(Faults{WriteQuota: 300, WriteWindow: 15 * time.Second})
	want := map[int]string{1: "", 240: "", 241: "0.80", 270: "0.90", 300: "1.00"}
	for i := 1; i <= 300; i++ {
		r := h.do(http.MethodPatch, "/users/"+DemoExpert1ID, map[string]any{"jobTitle": "Expert " + strconv.Itoa(i)}).mustStatus(t, http.StatusNoContent)
		if w, ok := want[i]; ok {
			if got := r.header.Get(throttlePercentHeader); got != w {
				t.Errorf("write %d: %s = %q, want %q", i, throttlePercentHeader, got, w)
			}
		}
		if i%20 == 0 {
			h.clock.Advance(time.Second / 4) // 300 writes over 3.75 s
		}
	}
	tests := []struct {
		name       string
		advance    time.Duration
		status     int
		retryAfter string
		percent    string
	}{
		// now = t0+3.75 s; the first write (t0) leaves at t0+15 s.
		{"over the quota", 0, http.StatusTooManyRequests, "12", "1.00"},
		{"fractional wait rounds up", 10500 * time.Millisecond, http.StatusTooManyRequests, "1", "1.00"},
		{"the first 20 have left", 750 * time.Millisecond, http.StatusNoContent, "", "0.94"},
	}
	for _, tt := range tests {
		h.clock.Advance(tt.advance)
		r := h.do(http.MethodPatch, "/users/"+DemoExpert1ID, map[string]any{"jobTitle": tt.name}).mustStatus(t, tt.status)
		if got := r.header.Get("Retry-After"); got != tt.retryAfter {
			t.Errorf("%s: Retry-After = %q, want %q", tt.name, got, tt.retryAfter)
		}
		if got := r.header.Get(throttlePercentHeader); got != tt.percent {
			t.Errorf("%s: %s = %q, want %q", tt.name, throttlePercentHeader, got, tt.percent)
		}
	}
}
