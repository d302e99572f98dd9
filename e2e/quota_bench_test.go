package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/benchreport"
	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/connect"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/handler"
	"github.com/vendorflow/vendorflow/pkg/tables/tablestest"
	"github.com/vendorflow/vendorflow/pkg/tenantsim"
)

// BenchmarkSharedWriteQuota runs a backlog of onboardings against the
// emulator enforcing Graph's write quota scaled down tenfold: 300 writes in
// any 15 s (Graph: 3,000 per 150 s per app, REFERENCE §2). vendorflow is
// given graph.writeShare of it. Two variants, in one run:
//
//   - one-instance: `vendorflow dev` with the SQLite journal, paced by the
//     in-process bucket;
//   - three-instances: `vendorflow dev --instances 3` (real `serve`
//     children) sharing the Table journal and the Graph write budget on
//     Azurite.
//
// Each reports, all read back from the emulator and the journal:
//   - writes/s while the backlog lasts, and as a share of the quota;
//   - the most writes the emulator admitted in any sampled 15 s, and in
//     any 10 s as a share of the quota's mean rate;
//   - the share of Graph requests answered 429;
//   - deliveries beyond the first (a run that waited past its lock, or
//     was rescheduled, spends one);
//   - onboardings not done.
//
// One run takes about three minutes; run it with
//
//	scripts/bench.sh quota
//
// or, with Azurite started (scripts/azurite.sh), go test -run '^$'
// -bench SharedWriteQuota -benchtime 1x ./e2e. VENDORFLOW_BENCH_BACKLOG
// and VENDORFLOW_BENCH_SHARE change the backlog (300) and the share (0.95).
func BenchmarkSharedWriteQuota(b *testing.B) {
	share := 0.95
	if v := os.Getenv("VENDORFLOW_BENCH_SHARE"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			b.Fatalf("VENDORFLOW_BENCH_SHARE=%q: %v", v, err)
		}
		share = f
	}
	backlog := envInt(b, "VENDORFLOW_BENCH_BACKLOG", 300)
	for _, v := range []struct {
		name      string
		instances int
		table     bool
	}{{"one-instance", 1, false}, {"three-instances", 3, true}} {
		b.Run(v.name, func(b *testing.B) {
			for range b.N {
				quotaRun(b, v.name, v.instances, v.table, backlog, share)
			}
		})
	}
}

func quotaRun(b *testing.B, name string, instances int, table bool, backlog int, share float64) {
	const (
		quota  = 300
		window = 15 * time.Second
	)
	env := []string{
		"VENDORFLOW_GRAPH_WRITE_QUOTA=" + strconv.Itoa(quota),
		"VENDORFLOW_GRAPH_WRITE_WINDOW=" + window.String(),
		"VENDORFLOW_GRAPH_WRITE_SHARE=" + strconv.FormatFloat(share, 'f', -1, 64),
	}
	journal := "the SQLite journal"
	if table {
		ts := tablestest.Settings(b)
		env = append(env, "VENDORFLOW_JOURNAL_TABLE_CONNECTION_STRING="+os.Getenv(tablestest.Env), "VENDORFLOW_JOURNAL_TABLE_PREFIX="+ts.Prefix)
		journal = "the Table journal"
	}
	s := startStack(b, stackOptions{
		devArgs: []string{"--instances", strconv.Itoa(instances), "--sweep-schedule", "0 0 0 1 1 *"},
		simArgs: []string{"--seats", strconv.Itoa(backlog + 10)},
		env:     env,
	})
	s.setFaults(tenantsim.Faults{WriteQuota: quota, WriteWindow: window})
	s.simDo("DELETE", "stats", nil, nil)

	start := time.Now()
	ids := s.enqueueBacklog(backlog)
	// Sample the emulator's admitted writes until every credential is
	// mailed (the last write of an onboarding).
	type sample struct {
		at     time.Time
		writes int
	}
	var samples []sample
	waitFor(b, 10*time.Minute, fmt.Sprintf("%d onboardings to mail their credentials", backlog), func() (bool, string) {
		st := s.stats()
		samples = append(samples, sample{time.Now(), st.Writes})
		mailed := st.RouteStatuses["POST /users/{id}/sendMail 202"]
		return mailed >= backlog, fmt.Sprintf("%d of %d mailed, %d writes", mailed, backlog, st.Writes)
	})
	done, extraAttempts := 0, 0
	var again []string // the requests run more than once, and why
	waitFor(b, 2*time.Minute, "every onboarding to settle", func() (bool, string) {
		done, extraAttempts, again = 0, 0, nil
		settled := 0
		for _, r := range s.requests(domain.KindOnboard) {
			extraAttempts += max(r.Attempts-1, 0)
			if r.Attempts > 1 {
				again = append(again, fmt.Sprintf("%s ran %d times", r.ID, r.Attempts))
			}
			switch r.Status {
			case domain.RequestDone:
				done++
				settled++
			case domain.RequestParked, domain.RequestSuperseded:
				settled++
			}
		}
		return settled >= len(ids), fmt.Sprintf("%d of %d settled", settled, len(ids))
	})
	elapsed := time.Since(start)
	st := s.stats()
	// Deliveries beyond the first, from the host's log of invocations: what
	// the target is about (a delivery spent waiting). The journal's attempt
	// counts are reported beside it.
	redeliveries := 0
	for _, inv := range s.invocations() {
		if inv.Function == "onboard" && inv.DeliveryCount > 1 {
			redeliveries++
		}
	}

	// The backlog's span: from the first admitted write to the last.
	first, last := -1, len(samples)-1
	for i, x := range samples {
		if x.writes > 0 && first < 0 {
			first = i
		}
	}
	for last > 0 && samples[last-1].writes == samples[last].writes {
		last--
	}
	if first < 0 || last <= first {
		b.Fatalf("too few samples with writes: %d", len(samples))
	}
	span := samples[last].at.Sub(samples[first].at)
	rate := float64(samples[last].writes-samples[first].writes) / span.Seconds()
	allowed := float64(quota) / window.Seconds()
	most := func(w time.Duration) int {
		peak := 0
		for i := range samples {
			for j := i; j < len(samples) && samples[j].at.Sub(samples[i].at) <= w; j++ {
				peak = max(peak, samples[j].writes-samples[i].writes)
			}
		}
		return peak
	}
	peak := most(window)
	over10 := 100 * (float64(most(10*time.Second))/(allowed*10) - 1)
	throttled := st.Statuses[429]
	pct429 := 100 * float64(throttled) / float64(max(st.Requests, 1))
	b.ReportMetric(rate, "writes/s")
	b.ReportMetric(100*rate/allowed, "%quota")
	b.ReportMetric(float64(peak), "peak-writes/15s")
	b.ReportMetric(over10, "%over-mean-10s")
	b.ReportMetric(pct429, "%429")
	b.ReportMetric(float64(redeliveries), "redeliveries")
	b.ReportMetric(float64(extraAttempts), "extra-attempts")
	b.ReportMetric(float64(backlog-done), "failed")
	detail := fmt.Sprintf("BenchmarkSharedWriteQuota/%s: %d onboardings on %d instance(s) with %s, quota %d writes per %s, graph.writeShare %.2f",
		name, backlog, instances, journal, quota, window, share)
	redetail := detail
	if len(again) > 0 {
		// say which, and what the host saw of their deliveries
		var seen []string
		for _, id := range again {
			id, _, _ = strings.Cut(id, " ")
			for _, inv := range deliveriesOf(s.invocations(), id) {
				seen = append(seen, fmt.Sprintf("%s delivery %d: %d %s", id, inv.DeliveryCount, inv.Status, inv.Outcome))
			}
		}
		redetail += "; " + strings.Join(again, ", ") + " (" + strings.Join(seen, "; ") + ")"
	}
	if err := benchreport.Append(
		benchreport.Figure{Figure: "quota-share-" + name, Value: 100 * rate / allowed, Unit: "% of the write quota",
			Target: "at least 90 %", Met: 100*rate/allowed >= 90, Detail: detail},
		benchreport.Figure{Figure: "quota-429-share-" + name, Value: pct429, Unit: "% of Graph requests",
			Target: "at most 0.5 %", Met: pct429 <= 0.5, Detail: detail},
		benchreport.Figure{Figure: "quota-peak-window-" + name, Value: float64(peak), Unit: "writes in a sampled " + window.String(),
			Target: fmt.Sprintf("at most the quota (%d)", quota), Met: peak <= quota, Detail: detail},
		benchreport.Figure{Figure: "quota-10s-over-mean-" + name, Value: over10, Unit: "% above the quota's mean rate, busiest sampled 10 s",
			Target: "at most 15 %", Met: over10 <= 15, Detail: detail},
		benchreport.Figure{Figure: "quota-redeliveries-" + name, Value: float64(redeliveries), Unit: "deliveries beyond the first",
			Target: "0", Met: redeliveries == 0, Detail: detail + "; counted from the local host's log of invocations"},
		benchreport.Figure{Figure: "quota-extra-attempts-" + name, Value: float64(extraAttempts), Unit: "attempts beyond the first, as the journal counted them",
			Detail: redetail},
		benchreport.Figure{Figure: "quota-onboardings-not-done-" + name, Value: float64(backlog - done), Unit: "onboardings",
			Target: "0", Met: backlog == done, Detail: detail},
	); err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: %d onboardings on %d instance(s), quota %d writes per %s, share %.2f: all settled in %s; "+
		"%d writes at %.2f/s over %s (%.1f %% of the quota's %.1f/s); peak %d writes in a sampled %s, busiest 10 s %.1f %% over the mean; "+
		"%d of %d Graph requests answered 429 (%d from the write quota); %d redeliveries; %d attempts beyond the first in the journal %v; %d done, %d not done",
		name, backlog, instances, quota, window, share, elapsed.Round(time.Second),
		st.Writes, rate, span.Round(100*time.Millisecond), 100*rate/allowed, allowed, peak, window, over10,
		throttled, st.Requests, st.Faults[tenantsim.FaultWriteQuota], redeliveries, extraAttempts, again, done, backlog-done)
}

// enqueueBacklog sends n onboard requests for n distinct people, through
// the bus the configuration names (as `vendorflow enqueue` does), and
// returns their ids.
func (s *stack) enqueueBacklog(n int) []string {
	ids, _ := s.enqueueEvery(n, 0)
	return ids
}

// enqueueEvery is enqueueBacklog with one request every `every` (0: at
// once); it also returns when each person's request was sent, by email.
func (s *stack) enqueueEvery(n int, every time.Duration) ([]string, map[string]time.Time) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute+time.Duration(n)*every)
	defer cancel()
	cfg, err := config.Load("", envLookup(s.env))
	if err != nil {
		s.t.Fatal(err)
	}
	bus, err := connect.OpenBus(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		s.t.Fatal(err)
	}
	defer bus.Close()
	vendors := []string{"Vendor1", "Vendor2", "Contractor"}
	var ids []string
	sent := map[string]time.Time{}
	start := time.Now()
	for i := range n {
		if every > 0 {
			time.Sleep(time.Until(start.Add(time.Duration(i) * every)))
		}
		id := fmt.Sprintf("bench-%04d", i)
		p := person{vendors[i%len(vendors)], fmt.Sprintf("q%04d", i)}
		body, err := json.Marshal(onboardRequest(id, p, inQuarter()))
		if err != nil {
			s.t.Fatal(err)
		}
		sent[strings.ToLower(p.email())] = time.Now()
		if err := bus.Send(ctx, handler.OutMessage{MessageID: id, Kind: domain.KindOnboard, Body: body, CorrelationID: id}); err != nil {
			s.t.Fatalf("send %s: %v", id, err)
		}
		ids = append(ids, id)
	}
	return ids, sent
}

// envInt reads a positive whole number from the environment, or def.
func envInt(t testing.TB, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive whole number", name, v)
	}
	return n
}
