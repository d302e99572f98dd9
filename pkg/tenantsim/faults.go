package tenantsim

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// FaultKind names an injected condition in Stats.Faults.
type FaultKind string

// Fault kinds counted in Stats.Faults.
const (
	FaultTooManyRequests    FaultKind = "429"             // injected 429 TooManyRequests
	FaultServiceUnavailable FaultKind = "503"             // injected 503
	FaultGatewayTimeout     FaultKind = "504"             // injected 504
	FaultSlow               FaultKind = "slow"            // response delayed by SlowDelay
	FaultWriteQuota         FaultKind = "write-quota"     // 429 from the write quota
	FaultReplicationLag     FaultKind = "replication-lag" // 404 or stale usageLocation caused by ReplicationLag, or RateLag
	FaultReset              FaultKind = "reset"           // connection reset before any response (RateReset)
)

// AllRoutes is the Faults.Routes key that applies to every route without its own entry.
const AllRoutes = "*"

// DefaultRetryAfter returns the Retry-After values (seconds) used when
// RouteFaults.RetryAfter is empty: 0.5, 1.25 and 2.128 — fractional values
// occur in the wild (REFERENCE.md §2 Faults).
func DefaultRetryAfter() []float64 { return []float64{0.5, 1.25, 2.128} }

// Faults are the conditions the emulator injects (REFERENCE.md §2 Faults,
// limits, consistency). The zero value injects nothing.
//
// JSON (PUT /_sim/faults, config files): {"seed":1,"routes":{"*":{...}},
// "replicationLag":"2s","writeQuota":3000,"writeWindow":"150s"}; every
// duration is a Go duration string ("1.5s") or a number of milliseconds.
type Faults struct {
	// Seed makes every decision deterministic: the same seed and the same
	// sequence of requests give the same faults. Each Graph request (and each
	// inner $batch request) draws exactly three numbers from a PCG seeded with
	// it, whatever the outcome.
	Seed int64
	// Routes maps a route template ("POST /users/{id}/assignLicense", see
	// RouteTemplates) or AllRoutes to its faults. A route with its own entry
	// ignores the AllRoutes entry.
	Routes map[string]RouteFaults
	// ReplicationLag hides a newly created user, group or TAP from reads, from
	// group-member adds and from assignLicense (404 Request_ResourceNotFound)
	// for this long after creation, and keeps a PATCHed usageLocation unseen
	// by assignLicense (400 invalid usage location) for as long. Measured on
	// Config.Clock from each change with the current setting, so setting it
	// to zero reveals everything at once. Writes (PATCH, DELETE, TAP, sendMail,
	// revokeSignInSessions) reach the primary and see the object at once;
	// seeded objects are never hidden.
	ReplicationLag time.Duration
	// WriteQuota is the number of writes (POST, PATCH, DELETE; a $batch counts
	// its inner writes) admitted per WriteWindow per app; 0 = unlimited. Graph:
	// 3,000 per 150 s per app per tenant (REFERENCE.md §2).
	WriteQuota int
	// WriteWindow is the sliding window of WriteQuota, on Config.Clock.
	WriteWindow time.Duration
}

// RouteFaults are the faults of one route.
type RouteFaults struct {
	// Rate429, Rate503 and Rate504 are probabilities (0..1, sum ≤ 1) of
	// answering 429 TooManyRequests, 503 or 504 instead of serving. A faulted
	// request has no side effect.
	Rate429, Rate503, Rate504 float64
	// RateLag is the probability of answering 404 Request_ResourceNotFound
	// on a route that names an object ({id}), as a replica that has not
	// seen the object yet would; RateReset, of resetting the connection
	// before any response. Neither request takes effect. The four rates
	// and RateReset add up to at most 1. A reset inside $batch is a 503.
	RateLag, RateReset float64
	// RetryAfter are the seconds a 429 (and a 503) puts in Retry-After, picked
	// deterministically; empty means DefaultRetryAfter().
	RetryAfter []float64
	// SlowRate is the probability of delaying the response by SlowDelay (real
	// time). The request takes effect before the delay, so a client that times
	// out has still changed the tenant — the at-least-once case. A cancelled
	// request context ends the delay.
	SlowRate  float64
	SlowDelay time.Duration
}

// Validate reports the first invalid setting.
func (f Faults) Validate() error {
	if f.ReplicationLag < 0 {
		return errors.New("faults: negative replication lag")
	}
	if f.WriteQuota < 0 {
		return errors.New("faults: negative write quota")
	}
	if f.WriteQuota > 0 && f.WriteWindow <= 0 {
		return errors.New("faults: write quota needs a positive write window")
	}
	for route, rf := range f.Routes {
		if err := rf.validate(); err != nil {
			return fmt.Errorf("faults: route %q: %w", route, err)
		}
	}
	return nil
}

func (rf RouteFaults) validate() error {
	for _, p := range []float64{rf.Rate429, rf.Rate503, rf.Rate504, rf.RateLag, rf.RateReset, rf.SlowRate} {
		if p < 0 || p > 1 || math.IsNaN(p) {
			return fmt.Errorf("rate %v outside 0..1", p)
		}
	}
	if rf.errorRate() > 1+1e-9 {
		return errors.New("error rates add up to more than 1")
	}
	for _, s := range rf.RetryAfter {
		if s < 0 || math.IsNaN(s) || math.IsInf(s, 0) {
			return fmt.Errorf("retry-after %v is not a non-negative number", s)
		}
	}
	if rf.SlowDelay < 0 {
		return errors.New("negative slow delay")
	}
	return nil
}

// errorRate is the probability that a request is answered with a fault.
func (rf RouteFaults) errorRate() float64 {
	return rf.Rate429 + rf.Rate503 + rf.Rate504 + rf.RateLag + rf.RateReset
}

// clone deep-copies f so that callers cannot change the server's settings.
func (f Faults) clone() Faults {
	c := f
	if f.Routes != nil {
		c.Routes = make(map[string]RouteFaults, len(f.Routes))
		for k, v := range f.Routes {
			v.RetryAfter = append([]float64(nil), v.RetryAfter...)
			c.Routes[k] = v
		}
	}
	return c
}

// jsonDuration is a time.Duration that reads a Go duration string or a
// number of milliseconds and writes a duration string.
type jsonDuration time.Duration

func (d jsonDuration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

func (d *jsonDuration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("duration %q: %w", s, err)
		}
		*d = jsonDuration(v)
		return nil
	}
	var ms float64
	if err := json.Unmarshal(b, &ms); err != nil {
		return fmt.Errorf("duration must be a string like \"1.5s\" or milliseconds: %w", err)
	}
	*d = jsonDuration(time.Duration(ms * float64(time.Millisecond)))
	return nil
}

type faultsJSON struct {
	Seed           int64                  `json:"seed"`
	Routes         map[string]RouteFaults `json:"routes,omitempty"`
	ReplicationLag jsonDuration           `json:"replicationLag"`
	WriteQuota     int                    `json:"writeQuota"`
	WriteWindow    jsonDuration           `json:"writeWindow"`
}

type routeFaultsJSON struct {
	Rate429    float64      `json:"rate429"`
	Rate503    float64      `json:"rate503"`
	Rate504    float64      `json:"rate504"`
	RateLag    float64      `json:"rateLag,omitempty"`
	RateReset  float64      `json:"rateReset,omitempty"`
	RetryAfter []float64    `json:"retryAfter,omitempty"`
	SlowRate   float64      `json:"slowRate"`
	SlowDelay  jsonDuration `json:"slowDelay"`
}

// MarshalJSON writes durations as Go duration strings.
func (f Faults) MarshalJSON() ([]byte, error) {
	return json.Marshal(faultsJSON{f.Seed, f.Routes, jsonDuration(f.ReplicationLag), f.WriteQuota, jsonDuration(f.WriteWindow)})
}

// UnmarshalJSON reads durations as Go duration strings or milliseconds.
func (f *Faults) UnmarshalJSON(b []byte) error {
	var w faultsJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*f = Faults{Seed: w.Seed, Routes: w.Routes, ReplicationLag: time.Duration(w.ReplicationLag), WriteQuota: w.WriteQuota, WriteWindow: time.Duration(w.WriteWindow)}
	return nil
}

// MarshalJSON writes SlowDelay as a Go duration string.
func (rf RouteFaults) MarshalJSON() ([]byte, error) {
	return json.Marshal(routeFaultsJSON{rf.Rate429, rf.Rate503, rf.Rate504, rf.RateLag, rf.RateReset, rf.RetryAfter, rf.SlowRate, jsonDuration(rf.SlowDelay)})
}

// UnmarshalJSON reads SlowDelay as a Go duration string or milliseconds.
func (rf *RouteFaults) UnmarshalJSON(b []byte) error {
	var w routeFaultsJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*rf = RouteFaults{Rate429: w.Rate429, Rate503: w.Rate503, Rate504: w.Rate504, RateLag: w.RateLag, RateReset: w.RateReset,
		RetryAfter: w.RetryAfter, SlowRate: w.SlowRate, SlowDelay: time.Duration(w.SlowDelay)}
	return nil
}

// faultEngine holds the fault settings, the seeded PCG and the write-quota
// log. Every access holds Server.mu.
type faultEngine struct {
	f      Faults
	rng    *rand.Rand
	writes map[string][]time.Time // per app: admitted write times, oldest first
}

func newFaultEngine(f Faults) *faultEngine {
	e := &faultEngine{writes: map[string][]time.Time{}}
	e.set(f)
	return e
}

// set replaces the settings and reseeds the PCG; the quota log is kept.
func (e *faultEngine) set(f Faults) {
	e.f = f.clone()
	seed := uint64(f.Seed)
	e.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// decision is the fault outcome for one request.
type decision struct {
	fault      FaultKind // "" = serve
	retryAfter string
	slow       time.Duration
	// quotaUse is the share of the write quota in use after admitting this
	// write (0 when there is no quota or the request is not a write).
	quotaUse float64
}

// decide draws the fault of one request. write marks a request that counts
// against the write quota; app is the caller's app key.
//
// named says whether the route names an object (RateLag applies), inner
// whether the request is inside $batch (a reset becomes a 503).
func (e *faultEngine) decide(route string, write, named, inner bool, app string, now time.Time) decision {
	rf, ok := e.f.Routes[route]
	if !ok {
		rf = e.f.Routes[AllRoutes]
	}
	// Always three draws, so that the sequence does not depend on outcomes.
	u1, u2, u3 := e.rng.Float64(), e.rng.Float64(), e.rng.Float64()
	var d decision
	if u2 < rf.SlowRate {
		d.slow = rf.SlowDelay
	}
	retry := rf.RetryAfter
	if len(retry) == 0 {
		retry = DefaultRetryAfter()
	}
	pick := strconv.FormatFloat(retry[int(u3*float64(len(retry)))%len(retry)], 'f', -1, 64)
	switch {
	case u1 < rf.Rate429:
		d.fault, d.retryAfter = FaultTooManyRequests, pick
		return d
	case u1 < rf.Rate429+rf.Rate503:
		d.fault, d.retryAfter = FaultServiceUnavailable, pick
		return d
	case u1 < rf.Rate429+rf.Rate503+rf.Rate504:
		d.fault = FaultGatewayTimeout
		return d
	case u1 < rf.Rate429+rf.Rate503+rf.Rate504+rf.RateLag:
		if named {
			d.fault = FaultReplicationLag
			return d
		}
	case u1 < rf.errorRate():
		d.fault = FaultReset
		if inner {
			d.fault, d.retryAfter = FaultServiceUnavailable, pick
		}
		return d
	}
	if write && e.f.WriteQuota > 0 {
		log := e.writes[app]
		cut := 0
		for cut < len(log) && !log[cut].After(now.Add(-e.f.WriteWindow)) {
			cut++
		}
		log = log[cut:]
		if len(log) >= e.f.WriteQuota {
			wait := log[0].Add(e.f.WriteWindow).Sub(now)
			secs := max(1, int(math.Ceil(wait.Seconds())))
			e.writes[app] = log
			d.fault, d.retryAfter = FaultWriteQuota, strconv.Itoa(secs)
			d.quotaUse = float64(len(log)) / float64(e.f.WriteQuota)
			return d
		}
		log = append(log, now)
		e.writes[app] = log
		d.quotaUse = float64(len(log)) / float64(e.f.WriteQuota)
	}
	return d
}

// faultError renders an injected fault as Graph's error.
func faultError(d decision) *graphError {
	var e *graphError
	switch d.fault {
	case FaultTooManyRequests:
		e = newError(http.StatusTooManyRequests, CodeTooManyRequests, "Too many requests. Retry after the time given in the Retry-After header.")
	case FaultWriteQuota:
		e = newError(http.StatusTooManyRequests, CodeTooManyRequests, "The application has exceeded its write quota for this tenant. Retry after the time given in the Retry-After header.")
	case FaultServiceUnavailable:
		e = newError(http.StatusServiceUnavailable, CodeServiceNotAvailable, "The service is temporarily unavailable. Retry after the time given in the Retry-After header.")
	case FaultGatewayTimeout:
		e = newError(http.StatusGatewayTimeout, CodeGatewayTimeout, "The gateway did not receive a timely response from the upstream server.")
	case FaultReplicationLag:
		e = newError(http.StatusNotFound, CodeResourceNotFound, "Resource does not exist or one of its queried reference-property objects are not present.")
	case FaultReset:
		e = newError(http.StatusServiceUnavailable, CodeServiceNotAvailable, "connection reset") // never sent: serveGraph resets the connection
	default:
		return nil
	}
	if d.retryAfter != "" {
		e.header = http.Header{"Retry-After": {d.retryAfter}}
	}
	if d.quotaUse > 0.8 {
		if e.header == nil {
			e.header = http.Header{}
		}
		e.header.Set(throttlePercentHeader, formatQuotaUse(d.quotaUse))
	}
	e.fault = d.fault
	return e
}

// throttlePercentHeader is sent when an app has used more than 80 % of its
// quota (REFERENCE.md §2; DOCS graph throttling: values 0.8 to 1.8).
const throttlePercentHeader = "x-ms-throttle-limit-percentage"

func formatQuotaUse(u float64) string { return strconv.FormatFloat(u, 'f', 2, 64) }

// hidden reports whether a change made at t (zero: seeded, never hidden) is
// still invisible at now because of the replication lag.
func (e *faultEngine) hidden(t, now time.Time) bool {
	return !t.IsZero() && e.f.ReplicationLag > 0 && now.Before(t.Add(e.f.ReplicationLag))
}
