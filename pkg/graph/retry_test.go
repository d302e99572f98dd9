package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/graph"
	"github.com/vendorflow/vendorflow/pkg/secret"
)

func throttled(retryAfter string) step {
	s := fail(429, graphErr("TooManyRequests", "Too many requests."))
	if retryAfter != "" {
		s.header = map[string]string{"Retry-After": retryAfter}
	}
	return s
}

func TestRetryHonoursFractionalRetryAfter(t *testing.T) {
	c, rec, fake := newTestClient(t, []step{throttled("2.128"), throttled("2.128"), throttled("0.5"), ok(userJSON)})
	u, err := c.GetUser(context.Background(), "u1")
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != "u1" {
		t.Fatalf("user id %q", u.ID)
	}
	want := []time.Duration{2128 * time.Millisecond, 2128 * time.Millisecond, 500 * time.Millisecond}
	if diff := cmp.Diff(want, fake.Sleeps()); diff != "" {
		t.Errorf("waits (-want +got)\n%s", diff)
	}
	wantStats := graph.Stats{Requests: 4, Retries: 3, ByStatus: map[int]int{429: 3, 200: 1}}
	if diff := cmp.Diff(wantStats, c.Stats()); diff != "" {
		t.Errorf("stats (-want +got)\n%s", diff)
	}
	reqs := rec.requests()
	if got := reqs[3].Header.Get("Retry-Attempt"); got != "3" {
		t.Errorf("Retry-Attempt on the 4th attempt = %q, want 3", got)
	}
}

func TestRetry503And504ThenSuccessWithBackoff(t *testing.T) {
	c, _, fake := newTestClient(t, []step{
		fail(503, graphErr("serviceNotAvailable", "unavailable")),
		fail(504, graphErr("GatewayTimeout", "gateway")),
		ok(userJSON),
	})
	graph.SetJitter(c, func(d time.Duration) time.Duration { return d }) // upper bound of the jitter
	if _, err := c.GetUser(context.Background(), "u1"); err != nil {
		t.Fatal(err)
	}
	// baseBackoff 500ms doubling; equal jitter at its maximum = the full step.
	want := []time.Duration{500 * time.Millisecond, time.Second}
	if diff := cmp.Diff(want, fake.Sleeps()); diff != "" {
		t.Errorf("waits (-want +got)\n%s", diff)
	}
}

func TestBackoffIsCappedAndJittered(t *testing.T) {
	c, _, fake := newTestClient(t, []step{fail(503, graphErr("serviceNotAvailable", "x"))}, func(cfg *graph.Config) {
		cfg.MaxRetries = 6
		cfg.MaxBackoff = 3 * time.Second
	})
	graph.SetJitter(c, func(time.Duration) time.Duration { return 0 }) // lower bound
	_, err := c.GetUser(context.Background(), "u1")
	if domain.ErrorCode(err) != domain.Transient {
		t.Fatalf("err = %v, want transient", err)
	}
	ms := time.Millisecond
	want := []time.Duration{250 * ms, 500 * ms, 1000 * ms, 1500 * ms, 1500 * ms, 1500 * ms}
	if diff := cmp.Diff(want, fake.Sleeps()); diff != "" {
		t.Errorf("waits (-want +got)\n%s", diff)
	}
}

func TestRetryGivesUpAfterMaxRetries(t *testing.T) {
	c, rec, fake := newTestClient(t, []step{throttled("1.5")}, func(cfg *graph.Config) { cfg.LagRetries = -1 })
	_, err := c.GetUser(context.Background(), "u1")
	if got := domain.ErrorCode(err); got != domain.Transient {
		t.Fatalf("code = %q (%v), want transient", got, err)
	}
	if got := domain.RetryAfterOf(err); got != 1500*time.Millisecond {
		t.Errorf("RetryAfter = %v, want 1.5s", got)
	}
	if got := len(rec.requests()); got != 1+graph.DefaultMaxRetries {
		t.Errorf("requests = %d, want %d", got, 1+graph.DefaultMaxRetries)
	}
	want := []time.Duration{1500 * time.Millisecond, 1500 * time.Millisecond, 1500 * time.Millisecond, 1500 * time.Millisecond}
	if diff := cmp.Diff(want, fake.Sleeps()); diff != "" {
		t.Errorf("waits (-want +got)\n%s", diff)
	}
}

func TestRetryAfterHTTPDate(t *testing.T) {
	date := t0.Add(3 * time.Second).Format(http.TimeFormat)
	c, _, fake := newTestClient(t, []step{throttled(date), ok(userJSON)})
	if _, err := c.GetUser(context.Background(), "u1"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]time.Duration{3 * time.Second}, fake.Sleeps()); diff != "" {
		t.Errorf("waits (-want +got)\n%s", diff)
	}
}

func TestRetryAfterBeyondMaxBackoffIsReturnedNotWaited(t *testing.T) {
	c, rec, fake := newTestClient(t, []step{throttled("120"), ok(userJSON)})
	_, err := c.GetUser(context.Background(), "u1")
	if domain.ErrorCode(err) != domain.Transient || domain.RetryAfterOf(err) != 120*time.Second {
		t.Fatalf("err = %v (retry after %v), want transient with 120s", err, domain.RetryAfterOf(err))
	}
	if len(fake.Sleeps()) != 0 || len(rec.requests()) != 1 {
		t.Errorf("waited %v over %d requests; want no wait, one request", fake.Sleeps(), len(rec.requests()))
	}
}

// A wait that would end after the caller's deadline (the engine's run
// deadline) is not taken: the fault comes back at once, Transient with
// its Retry-After, for the caller to reschedule; the retries fit inside
// the run. Each case's deadline is an hour or more away from the wait's
// end.
func TestRetryWaitsFitTheDeadline(t *testing.T) {
	tests := []struct {
		name     string
		steps    []step
		deadline time.Duration
		want     error // nil: the request succeeds after waiting
	}{
		{"retry-after within the deadline", []step{throttled("2.5"), ok(userJSON)}, time.Hour, nil},
		{"retry-after past the deadline", []step{throttled("2.5"), ok(userJSON)}, time.Second, errTransient},
		// the first backoff is at least 250 ms (half of 500 ms, jittered)
		{"backoff past the deadline", []step{fail(503, graphErr("serviceNotAvailable", "unavailable")), ok(userJSON)}, 200 * time.Millisecond, errTransient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec, fake := newTestClient(t, tt.steps)
			ctx, cancel := context.WithTimeout(context.Background(), tt.deadline)
			defer cancel()
			_, err := c.GetUser(ctx, "u1")
			if tt.want == nil {
				if err != nil || len(fake.Sleeps()) != 1 {
					t.Fatalf("err = %v after waits %v; want success after one wait", err, fake.Sleeps())
				}
				return
			}
			if domain.ErrorCode(err) != domain.Transient {
				t.Fatalf("err = %v, want transient", err)
			}
			if len(fake.Sleeps()) != 0 || len(rec.requests()) != 1 {
				t.Errorf("waited %v over %d requests; want no wait, one request", fake.Sleeps(), len(rec.requests()))
			}
		})
	}
}

var errTransient = &domain.Error{Code: domain.Transient}

// Every attempt sends the same body: gzipped afresh when it is at least
// MinCompressBytes long, as it is otherwise.
func TestRetryReplaysTheBody(t *testing.T) {
	faults := func(last step) []step {
		return []step{throttled("0.25"), fail(503, graphErr("serviceNotAvailable", "x")), last}
	}
	tests := []struct {
		name    string
		steps   []step
		send    func(*graph.Client) error
		gzipped bool
		check   func(t *testing.T, body []byte)
	}{
		{"a user (small, plain)", faults(step{status: 201, body: `{"id":"new1","userPrincipalName":"v@abc.com"}`}),
			func(c *graph.Client) error {
				u := domain.User{UPN: "v@abc.com", DisplayName: "V", MailNickname: "v", AccountEnabled: true, UsageLocation: "US",
					CompanyName: "Vendor1", Extensions: map[string]string{"extensionAttribute15": "vendorflow"}}
				got, err := c.CreateUser(context.Background(), u, "Pa55word!x")
				if err == nil && got.ID != "new1" {
					err = fmt.Errorf("id = %q", got.ID)
				}
				return err
			}, false,
			func(t *testing.T, b []byte) {
				var body map[string]any
				if err := json.Unmarshal(b, &body); err != nil || body["userPrincipalName"] != "v@abc.com" || body["companyName"] != "Vendor1" {
					t.Errorf("body = %s (%v)", b, err)
				}
			}},
		{"a long mail (gzipped)", faults(step{status: 202}),
			func(c *graph.Client) error {
				return c.SendMail(context.Background(), "vendorflow@abc.com",
					domain.Mail{To: []string{"v@vendor1.com"}, Subject: "s", Body: secret.New(strings.Repeat("line of text\n", 500))})
			}, true,
			func(t *testing.T, b []byte) {
				if !strings.Contains(string(b), "line of text") {
					t.Errorf("body = %.200s", b)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec, fake := newTestClient(t, tt.steps)
			graph.SetJitter(c, func(time.Duration) time.Duration { return 0 })
			if err := tt.send(c); err != nil {
				t.Fatal(err)
			}
			reqs := rec.requests()
			if len(reqs) != 3 {
				t.Fatalf("requests = %d, want 3", len(reqs))
			}
			for i, r := range reqs {
				if r.Gzipped != tt.gzipped {
					t.Errorf("attempt %d: gzipped %v, want %v", i, r.Gzipped, tt.gzipped)
				}
				if i > 0 && string(r.Body) != string(reqs[0].Body) {
					t.Errorf("attempt %d body differs:\n%s\nvs\n%s", i, r.Body, reqs[0].Body)
				}
			}
			tt.check(t, reqs[2].Body)
			if diff := cmp.Diff([]time.Duration{250 * time.Millisecond, 500 * time.Millisecond}, fake.Sleeps()); diff != "" {
				t.Errorf("waits (-want +got)\n%s", diff)
			}
		})
	}
}

func TestNoRetryOn400(t *testing.T) {
	c, rec, fake := newTestClient(t, []step{fail(400, graphErr("Request_BadRequest", "Invalid value specified for property 'x'."))})
	_, err := c.GetUser(context.Background(), "u1")
	if domain.ErrorCode(err) != domain.Invalid {
		t.Fatalf("err = %v, want invalid", err)
	}
	if len(rec.requests()) != 1 || len(fake.Sleeps()) != 0 {
		t.Errorf("requests %d, waits %v; want 1 and none", len(rec.requests()), fake.Sleeps())
	}
}

// A POST that timed out at the gateway may have been carried out: it is not
// repeated here but returned as Transient for the idempotent step to
// re-check.
func TestPOSTGatewayTimeoutIsNotRetried(t *testing.T) {
	c, rec, _ := newTestClient(t, []step{fail(504, graphErr("GatewayTimeout", "x")), {status: 201, body: `{"id":"n"}`}})
	_, err := c.CreateUser(context.Background(), domain.User{UPN: "v@abc.com", DisplayName: "V", MailNickname: "v"}, "Pa55word!x")
	if domain.ErrorCode(err) != domain.Transient {
		t.Fatalf("err = %v, want transient", err)
	}
	if n := len(rec.requests()); n != 1 {
		t.Errorf("requests = %d, want 1", n)
	}
}

// An attempt that exceeds AttemptTimeout is a network timeout: a GET is
// retried. (The handler blocks until the client gives up; the timeout is
// real time by nature, and short.)
func TestAttemptTimeoutIsRetriedForGET(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	var calls atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(userJSON))
	})
	c, fake := newHandlerClient(t, h, func(cfg *graph.Config) { cfg.AttemptTimeout = 100 * time.Millisecond })
	graph.SetJitter(c, func(time.Duration) time.Duration { return 0 })
	if _, err := c.GetUser(context.Background(), "u1"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]time.Duration{250 * time.Millisecond}, fake.Sleeps()); diff != "" {
		t.Errorf("waits (-want +got)\n%s", diff)
	}
	if s := c.Stats(); s.ByStatus[0] != 1 || s.Retries != 1 {
		t.Errorf("stats = %+v, want one transport error and one retry", s)
	}
}

func TestCancelledContextStopsRetrying(t *testing.T) {
	c, rec, _ := newTestClient(t, []step{throttled("1")})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.GetUser(ctx, "u1")
	if domain.ErrorCode(err) != domain.Transient {
		t.Fatalf("err = %v, want transient (cancelled)", err)
	}
	if len(rec.requests()) > 1 {
		t.Errorf("requests = %d after cancel", len(rec.requests()))
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := t0
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"2.128", 2128 * time.Millisecond, true},
		{"0.5", 500 * time.Millisecond, true},
		{"3", 3 * time.Second, true},
		{" 7 ", 7 * time.Second, true},
		{"0", 0, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
		{"", 0, false},
		{"-1", 0, false},
		{"soon", 0, false},
		{"NaN", 0, false},
	}
	for _, tt := range tests {
		got, ok := graph.ParseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
