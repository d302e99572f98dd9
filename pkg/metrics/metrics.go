// Package metrics is the one place where vendorflow's Prometheus metrics
// are defined: their names (vendorflow_*), help, labels and buckets, on a
// Registry of their own with the Go runtime's and the process's
// collectors. docs/observability.md lists them.
//
// The packages that do the work do not import it: they report through
// small hooks (engine.Config.Observer and OnLease, graph.Config.Observer,
// handler.Config.Observer, devhost.Config.Observe), and the commands
// connect those to a *Metrics. Labels are bounded enumerations (kinds,
// steps, outcomes, error codes, status codes, Graph route templates,
// queue and function names); no label ever carries request data such as
// a UPN, an email address or an id.
package metrics

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/vendorflow/vendorflow/pkg/domain"
)

// Namespace prefixes every vendorflow metric.
const Namespace = "vendorflow"

// Metrics holds vendorflow's metrics. Its methods are safe for concurrent
// use; a nil *Metrics is not.
type Metrics struct {
	reg *prometheus.Registry
	log *slog.Logger

	stepAttempts    *prometheus.CounterVec
	stepDuration    *prometheus.HistogramVec
	requests        *prometheus.CounterVec
	graphRequests   *prometheus.CounterVec
	graphDuration   *prometheus.HistogramVec
	graphRetryWait  *prometheus.HistogramVec
	writeBudgetWait prometheus.Histogram
	budgetDeferrals *prometheus.CounterVec
	leaseWait       *prometheus.HistogramVec
	invocations     *prometheus.CounterVec
	invocationTime  *prometheus.HistogramVec
}

// Buckets, in seconds.
var (
	// stepBuckets span a step that only reads (milliseconds) to one that
	// waited out retries and the write budget within a run (minutes).
	stepBuckets = []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120}
	// graphBuckets span one HTTP attempt, up to the 60 s attempt timeout.
	graphBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}
	// waitBuckets span the waits for Retry-After, a write token or a
	// lease: 0 (none) to the 30 s backoff cap and a minute.
	waitBuckets = []float64{0, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}
	// invocationBuckets span an invocation up to the 4 min run timeout.
	invocationBuckets = []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 240}
)

// Role says which of the metrics a process exposes: each process serves
// the ones it feeds, so that a series at 0 always means "none yet", never
// "not measured here".
type Role int

// Roles.
const (
	// RoleHandler is the custom handler, vendorflow serve: steps,
	// requests, Graph traffic and throttling, the write budget, leases.
	RoleHandler Role = iota
	// RoleHost is the local Functions host, vendorflow dev: its
	// invocations, and the queue gauges once WatchQueues is called.
	RoleHost
)

// New returns the metrics of role, registered on a new Registry with the
// Go runtime's and the process's collectors (the others are defined but
// not exposed). log receives the errors of a scrape that could be served
// only in part (nil: discarded).
func New(role Role, log *slog.Logger) *Metrics {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		log: log,
		stepAttempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "step_attempts_total",
			Help: "Step attempts that ended, by request kind, step and outcome (done, or the error code of a failed attempt: transient, internal, invalid, conflict, not_found, business).",
		}, []string{"kind", "step", "outcome"}),
		stepDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "step_duration_seconds",
			Help:    "How long a step attempt took, from its start to its outcome recorded in the journal, by request kind, step and outcome.",
			Buckets: stepBuckets,
		}, []string{"kind", "step", "outcome"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "requests_total",
			Help: "Onboard and offboard deliveries the handler settled, by kind and outcome (done, superseded, parked, retrying, deferred, failed, malformed).",
		}, []string{"kind", "outcome"}),
		graphRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "graph_requests_total",
			Help: "HTTP attempts sent to Microsoft Graph (retries included), by method, route template and status code (0: a transport error).",
		}, []string{"method", "route", "status"}),
		graphDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "graph_request_duration_seconds",
			Help:    "How long one HTTP attempt to Microsoft Graph took, by method and route template.",
			Buckets: graphBuckets,
		}, []string{"method", "route"}),
		graphRetryWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "graph_retry_wait_seconds",
			Help:    "Waits before retrying a Graph request (the server's Retry-After, else the backoff), by the status that caused them (429, 503, 504; 0: a transport error).",
			Buckets: waitBuckets,
		}, []string{"status"}),
		writeBudgetWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "graph_write_budget_wait_seconds",
			Help:    "How long each Graph write waited for a token from the write budget (0 when one was free).",
			Buckets: waitBuckets,
		}),
		budgetDeferrals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "write_budget_deferrals_total",
			Help: "Requests deferred because a Graph write token was too far off, by stage: admission (before the run, past the handler's MaxHold) or run (a write whose token would come after the run's deadline).",
		}, []string{"stage"}),
		leaseWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "lease_wait_seconds",
			Help:    "How long runs waited for their account's lease, by request kind and outcome (acquired; busy: another request held the account and the run was deferred; yielded: another run of the same request kept it).",
			Buckets: waitBuckets,
		}, []string{"kind", "outcome"}),
		invocations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "host_invocations_total",
			Help: "Invocations made by the local Functions host (vendorflow dev), by function and outcome (completed, abandoned, lock_lost, ok, failed).",
		}, []string{"function", "outcome"}),
		invocationTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "host_invocation_duration_seconds",
			Help:    "How long the local Functions host's invocations took, settling included, by function and outcome.",
			Buckets: invocationBuckets,
		}, []string{"function", "outcome"}),
	}
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if role == RoleHost {
		m.reg.MustRegister(m.invocations, m.invocationTime)
		return m
	}
	m.reg.MustRegister(
		m.stepAttempts, m.stepDuration, m.requests,
		m.graphRequests, m.graphDuration, m.graphRetryWait, m.writeBudgetWait, m.budgetDeferrals,
		m.leaseWait,
	)
	// Every step's counter of done attempts starts at 0, so that a
	// dashboard (or rate()) sees the series before the first request.
	for _, kind := range []string{domain.KindOnboard, domain.KindOffboard} {
		plan, _ := domain.Plan(kind)
		for _, s := range plan {
			m.stepAttempts.WithLabelValues(kind, string(s), outcomeDone)
		}
	}
	return m
}

// Registry is the registry every metric is on (add collectors to it; the
// tests gather from it).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus exposition formats, merged
// with those of others (Remote: the handler children of vendorflow dev).
// A scrape that fails in part serves what it could and logs the rest.
func (m *Metrics) Handler(others ...prometheus.Gatherer) http.Handler {
	g := prometheus.Gatherers{m.reg}
	g = append(g, others...)
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{
		ErrorLog:      errorLog{m.log},
		ErrorHandling: promhttp.ContinueOnError,
		Timeout:       scrapeTimeout,
	})
}

// scrapeTimeout bounds one scrape of the endpoint.
const scrapeTimeout = 10 * time.Second

// Path is where the metrics are served.
const Path = "/metrics"

// Wrap serves GET (and HEAD) Path from m and everything else from next:
// the handler's own routes (the Functions host's POST /<function> and GET
// /) are untouched.
func (m *Metrics) Wrap(next http.Handler) http.Handler {
	mh := m.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == Path && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			mh.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// errorLog adapts slog to promhttp's error log.
type errorLog struct{ log *slog.Logger }

func (e errorLog) Println(v ...any) {
	e.log.Warn("metrics scrape incomplete", "error", fmt.Sprint(v...))
}
