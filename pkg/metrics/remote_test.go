package metrics_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
	"github.com/vendorflow/vendorflow/pkg/funcapp"
	"github.com/vendorflow/vendorflow/pkg/metrics"
	"github.com/vendorflow/vendorflow/pkg/queue"
)

// scrape GETs url (with header h) and returns the status and the parsed
// text exposition.
func scrape(t *testing.T, url string, h map[string]string) (int, []*dto.MetricFamily) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil
	}
	dec := expfmt.NewDecoder(resp.Body, expfmt.ResponseFormat(resp.Header))
	var out []*dto.MetricFamily
	for {
		mf := &dto.MetricFamily{}
		if err := dec.Decode(mf); errors.Is(err, io.EOF) {
			return resp.StatusCode, out
		} else if err != nil {
			t.Fatalf("parse %s: %v", url, err)
		}
		out = append(out, mf)
	}
}

// One scrape of vendorflow dev shows its own metrics and every handler
// child's, each child's labelled with its instance; a child that does not
// answer is left out and reported down, without failing the scrape.
func TestRemoteMergesChildrenWithTheirInstance(t *testing.T) {
	child := func(steps int) string {
		m := metrics.New(metrics.RoleHandler, nil)
		for range steps {
			m.ObserveStep(engine.Event{Kind: "onboard", Step: domain.StepEnsureUser, Status: domain.StepDone})
		}
		m.GraphAttempt("POST", "/v1.0/users", 201, 0)
		srv := httptest.NewServer(m.Wrap(http.NotFoundHandler()))
		t.Cleanup(srv.Close)
		return srv.URL + metrics.Path
	}
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL + metrics.Path
	dead.Close()

	dev := metrics.New(metrics.RoleHost, nil)
	dev.ObserveInvocation("onboard", "completed", 0)
	remote := metrics.NewRemote([]metrics.Target{{Instance: "0", URL: child(2)}, {Instance: "1", URL: child(3)}, {Instance: "2", URL: deadURL}}, nil)
	srv := httptest.NewServer(dev.Handler(remote))
	defer srv.Close()

	status, mfs := scrape(t, srv.URL, nil)
	if status != http.StatusOK {
		t.Fatalf("scrape: HTTP %d", status)
	}
	got := flatten(mfs, "vendorflow_")
	want := map[string]float64{
		`vendorflow_step_attempts_total{instance="0",kind="onboard",outcome="done",step="ensure-user"}`: 2,
		`vendorflow_step_attempts_total{instance="1",kind="onboard",outcome="done",step="ensure-user"}`: 3,
		`vendorflow_graph_requests_total{instance="0",method="POST",route="/users",status="201"}`:       1,
		`vendorflow_graph_requests_total{instance="1",method="POST",route="/users",status="201"}`:       1,
		`vendorflow_host_invocations_total{function="onboard",outcome="completed"}`:                     1,
		`vendorflow_handler_up{instance="0"}`:                                                           1,
		`vendorflow_handler_up{instance="1"}`:                                                           1,
		`vendorflow_handler_up{instance="2"}`:                                                           0,
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
	// every child series has an instance, none of dev's own has one
	for k := range got {
		child := strings.Contains(k, `instance="`)
		own := strings.HasPrefix(k, "vendorflow_host_")
		if child == own {
			t.Errorf("%s: instance label %v for a series of %s", k, child, map[bool]string{true: "dev", false: "a child"}[own])
		}
	}
	// the children's runtime metrics are merged too, one series each
	if n := len(flatten(mfs, "go_goroutines")); n != 3 {
		t.Errorf("%d go_goroutines series, want 3 (dev and two children)", n)
	}
}

// Wrap serves GET /metrics and passes everything else on unchanged, the
// Functions host's POST /<function> and GET / included.
func TestWrap(t *testing.T) {
	m := metrics.New(metrics.RoleHandler, nil)
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		_, _ = io.WriteString(w, r.Method+" "+r.URL.Path)
	})
	srv := httptest.NewServer(m.Wrap(next))
	defer srv.Close()
	tests := []struct {
		method, path string
		status       int
		body         string // a prefix
	}{
		{"GET", "/metrics", 200, "# HELP"},
		{"HEAD", "/metrics", 200, ""},
		{"POST", "/metrics", 418, "POST /metrics"},
		{"POST", "/onboard", 418, "POST /onboard"},
		{"GET", "/", 418, "GET /"},
		{"GET", "/metrics/x", 418, "GET /metrics/x"},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || !strings.HasPrefix(string(b), tc.body) {
				t.Errorf("HTTP %d %.40q, want %d %q…", resp.StatusCode, b, tc.status, tc.body)
			}
		})
	}
}

// fakeCounts answers Counts from a table; a queue missing from it fails.
type fakeCounts map[string]queue.Counts

func (f fakeCounts) Counts(_ context.Context, name string) (queue.Counts, error) {
	c, ok := f[name]
	if !ok {
		return queue.Counts{}, errors.New("database is locked")
	}
	return c, nil
}

// The queue gauges are read from the queue at each scrape; a queue that
// cannot be read fails its own gauges only.
func TestWatchQueues(t *testing.T) {
	names := funcapp.Queues{Onboard: "onboard-requests", Offboard: "offboard-requests", Parked: "parked-requests"}
	tests := []struct {
		name   string
		counts fakeCounts
		want   map[string]float64
	}{
		{
			name: "every queue read",
			counts: fakeCounts{
				"onboard-requests":  {Active: 3, Scheduled: 2, Locked: 1, DeadLettered: 4},
				"offboard-requests": {},
				"parked-requests":   {Active: 5, Scheduled: 1},
			},
			want: map[string]float64{
				`vendorflow_queue_messages{queue="onboard-requests",state="active"}`:     3,
				`vendorflow_queue_messages{queue="onboard-requests",state="scheduled"}`:  2,
				`vendorflow_queue_messages{queue="onboard-requests",state="locked"}`:     1,
				`vendorflow_queue_dead_lettered_messages{queue="onboard-requests"}`:      4,
				`vendorflow_queue_messages{queue="offboard-requests",state="active"}`:    0,
				`vendorflow_queue_messages{queue="offboard-requests",state="scheduled"}`: 0,
				`vendorflow_queue_messages{queue="offboard-requests",state="locked"}`:    0,
				`vendorflow_queue_dead_lettered_messages{queue="offboard-requests"}`:     0,
				`vendorflow_queue_messages{queue="parked-requests",state="active"}`:      5,
				`vendorflow_queue_messages{queue="parked-requests",state="scheduled"}`:   1,
				`vendorflow_queue_messages{queue="parked-requests",state="locked"}`:      0,
				`vendorflow_queue_dead_lettered_messages{queue="parked-requests"}`:       0,
				`vendorflow_parked_messages{}`:                                           6,
			},
		},
		{
			name:   "the offboard queue unreadable",
			counts: fakeCounts{"onboard-requests": {Active: 1}, "parked-requests": {}},
			want: map[string]float64{
				`vendorflow_queue_messages{queue="onboard-requests",state="active"}`:    1,
				`vendorflow_queue_messages{queue="onboard-requests",state="scheduled"}`: 0,
				`vendorflow_queue_messages{queue="onboard-requests",state="locked"}`:    0,
				`vendorflow_queue_dead_lettered_messages{queue="onboard-requests"}`:     0,
				`vendorflow_queue_messages{queue="parked-requests",state="active"}`:     0,
				`vendorflow_queue_messages{queue="parked-requests",state="scheduled"}`:  0,
				`vendorflow_queue_messages{queue="parked-requests",state="locked"}`:     0,
				`vendorflow_queue_dead_lettered_messages{queue="parked-requests"}`:      0,
				`vendorflow_parked_messages{}`:                                          0,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := metrics.New(metrics.RoleHost, nil)
			if err := m.WatchQueues(tc.counts, names); err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(m.Handler())
			defer srv.Close()
			status, mfs := scrape(t, srv.URL, nil)
			if status != http.StatusOK {
				t.Fatalf("scrape: HTTP %d", status)
			}
			got := flatten(mfs, "vendorflow_")
			for k := range got {
				if !strings.Contains(k, "queue") && !strings.Contains(k, "parked") {
					delete(got, k)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("gauges (-want +got)\n%s", diff)
			}
		})
	}
}
