package devhost

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/funcapp"
	"github.com/vendorflow/vendorflow/pkg/queue"
)

var t0 = time.Date(2026, 3, 1, 10, 0, 3, 0, time.UTC)

// fakeClock is a manual clock whose sleeps end when Advance passes their
// deadline (or their context ends); waiting reports each sleep begun so
// that tests can advance only once the code under test is waiting.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []fakeWaiter
	waiting chan struct{} // receives one value per Sleep call
}

type fakeWaiter struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock(start time.Time) *fakeClock {
	return &fakeClock{now: start, waiting: make(chan struct{}, 1024)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep blocks until Advance reaches now+d or ctx ends.
func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-c.after(d):
		return nil
	}
}

func (c *fakeClock) after(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
	} else {
		c.waiters = append(c.waiters, fakeWaiter{c.now.Add(d), ch})
	}
	select {
	case c.waiting <- struct{}{}:
	default:
	}
	return ch
}

// Advance moves the clock and fires every waiter that is due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(c.now) {
			w.ch <- c.now
			continue
		}
		kept = append(kept, w)
	}
	c.waiters = kept
}

// awaitWaiter blocks until the code under test has begun one more sleep.
func (c *fakeClock) awaitWaiter(t *testing.T) {
	t.Helper()
	select {
	case <-c.waiting:
	case <-time.After(10 * time.Second):
		t.Fatal("nothing waited on the clock")
	}
}

// drainWaiting forgets earlier sleeps.
func (c *fakeClock) drainWaiting() {
	for {
		select {
		case <-c.waiting:
		default:
			return
		}
	}
}

func openQueue(t *testing.T, clk clock.Clock, maxDeliveries int) *queue.Queue {
	t.Helper()
	q, err := queue.Open(context.Background(), queue.Config{
		Path: filepath.Join(t.TempDir(), "q.db"), Clock: clk, MaxDeliveryCount: maxDeliveries,
	})
	if err != nil {
		t.Fatalf("open queue: %v", err)
	}
	t.Cleanup(func() { _ = q.Close() })
	return q
}

// call is one request received by the fake handler.
type call struct {
	path, invocationID string
	req                *http.Request
	body               []byte
}

// fakeHandler records every invocation and answers with reply.
func fakeHandler(t *testing.T, reply func(c call) (int, any)) (*httptest.Server, <-chan call) {
	t.Helper()
	calls := make(chan call, 100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c := call{path: r.URL.Path, invocationID: r.Header.Get("X-Azure-Functions-InvocationId"), req: r.Clone(context.Background()), body: buf}
		calls <- c
		status, body := reply(c)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(body)
	}))
	t.Cleanup(srv.Close)
	return srv, calls
}

// startHost runs a host until the test ends and returns its invocations.
func startHost(t *testing.T, cfg Config) (*Host, <-chan Invocation) {
	t.Helper()
	invs := make(chan Invocation, 100)
	cfg.Observe = func(i Invocation) { invs <- i }
	if cfg.HTTPAddr == "" {
		cfg.HTTPAddr = "127.0.0.1:0"
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return h, invs
}

func next[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(15 * time.Second):
		t.Fatal("timed out waiting")
	}
	var zero T
	return zero
}

func onlyFunctions(names ...string) []funcapp.Function {
	var out []funcapp.Function
	for _, n := range names {
		f, _ := funcapp.Lookup(n)
		out = append(out, f)
	}
	return out
}

func okReply(call) (int, any) {
	return http.StatusOK, map[string]any{"Outputs": map[string]any{}, "Logs": []string{}}
}
