package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/domain"
)

// observed is what a recordingObserver was told, in order.
type observed struct {
	Attempts    []string // "METHOD PATH STATUS"
	RetryWaits  []string // "STATUS WAIT"
	WriteWaits  []time.Duration
	Deferrals   int
	NonPositive int // attempts whose measured latency was not positive
}

type recordingObserver struct {
	mu sync.Mutex
	o  observed
}

func (r *recordingObserver) GraphAttempt(method, path string, status int, took time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.o.Attempts = append(r.o.Attempts, fmt.Sprintf("%s %s %d", method, path, status))
	if took <= 0 {
		r.o.NonPositive++
	}
}

func (r *recordingObserver) GraphRetryWait(status int, wait time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.o.RetryWaits = append(r.o.RetryWaits, fmt.Sprintf("%d %s", status, wait))
}

func (r *recordingObserver) GraphWriteWait(wait time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.o.WriteWaits = append(r.o.WriteWaits, wait)
}

func (r *recordingObserver) GraphWriteDeferred() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.o.Deferrals++
}

// The Observer is told of every attempt on the wire (with its path as
// sent: replacing the ids is the observer's job), every retry wait and
// every write's wait for the budget, from the points that count Stats.
func TestObserver(t *testing.T) {
	throttle := func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "0.5")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"error":{"code":"TooManyRequests","message":"slow down"}}`))
	}
	unavailable := func(w http.ResponseWriter) { w.WriteHeader(http.StatusServiceUnavailable) }
	tests := []struct {
		name   string
		first  func(http.ResponseWriter) // the first answer; later ones succeed
		budget WriteBudget
		call   func(ctx context.Context, c *Client) error
		want   observed
	}{
		{
			name:  "a read retried after a 503",
			first: unavailable,
			call:  func(ctx context.Context, c *Client) error { _, err := c.GetUser(ctx, "ada@abc.com"); return err },
			want: observed{
				Attempts:   []string{"GET /v1.0/users/ada@abc.com 503", "GET /v1.0/users/ada@abc.com 200"},
				RetryWaits: []string{"503 500ms"},
			},
		},
		{
			name:   "a write throttled with Retry-After",
			first:  throttle,
			budget: &fakeBudget{},
			call:   func(ctx context.Context, c *Client) error { return c.DeleteUser(ctx, "u1") },
			want: observed{
				Attempts:   []string{"DELETE /v1.0/users/u1 429", "DELETE /v1.0/users/u1 204"},
				RetryWaits: []string{"429 500ms"},
				WriteWaits: []time.Duration{0, 0},
			},
		},
		{
			name:   "a write paced by the budget",
			budget: &fakeBudget{wait: 250 * time.Millisecond},
			call:   func(ctx context.Context, c *Client) error { return c.DeleteUser(ctx, "u1") },
			want: observed{
				Attempts:   []string{"DELETE /v1.0/users/u1 204"},
				WriteWaits: []time.Duration{250 * time.Millisecond},
			},
		},
		{
			name:   "a write whose token comes after the deadline",
			budget: &fakeBudget{wait: time.Hour},
			call:   func(ctx context.Context, c *Client) error { return c.DeleteUser(ctx, "u1") },
			want:   observed{Deferrals: 1},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls++
				if calls == 1 && tc.first != nil {
					tc.first(w)
					return
				}
				if r.Method == http.MethodGet {
					w.Header().Set("Content-Type", "application/json")
					_, _ = w.Write([]byte(`{"id":"u1","userPrincipalName":"ada@abc.com"}`))
					return
				}
				w.WriteHeader(http.StatusNoContent)
			}))
			defer srv.Close()
			obs := &recordingObserver{}
			c, err := New(Config{BaseURL: srv.URL + "/v1.0", HTTPClient: srv.Client(), Clock: clock.NewFake(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)),
				WriteBudget: tc.budget, Observer: obs, LagRetries: -1})
			if err != nil {
				t.Fatal(err)
			}
			c.retry.jitter = func(d time.Duration) time.Duration { return d }
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			err = tc.call(ctx, c)
			if tc.want.Deferrals > 0 {
				if !errors.Is(err, domain.ErrBudgetWait) {
					t.Fatalf("err = %v, want ErrBudgetWait", err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, obs.o); diff != "" {
				t.Errorf("observed (-want +got)\n%s", diff)
			}
			if st := c.Stats(); st.Requests != len(obs.o.Attempts) || st.WriteDeferrals != obs.o.Deferrals {
				t.Errorf("Stats %+v disagree with the observer %+v", st, obs.o)
			}
		})
	}
}
