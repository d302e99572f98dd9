package e2e

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/benchreport"
)

// BenchmarkExpirySweep runs the expiry sweep (the expiry-sweep timer
// function, invoked on the handler as the host does) against an emulator
// seeded with N managed accounts (`vendorflow tenantsim --managed N
// --expired-share X`), through `vendorflow dev` on the SQLite journal and
// the embedded queue. It reports the sweep's duration, its Graph listing
// pages, the offboard requests it enqueued, and the handler's peak RSS
// (VmHWM of the serve child, start-up included). scripts/bench.sh sweep
// runs it; VENDORFLOW_BENCH_SWEEP_SIZES changes the sizes ("10000,100000").
func BenchmarkExpirySweep(b *testing.B) {
	sizes := []int{10_000, 100_000}
	if v := os.Getenv("VENDORFLOW_BENCH_SWEEP_SIZES"); v != "" {
		sizes = nil
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				b.Fatalf("VENDORFLOW_BENCH_SWEEP_SIZES=%q: want whole numbers", v)
			}
			sizes = append(sizes, n)
		}
	}
	for _, n := range sizes {
		for _, share := range []float64{0.02, 1} {
			name := fmt.Sprintf("%d-%s", n, sharePct(share))
			b.Run(name, func(b *testing.B) {
				for range b.N {
					sweepRun(b, name, n, share)
				}
			})
		}
	}
}

func sharePct(share float64) string {
	return strconv.FormatFloat(100*share, 'f', -1, 64) + "pct-expired"
}

func sweepRun(b *testing.B, name string, n int, share float64) {
	s := startStack(b, stackOptions{
		devArgs: []string{"--sweep-schedule", "0 0 0 1 1 *"},
		simArgs: []string{"--managed", strconv.Itoa(n), "--expired-share", strconv.FormatFloat(share, 'f', -1, 64)},
	})
	handlers := childrenOf(s.dev.cmd.Process.Pid, "serve")
	if len(handlers) != 1 {
		b.Fatalf("handler children: %v, want one", handlers)
	}
	s.simDo("DELETE", "stats", nil, nil)
	cpu0, simCPU0 := cpuTime(b, handlers[0]), cpuTime(b, s.sim.cmd.Process.Pid)
	start := time.Now()
	reply, err := s.invokeSweepWithin(s.handlerURL, sweepEnvelope(b), 10*time.Minute)
	took := time.Since(start)
	if err != nil {
		b.Fatalf("sweep: %v", err)
	}
	want := int(float64(n)*share + 0.5)
	if reply.Expired != want || reply.Enqueued != want {
		b.Fatalf("sweep found %d and enqueued %d, want %d", reply.Expired, reply.Enqueued, want)
	}
	// the sweep's own listings; the offboards it enqueued start running
	// at once and make requests of their own
	cpu, simCPU := cpuTime(b, handlers[0])-cpu0, cpuTime(b, s.sim.cmd.Process.Pid)-simCPU0
	lists := s.stats().Routes["GET /users"]
	rss := peakRSS(b, handlers[0])
	b.ReportMetric(took.Seconds(), "s/sweep")
	b.ReportMetric(float64(lists), "graph-list-requests")
	b.ReportMetric(float64(rss)/(1<<20), "peak-rss-MiB")
	detail := fmt.Sprintf("BenchmarkExpirySweep/%s: %d managed accounts, %d expired, through vendorflow dev (SQLite journal, embedded queue) against the emulator; "+
		"the offboards the sweep enqueues start running at once, on the same 2 cores, and their look-ups by name count among the GET /users pages; the emulator evaluates the sweep's filter on every user for every page", name, n, want)
	target := "–"
	met := false
	switch {
	case n >= 100_000 && share < 0.5:
		target, met = "at most 5 s", took <= 5*time.Second
	case n >= 100_000:
		target, met = "at most 30 s", took <= 30*time.Second
	}
	figs := []benchreport.Figure{
		{Figure: "sweep-seconds-" + name, Value: took.Seconds(), Unit: "s", Detail: detail},
		{Figure: "sweep-graph-list-requests-" + name, Value: float64(lists), Unit: "GET /users pages", Detail: detail},
		{Figure: "sweep-handler-cpu-seconds-" + name, Value: cpu.Seconds(), Unit: "s of handler CPU",
			Detail: fmt.Sprintf("%s; the emulator used %.2f s of CPU meanwhile, on the same 2 cores", detail, simCPU.Seconds())},
		{Figure: "sweep-handler-peak-rss-" + name, Value: float64(rss) / (1 << 20), Unit: "MiB", Target: "at most 100", Met: rss <= 100<<20, Detail: detail},
	}
	if target != "–" {
		figs[0].Target, figs[0].Met = target, met
	}
	if err := benchreport.Append(figs...); err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: sweep of %d accounts (%d expired) took %s, %d GET /users pages, handler peak RSS %.1f MiB, CPU: handler %s, emulator %s",
		name, n, want, took.Round(time.Millisecond), lists, float64(rss)/(1<<20), cpu.Round(time.Millisecond), simCPU.Round(time.Millisecond))
}

// peakRSS is a process's peak resident set size (VmHWM in /proc/PID/status).
func peakRSS(t testing.TB, pid int) int64 { return procStatusBytes(t, pid, "VmHWM") }

// procStatusBytes reads one "Key:   N kB" line of /proc/PID/status, in bytes.
func procStatusBytes(t testing.TB, pid int, key string) int64 {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("%s %q: %v", key, v, err)
			}
			return kb << 10
		}
	}
	t.Fatalf("/proc/%d/status has no %s", pid, key)
	return 0
}
