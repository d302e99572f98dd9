package graph

import (
	"net/http"
	"sync"
	"time"

	khttp "github.com/microsoft/kiota-http-go"
)

// Write pacing defaults: Graph allows 3,000 identity writes per 150 s per
// app per tenant (REFERENCE §2 "Faults, limits, consistency"; DOCS
// throttling-limits). vendorflow paces itself to 80 % of that, the level
// above which Graph starts sending x-ms-throttle-limit-percentage, so that
// the quota is respected by pacing rather than discovered by 429s.
const (
	DefaultWriteLimit  = 2400
	DefaultWriteWindow = 150 * time.Second
)

// writePacer admits at most limit writes in any window on the injected
// clock. Each write reserves a slot: now, or the moment the write `limit`
// places earlier leaves the window, whichever is later; the caller then
// waits until its slot. Reservations are kept in time order.
type writePacer struct {
	mu     sync.Mutex
	clock  Clock
	limit  int
	window time.Duration
	slots  []time.Time // the last `limit` reserved slots, oldest first
}

func newWritePacer(c Clock, limit int, window time.Duration) *writePacer {
	return &writePacer{clock: c, limit: limit, window: window}
}

// reserve returns how long the caller must wait before it may write.
func (p *writePacer) reserve() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.clock.Now()
	at := now
	if n := len(p.slots); n > 0 && p.slots[n-1].After(at) {
		at = p.slots[n-1]
	}
	if len(p.slots) == p.limit {
		if free := p.slots[0].Add(p.window); free.After(at) {
			at = free
		}
		p.slots = append(p.slots[:0], p.slots[1:]...)
	}
	p.slots = append(p.slots, at)
	return at.Sub(now)
}

// paceMiddleware delays writes (every method but GET and HEAD) to the
// pacer's rate. It sits below the retry middleware, so retried writes are
// paced too.
type paceMiddleware struct {
	pacer *writePacer
	stats *statsRecorder
}

// Intercept implements khttp.Middleware.
func (m paceMiddleware) Intercept(p khttp.Pipeline, index int, req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		if d := m.pacer.reserve(); d > 0 {
			m.stats.paced(d)
			if err := m.pacer.clock.Sleep(req.Context(), d); err != nil {
				return nil, err
			}
		}
	}
	return p.Next(req, index)
}
