package metrics

import (
	"strconv"
	"strings"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
	"github.com/vendorflow/vendorflow/pkg/handler"
)

// outcomeDone is the step outcome of an attempt that finished.
const outcomeDone = "done"

// ObserveStep counts a step attempt that ended (engine.Config.Observer):
// a done or failed step transition, with its duration. A step starting
// is not counted.
func (m *Metrics) ObserveStep(ev engine.Event) {
	var outcome string
	switch ev.Status {
	case domain.StepDone:
		outcome = outcomeDone
	case domain.StepFailed:
		outcome = codeLabel(ev.Code)
	default:
		return
	}
	kind, step := bounded(ev.Kind), bounded(string(ev.Step))
	m.stepAttempts.WithLabelValues(kind, step, outcome).Inc()
	m.stepDuration.WithLabelValues(kind, step, outcome).Observe(ev.Took.Seconds())
}

// codeLabel is the outcome label of a failed attempt: its error code, one
// of the domain's (anything else counts as internal, as domain.OutcomeOf
// treats it).
func codeLabel(c domain.Code) string {
	switch c {
	case domain.Invalid, domain.Conflict, domain.NotFound, domain.Business, domain.Transient:
		return string(c)
	}
	return string(domain.Internal)
}

// bounded keeps a label value taken from an enumeration short and
// printable, so that a value the enumerations do not know (a bug) cannot
// carry much.
func bounded(v string) string {
	if len(v) > 40 {
		v = v[:40]
	}
	if v == "" {
		return "unknown"
	}
	return v
}

// ObserveLease records one run's claim on its account's lease
// (engine.Config.OnLease).
func (m *Metrics) ObserveLease(c engine.LeaseClaim) {
	m.leaseWait.WithLabelValues(bounded(c.Kind), bounded(c.Outcome)).Observe(c.Waited.Seconds())
}

// ObserveSettled counts what became of an onboard or offboard delivery
// (handler.Config.Observer), and a deferral made at admission.
func (m *Metrics) ObserveSettled(s handler.Settled) {
	m.requests.WithLabelValues(bounded(s.Kind), bounded(s.Outcome)).Inc()
	if s.Admission {
		m.budgetDeferrals.WithLabelValues(stageAdmission).Inc()
	}
}

// Stages of vendorflow_write_budget_deferrals_total.
const (
	stageAdmission = "admission"
	stageRun       = "run"
)

// GraphAttempt implements graph.Observer: one attempt, its route template
// (GraphRoute: ids and UPNs replaced) and status.
func (m *Metrics) GraphAttempt(method, path string, status int, took time.Duration) {
	method, route := methodLabel(method), GraphRoute(path)
	m.graphRequests.WithLabelValues(method, route, strconv.Itoa(statusLabel(status))).Inc()
	m.graphDuration.WithLabelValues(method, route).Observe(took.Seconds())
}

// GraphRetryWait implements graph.Observer.
func (m *Metrics) GraphRetryWait(status int, wait time.Duration) {
	m.graphRetryWait.WithLabelValues(strconv.Itoa(statusLabel(status))).Observe(wait.Seconds())
}

// GraphWriteWait implements graph.Observer.
func (m *Metrics) GraphWriteWait(wait time.Duration) {
	m.writeBudgetWait.Observe(wait.Seconds())
}

// GraphWriteDeferred implements graph.Observer.
func (m *Metrics) GraphWriteDeferred() {
	m.budgetDeferrals.WithLabelValues(stageRun).Inc()
}

// methodLabel is an HTTP method as a label: one of the standard ones, else
// "OTHER".
func methodLabel(method string) string {
	switch m := strings.ToUpper(method); m {
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS":
		return m
	}
	return "OTHER"
}

// statusLabel is an HTTP status as a label: 100..599, else 0.
func statusLabel(status int) int {
	if status < 100 || status > 599 {
		return 0
	}
	return status
}

// ObserveInvocation records one invocation of the local Functions host
// (devhost.Config.Observe): its function, its outcome and how long it took.
func (m *Metrics) ObserveInvocation(function, outcome string, took time.Duration) {
	outcome = strings.ReplaceAll(bounded(outcome), " ", "_") // "lock lost"
	m.invocations.WithLabelValues(bounded(function), outcome).Inc()
	m.invocationTime.WithLabelValues(bounded(function), outcome).Observe(took.Seconds())
}
