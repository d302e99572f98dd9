package metrics_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
	"github.com/vendorflow/vendorflow/pkg/handler"
	"github.com/vendorflow/vendorflow/pkg/metrics"
)

// What each hook is told becomes these series (0-valued ones left out).
func TestObservers(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name   string
		role   metrics.Role
		feed   func(m *metrics.Metrics)
		prefix string
		want   map[string]float64
	}{
		{
			name: "a step starting is not counted; done and failed attempts are, with their duration",
			feed: func(m *metrics.Metrics) {
				m.ObserveStep(engine.Event{RequestID: "r-1", Kind: "onboard", UPN: "ada_SA@ABC.com", Step: domain.StepEnsureUser, Status: domain.StepRunning, Attempt: 1})
				m.ObserveStep(engine.Event{RequestID: "r-1", Kind: "onboard", Step: domain.StepEnsureUser, Status: domain.StepFailed, Attempt: 1, Code: domain.Transient, Took: 250 * ms})
				m.ObserveStep(engine.Event{RequestID: "r-1", Kind: "onboard", Step: domain.StepEnsureUser, Status: domain.StepDone, Took: 500 * ms})
				m.ObserveStep(engine.Event{RequestID: "r-2", Kind: "offboard", Step: domain.StepFindAccount, Status: domain.StepFailed, Code: domain.NotFound, Took: 100 * ms})
				m.ObserveStep(engine.Event{RequestID: "r-3", Kind: "onboard", Step: domain.StepEnsureLicenses, Status: domain.StepFailed, Code: "odd", Took: 0})
			},
			prefix: "vendorflow_step_",
			want: map[string]float64{
				`vendorflow_step_attempts_total{kind="onboard",outcome="transient",step="ensure-user"}`:            1,
				`vendorflow_step_attempts_total{kind="onboard",outcome="done",step="ensure-user"}`:                 1,
				`vendorflow_step_attempts_total{kind="offboard",outcome="not_found",step="find-account"}`:          1,
				`vendorflow_step_attempts_total{kind="onboard",outcome="internal",step="ensure-licenses"}`:         1,
				`vendorflow_step_duration_seconds_count{kind="onboard",outcome="transient",step="ensure-user"}`:    1,
				`vendorflow_step_duration_seconds_sum{kind="onboard",outcome="transient",step="ensure-user"}`:      0.25,
				`vendorflow_step_duration_seconds_count{kind="onboard",outcome="done",step="ensure-user"}`:         1,
				`vendorflow_step_duration_seconds_sum{kind="onboard",outcome="done",step="ensure-user"}`:           0.5,
				`vendorflow_step_duration_seconds_count{kind="offboard",outcome="not_found",step="find-account"}`:  1,
				`vendorflow_step_duration_seconds_sum{kind="offboard",outcome="not_found",step="find-account"}`:    0.1,
				`vendorflow_step_duration_seconds_count{kind="onboard",outcome="internal",step="ensure-licenses"}`: 1,
			},
		},
		{
			name: "lease claims",
			feed: func(m *metrics.Metrics) {
				m.ObserveLease(engine.LeaseClaim{Kind: "onboard", Outcome: engine.LeaseAcquired})
				m.ObserveLease(engine.LeaseClaim{Kind: "onboard", Outcome: engine.LeaseAcquired, Waited: 2 * time.Second})
				m.ObserveLease(engine.LeaseClaim{Kind: "offboard", Outcome: engine.LeaseBusy})
			},
			prefix: "vendorflow_lease_",
			want: map[string]float64{
				`vendorflow_lease_wait_seconds_count{kind="onboard",outcome="acquired"}`: 2,
				`vendorflow_lease_wait_seconds_sum{kind="onboard",outcome="acquired"}`:   2,
				`vendorflow_lease_wait_seconds_count{kind="offboard",outcome="busy"}`:    1,
			},
		},
		{
			name: "settled deliveries; a deferral at admission is a budget deferral too",
			feed: func(m *metrics.Metrics) {
				m.ObserveSettled(handler.Settled{Kind: "onboard", Outcome: handler.SettledDone})
				m.ObserveSettled(handler.Settled{Kind: "onboard", Outcome: handler.SettledDone})
				m.ObserveSettled(handler.Settled{Kind: "offboard", Outcome: handler.SettledParked})
				m.ObserveSettled(handler.Settled{Kind: "onboard", Outcome: handler.SettledDeferred, Admission: true})
				m.ObserveSettled(handler.Settled{Kind: "onboard", Outcome: handler.SettledDeferred})
				m.GraphWriteDeferred()
			},
			prefix: "vendorflow_",
			want: map[string]float64{
				`vendorflow_requests_total{kind="onboard",outcome="done"}`:     2,
				`vendorflow_requests_total{kind="offboard",outcome="parked"}`:  1,
				`vendorflow_requests_total{kind="onboard",outcome="deferred"}`: 2,
				`vendorflow_write_budget_deferrals_total{stage="admission"}`:   1,
				`vendorflow_write_budget_deferrals_total{stage="run"}`:         1,
			},
		},
		{
			name: "Graph attempts by route template, throttling waits and write waits",
			feed: func(m *metrics.Metrics) {
				m.GraphAttempt("POST", "/v1.0/users/Ada_SA@ABC.com/assignLicense", 429, 20*ms)
				m.GraphRetryWait(429, 2128*ms)
				m.GraphAttempt("POST", "/v1.0/users/Bob_SA@ABC.com/assignLicense", 200, 30*ms)
				m.GraphAttempt("get", "/v1.0/users/6f1c9e0a-3b55-4d0c-9f1e-2c1a7b4d8e21", 0, 5*ms)
				m.GraphRetryWait(0, 500*ms)
				m.GraphAttempt("BREW", "/v1.0/subscribedSkus", 999, 0)
				m.GraphWriteWait(0)
				m.GraphWriteWait(250 * ms)
			},
			prefix: "vendorflow_graph_",
			want: map[string]float64{
				`vendorflow_graph_requests_total{method="POST",route="/users/{id}/assignLicense",status="429"}`:    1,
				`vendorflow_graph_requests_total{method="POST",route="/users/{id}/assignLicense",status="200"}`:    1,
				`vendorflow_graph_requests_total{method="GET",route="/users/{id}",status="0"}`:                     1,
				`vendorflow_graph_requests_total{method="OTHER",route="/subscribedSkus",status="0"}`:               1,
				`vendorflow_graph_request_duration_seconds_count{method="POST",route="/users/{id}/assignLicense"}`: 2,
				`vendorflow_graph_request_duration_seconds_sum{method="POST",route="/users/{id}/assignLicense"}`:   0.05,
				`vendorflow_graph_request_duration_seconds_count{method="GET",route="/users/{id}"}`:                1,
				`vendorflow_graph_request_duration_seconds_sum{method="GET",route="/users/{id}"}`:                  0.005,
				`vendorflow_graph_request_duration_seconds_count{method="OTHER",route="/subscribedSkus"}`:          1,
				`vendorflow_graph_retry_wait_seconds_count{status="429"}`:                                          1,
				`vendorflow_graph_retry_wait_seconds_sum{status="429"}`:                                            2.128,
				`vendorflow_graph_retry_wait_seconds_count{status="0"}`:                                            1,
				`vendorflow_graph_retry_wait_seconds_sum{status="0"}`:                                              0.5,
				`vendorflow_graph_write_budget_wait_seconds_count{}`:                                               2,
				`vendorflow_graph_write_budget_wait_seconds_sum{}`:                                                 0.25,
			},
		},
		{
			name: "local host invocations",
			role: metrics.RoleHost,
			feed: func(m *metrics.Metrics) {
				m.ObserveInvocation("onboard", "completed", 2*time.Second)
				m.ObserveInvocation("onboard", "lock lost", time.Minute)
				m.ObserveInvocation("expiry-sweep", "ok", time.Second)
			},
			prefix: "vendorflow_host_",
			want: map[string]float64{
				`vendorflow_host_invocations_total{function="onboard",outcome="completed"}`:                 1,
				`vendorflow_host_invocations_total{function="onboard",outcome="lock_lost"}`:                 1,
				`vendorflow_host_invocations_total{function="expiry-sweep",outcome="ok"}`:                   1,
				`vendorflow_host_invocation_duration_seconds_count{function="onboard",outcome="completed"}`: 1,
				`vendorflow_host_invocation_duration_seconds_sum{function="onboard",outcome="completed"}`:   2,
				`vendorflow_host_invocation_duration_seconds_count{function="onboard",outcome="lock_lost"}`: 1,
				`vendorflow_host_invocation_duration_seconds_sum{function="onboard",outcome="lock_lost"}`:   60,
				`vendorflow_host_invocation_duration_seconds_count{function="expiry-sweep",outcome="ok"}`:   1,
				`vendorflow_host_invocation_duration_seconds_sum{function="expiry-sweep",outcome="ok"}`:     1,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := metrics.New(tc.role, nil)
			tc.feed(m)
			got := nonZero(series(t, m.Registry(), tc.prefix))
			if diff := cmp.Diff(tc.want, got, cmpFloat); diff != "" {
				t.Errorf("series (-want +got)\n%s", diff)
			}
		})
	}
}

// cmpFloat compares sums of seconds to the nanosecond.
var cmpFloat = cmp.Comparer(func(a, b float64) bool { d := a - b; return d < 1e-9 && d > -1e-9 })

// Every step of both plans has its done counter from the start, at 0.
func TestStepCountersStartAtZero(t *testing.T) {
	got := series(t, metrics.New(metrics.RoleHandler, nil).Registry(), "vendorflow_step_attempts_total")
	for _, kind := range []string{domain.KindOnboard, domain.KindOffboard} {
		plan, err := domain.Plan(kind)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range plan {
			key := `vendorflow_step_attempts_total{kind="` + kind + `",outcome="done",step="` + string(s) + `"}`
			if v, ok := got[key]; !ok || v != 0 {
				t.Errorf("%s = %v (present %v), want 0", key, v, ok)
			}
		}
	}
}

// Each role exposes the metrics it feeds and no others, whatever it is
// told.
func TestRolesExposeTheirOwnMetrics(t *testing.T) {
	tests := []struct {
		role      metrics.Role
		want, not string
	}{
		{metrics.RoleHandler, "vendorflow_step_attempts_total", "vendorflow_host_"},
		{metrics.RoleHost, "vendorflow_host_invocations_total", "vendorflow_step_"},
	}
	for _, tc := range tests {
		m := metrics.New(tc.role, nil)
		m.ObserveStep(engine.Event{Kind: "onboard", Step: domain.StepValidate, Status: domain.StepDone})
		m.ObserveInvocation("onboard", "completed", time.Second)
		got := series(t, m.Registry(), "vendorflow_")
		found := false
		for k := range got {
			found = found || strings.HasPrefix(k, tc.want)
			if strings.HasPrefix(k, tc.not) {
				t.Errorf("role %d exposes %s", tc.role, k)
			}
		}
		if !found {
			t.Errorf("role %d does not expose %s", tc.role, tc.want)
		}
	}
}
