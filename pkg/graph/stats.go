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
}

// statsRecorder accumulates Stats; it is shared by the middlewares of one
// Client.
type statsRecorder struct {
	mu sync.Mutex
	s  Stats
}

func newStatsRecorder() *statsRecorder {
	return &statsRecorder{s: Stats{ByStatus: map[int]int{}}}
}

func (r *statsRecorder) attempt(status int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.s.Requests++
	r.s.ByStatus[status]++
}

func (r *statsRecorder) retried() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.s.Retries++
}

func (r *statsRecorder) lagRetried() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.s.LagRetries++
}

func (r *statsRecorder) paced(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.s.PacedWrites++
	r.s.PacedFor += d
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
