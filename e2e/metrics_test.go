package e2e

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/funcapp"
)

// samples is one scrape: "name{a="x",b="y"}" (labels sorted) → value, a
// histogram as its _count.
type samples map[string]float64

// scrape GETs a /metrics endpoint with client and parses what it answers.
func scrape(t *testing.T, client *http.Client, url string) (samples, error) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return nil, fmt.Errorf("GET %s: HTTP %d: %s", url, resp.StatusCode, b)
	}
	out := samples{}
	dec := expfmt.NewDecoder(resp.Body, expfmt.ResponseFormat(resp.Header))
	for {
		var mf dto.MetricFamily
		if err := dec.Decode(&mf); errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("GET %s: %w", url, err)
		}
		for _, m := range mf.GetMetric() {
			var ls []string
			for _, l := range m.GetLabel() {
				ls = append(ls, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			sort.Strings(ls)
			key := mf.GetName() + "{" + strings.Join(ls, ",") + "}"
			switch {
			case m.Counter != nil:
				out[key] = m.Counter.GetValue()
			case m.Gauge != nil:
				out[key] = m.Gauge.GetValue()
			case m.Histogram != nil:
				out[mf.GetName()+"_count{"+strings.Join(ls, ",")+"}"] = float64(m.Histogram.GetSampleCount())
			}
		}
	}
}

// mustScrape is scrape that fails the test on error.
func mustScrape(t *testing.T, client *http.Client, url string) samples {
	t.Helper()
	s, err := scrape(t, client, url)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sum adds the samples whose key starts with prefix and contains every
// one of parts.
func (s samples) sum(prefix string, parts ...string) float64 {
	var n float64
next:
	for k, v := range s {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		for _, p := range parts {
			if !strings.Contains(k, p) {
				continue next
			}
		}
		n += v
	}
	return n
}

// stepDone is the key of a step's done counter as dev serves it for
// handler instance 0.
func stepDone(kind string, step domain.Step) string {
	return fmt.Sprintf(`vendorflow_step_attempts_total{instance="0",kind=%q,outcome="done",step=%q}`, kind, step)
}

// /metrics is scraped as Prometheus would: dev's front door (with the
// admin token) shows the step counters of its handler child moving with an
// onboarding, the child's Graph requests, the delivery settled, and the
// embedded queue's gauges; the child's own /metrics shows the same counts
// without the instance label. The log lines of the run carry its ids.
func TestMetrics(t *testing.T) {
	s := startStack(t, stackOptions{})
	devMetrics := s.frontDoor + "/metrics"

	// without the admin token: 401, like the ops routes
	resp, err := http.Get(devMetrics)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("GET /metrics without the admin token: HTTP %d, want 401", resp.StatusCode)
	}

	before := mustScrape(t, s.client, devMetrics)
	queues := funcapp.QueuesFrom(nil)
	for _, key := range []string{
		`vendorflow_handler_up{instance="0"}`,
		fmt.Sprintf(`vendorflow_queue_messages{queue=%q,state="active"}`, queues.Onboard),
		fmt.Sprintf(`vendorflow_queue_messages{queue=%q,state="scheduled"}`, queues.Offboard),
		fmt.Sprintf(`vendorflow_queue_dead_lettered_messages{queue=%q}`, queues.Onboard),
		`vendorflow_parked_messages{}`,
		stepDone(domain.KindOnboard, domain.StepEnsureUser),
	} {
		if _, ok := before[key]; !ok {
			t.Errorf("dev's /metrics lacks %s", key)
		}
	}
	if before[`vendorflow_handler_up{instance="0"}`] != 1 {
		t.Errorf("handler 0 is not up in dev's /metrics")
	}

	ada := person{vendor: "Vendor1", local: "metra"}
	s.enqueue(domain.KindOnboard, "e2e-metrics", onboardRequest("e2e-metrics", ada, inQuarter()))
	s.waitStatus("e2e-metrics", domain.RequestDone, 20*time.Second)

	// the last step's event and the delivery's settling follow the
	// journal's "done" by a moment
	var after samples
	waitFor(t, 10*time.Second, "dev's /metrics to show the onboarding", func() (bool, string) {
		after = mustScrape(t, s.client, devMetrics)
		for _, step := range onboardSteps {
			if k := stepDone(domain.KindOnboard, step); after[k] <= before[k] {
				return false, fmt.Sprintf("%s = %v (before %v)", k, after[k], before[k])
			}
		}
		k := `vendorflow_requests_total{instance="0",kind="onboard",outcome="done"}`
		if after[k] != before[k]+1 {
			return false, fmt.Sprintf("%s = %v (before %v)", k, after[k], before[k])
		}
		k = `vendorflow_host_invocations_total{function="onboard",outcome="completed"}`
		if after[k] <= before[k] {
			return false, fmt.Sprintf("%s = %v (before %v)", k, after[k], before[k])
		}
		return true, ""
	})
	if b, a := before.sum("vendorflow_graph_requests_total{", `instance="0"`), after.sum("vendorflow_graph_requests_total{", `instance="0"`); a <= b {
		t.Errorf("Graph requests %v after the onboarding, %v before", a, b)
	}
	for _, k := range []string{
		`vendorflow_graph_requests_total{instance="0",method="POST",route="/users",status="201"}`,
		`vendorflow_graph_requests_total{instance="0",method="POST",route="/users/{id}/assignLicense",status="200"}`,
		`vendorflow_graph_requests_total{instance="0",method="POST",route="/users/{id}/sendMail",status="202"}`,
	} {
		if after[k] < 1 {
			t.Errorf("%s = %v, want ≥ 1", k, after[k])
		}
	}
	if n := after.sum("vendorflow_graph_write_budget_wait_seconds_count{", `instance="0"`); n < 1 {
		t.Errorf("no Graph write waited for the write budget, not even 0 s")
	}
	if n := after.sum("vendorflow_lease_wait_seconds_count{", `instance="0"`, `outcome="acquired"`); n < 1 {
		t.Errorf("no lease claim counted")
	}
	// no request data in any label
	for k := range after {
		if strings.Contains(strings.ToLower(k), "metra") || strings.Contains(k, "e2e-metrics") || strings.Contains(k, "@") {
			t.Errorf("a label carries request data: %s", k)
		}
	}

	// The child's own /metrics (loopback, no token): the same step counts,
	// without an instance label.
	child := mustScrape(t, &http.Client{Timeout: 10 * time.Second}, s.handlerURL+"/metrics")
	for _, step := range onboardSteps {
		own := fmt.Sprintf(`vendorflow_step_attempts_total{kind="onboard",outcome="done",step=%q}`, step)
		if child[own] < 1 || child[own] != after[stepDone(domain.KindOnboard, step)] {
			t.Errorf("child %s = %v, dev's instance 0 says %v", own, child[own], after[stepDone(domain.KindOnboard, step)])
		}
	}
	if _, ok := child[fmt.Sprintf(`vendorflow_queue_messages{queue=%q,state="active"}`, queues.Onboard)]; ok {
		t.Error("the child serves queue gauges, which are dev's")
	}

	// Every line the handler logged for the run names the invocation, the
	// message and the request; the step lines their step and attempt.
	for _, msg := range []string{"request done", "message handled"} {
		lines := s.logged(msg)
		found := false
		for _, l := range lines {
			if l["requestId"] != "e2e-metrics" {
				continue
			}
			found = true
			for _, f := range []string{"invocationId", "messageId"} {
				if v, _ := l[f].(string); v == "" {
					t.Errorf("%q line lacks %s: %v", msg, f, l)
				}
			}
		}
		if !found {
			t.Errorf("no %q line with requestId e2e-metrics among %d", msg, len(lines))
		}
	}
}
