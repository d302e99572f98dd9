package graph

import (
	"maps"
	"sync"
	"time"
)

// Stats counts the adapter's traffic since New (for the demo's
// "graphRequests" and for tests).
type Stats struct {
	// Requests is the number of HTTP attempts sent on the wire.
	Requests int `json:"requests"`
	// Retries is the number of attempts repeated by the retry middleware.
	Retries int `json:"retries"`
	// LagRetries is the number of operations repeated after a NotFound
	// that replication lag may explain.
	LagRetries int `json:"lagRetries"`
	// ByStatus counts attempts per HTTP status; 0 counts transport errors.
	ByStatus map[int]int `json:"byStatus"`
	// PacedWrites counts writes the pacer delayed, and PacedFor the total
	// delay (write quota pacing).
	PacedWrites int           `json:"pacedWrites"`
	PacedFor    time.Duration `json:"pacedFor"`
	// WriteThrottles counts 429s to writes passed to the write budget as a
	// pause, WritePressure the x-ms-throttle-limit-percentage signals
	// (above 80 %) passed on as a slow-down, and WriteBudgetErrors the writes
	// not sent because the budget could not be consulted.
	WriteThrottles    int `json:"writeThrottles,omitempty"`
	WritePressure     int `json:"writePressure,omitempty"`
	WriteBudgetErrors int `json:"writeBudgetErrors,omitempty"`
	// WriteDeferrals counts writes not sent because the budget's token
	// would have come after the request's deadline.
	WriteDeferrals int `json:"writeDeferrals,omitempty"`
}

// statsRecorder accumulates Stats and tells the Observer, if any; it is
// shared by the middlewares of one Client.
type statsRecorder struct {
	mu  sync.Mutex
	s   Stats
	obs Observer
}

func newStatsRecorder(obs Observer) *statsRecorder {
	return &statsRecorder{s: Stats{ByStatus: map[int]int{}}, obs: obs}
}

func (r *statsRecorder) attempt(method, path string, status int, took time.Duration) {
	r.mu.Lock()
	r.s.Requests++
	r.s.ByStatus[status]++
	r.mu.Unlock()
	if r.obs != nil {
		r.obs.GraphAttempt(method, path, status, took)
	}
}

func (r *statsRecorder) retried(status int, wait time.Duration) {
	r.mu.Lock()
	r.s.Retries++
	r.mu.Unlock()
	if r.obs != nil {
		r.obs.GraphRetryWait(status, wait)
	}
}

func (r *statsRecorder) lagRetried() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.s.LagRetries++
}

// reserved records a write's wait for its token (0: none).
func (r *statsRecorder) reserved(d time.Duration) {
	if d > 0 {
		r.mu.Lock()
		r.s.PacedWrites++
		r.s.PacedFor += d
		r.mu.Unlock()
	}
	if r.obs != nil {
		r.obs.GraphWriteWait(d)
	}
}

func (r *statsRecorder) deferred() {
	r.mu.Lock()
	r.s.WriteDeferrals++
	r.mu.Unlock()
	if r.obs != nil {
		r.obs.GraphWriteDeferred()
	}
}

func (r *statsRecorder) throttled() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.s.WriteThrottles++
}

func (r *statsRecorder) pressured() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.s.WritePressure++
}

func (r *statsRecorder) budgetFailed() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.s.WriteBudgetErrors++
}

func (r *statsRecorder) snapshot() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.s
	s.ByStatus = maps.Clone(r.s.ByStatus)
	return s
}
