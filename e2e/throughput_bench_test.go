package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/benchreport"
	"github.com/vendorflow/vendorflow/pkg/tenantsim"
)

// BenchmarkLocalThroughput runs a backlog of onboardings through the local
// stack — `vendorflow dev` (the embedded queue, the SQLite journal, a
// `serve` child taking host.json's 8 invocations at a time) against
// `vendorflow tenantsim` — with the write quota out of the way (a quota of
// a million writes per 150 s), twice: Graph answering at once, and every
// Graph response delayed 50 ms. It reports, read back from the emulator
// and from /proc:
//   - onboardings per second, from the first enqueue to the last mail;
//   - the handler's CPU time (user + system of the serve child) per
//     onboarding;
//   - the 99th percentile from the backlog's first enqueue to a mail;
//   - in a third run, with requests arriving one every 100 ms (below what
//     the stack does) at 50 ms latency, the 50th and 99th percentile from
//     each request's enqueue to its credential mail.
//
// With $VENDORFLOW_BENCH_PROFILES set, the handler runs under the CPU
// profiler (benchreport.EnvCPUProfile) and the top of each profile is
// written there. scripts/bench.sh cpu runs it;
// VENDORFLOW_BENCH_THROUGHPUT_BACKLOG changes the backlog (200).
func BenchmarkLocalThroughput(b *testing.B) {
	backlog := envInt(b, "VENDORFLOW_BENCH_THROUGHPUT_BACKLOG", 200)
	profiles := os.Getenv(benchreport.EnvProfiles)
	for _, v := range []struct {
		name    string
		latency time.Duration
		profile bool
	}{{"0ms", 0, false}, {"50ms", 50 * time.Millisecond, false}, {"0ms-profiled", 0, true}} {
		if v.profile && profiles == "" {
			continue
		}
		b.Run(v.name, func(b *testing.B) {
			for range b.N {
				throughputRun(b, v.name, v.latency, backlog, v.profile)
			}
		})
	}
	b.Run("50ms-paced", func(b *testing.B) {
		for range b.N {
			latencyRun(b, 50*time.Millisecond, max(backlog/2, 10), 100*time.Millisecond)
		}
	})
}

// latencyRun sends n onboardings one every `every` (below what the stack
// can do) with every Graph response delayed by latency, and reports the
// time from each request's enqueue to its credential mail.
func latencyRun(b *testing.B, latency time.Duration, n int, every time.Duration) {
	s := startStack(b, stackOptions{
		devArgs: []string{"--sweep-schedule", "0 0 0 1 1 *"},
		simArgs: []string{"--seats", strconv.Itoa(n + 10)},
		env:     []string{"VENDORFLOW_GRAPH_WRITE_QUOTA=1000000"},
	})
	s.setFaults(allRoutes(1, tenantsim.RouteFaults{SlowRate: 1, SlowDelay: latency}))
	_, sent := s.enqueueEvery(n, every)
	waitFor(b, 5*time.Minute, fmt.Sprintf("%d credentials mailed", n), func() (bool, string) {
		m := s.stats().RouteStatuses["POST /users/{id}/sendMail 202"]
		return m >= n, fmt.Sprintf("%d of %d mailed", m, n)
	})
	var lat []time.Duration
	for _, m := range s.outbox() {
		at, ok := sent[strings.ToLower(m.To[0])]
		if !ok {
			b.Fatalf("a mail to %v that no request asked for", m.To)
		}
		lat = append(lat, m.SentAt.Sub(at))
	}
	slices.Sort(lat)
	p50, p99 := lat[len(lat)/2], lat[min(len(lat)-1, len(lat)*99/100)]
	b.ReportMetric(float64(p50.Milliseconds()), "p50-ms")
	b.ReportMetric(float64(p99.Milliseconds()), "p99-ms")
	detail := fmt.Sprintf("BenchmarkLocalThroughput/50ms-paced: %d onboardings, one every %s, through vendorflow dev against the emulator answering after %s, write quota off; from each request's enqueue to its mail",
		n, every, latency)
	if err := benchreport.Append(
		benchreport.Figure{Figure: "enqueue-to-mail-p50-50ms", Value: float64(p50.Milliseconds()), Unit: "ms", Detail: detail},
		benchreport.Figure{Figure: "enqueue-to-mail-p99-50ms", Value: float64(p99.Milliseconds()), Unit: "ms", Target: "at most 1000", Met: p99 <= time.Second, Detail: detail},
	); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d onboardings one every %s at %s Graph latency: enqueue to mail p50 %s, p99 %s", n, every, latency, p50, p99)
}

// throughputRun runs one backlog. Profiled, it reports no figures (the
// profiler costs CPU of its own) and writes the top of the handler's CPU
// profile instead.
func throughputRun(b *testing.B, name string, latency time.Duration, backlog int, profiled bool) {
	env := []string{"VENDORFLOW_GRAPH_WRITE_QUOTA=1000000"}
	profiles, profile := os.Getenv(benchreport.EnvProfiles), ""
	if profiled {
		profile = filepath.Join(b.TempDir(), "serve")
		env = append(env, benchreport.EnvCPUProfile+"="+profile)
	}
	s := startStack(b, stackOptions{
		devArgs: []string{"--sweep-schedule", "0 0 0 1 1 *"},
		simArgs: []string{"--seats", strconv.Itoa(backlog + 10)},
		env:     env,
	})
	if latency > 0 {
		s.setFaults(allRoutes(1, tenantsim.RouteFaults{SlowRate: 1, SlowDelay: latency}))
	}
	handlers := childrenOf(s.dev.cmd.Process.Pid, "serve")
	if len(handlers) != 1 {
		b.Fatalf("handler children: %v, want one", handlers)
	}
	cpu0 := cpuTime(b, handlers[0])
	start := time.Now()
	ids := s.enqueueBacklog(backlog)
	sent := time.Now()
	waitFor(b, 10*time.Minute, fmt.Sprintf("%d credentials mailed", backlog), func() (bool, string) {
		n := s.stats().RouteStatuses["POST /users/{id}/sendMail 202"]
		return n >= backlog, fmt.Sprintf("%d of %d mailed", n, backlog)
	})
	elapsed := time.Since(start)
	cpu := cpuTime(b, handlers[0]) - cpu0
	// Latency: each request's mail against when the backlog was enqueued
	// (the enqueue takes a moment; the start is the earlier bound).
	var lat []time.Duration
	for _, m := range s.outbox() {
		lat = append(lat, m.SentAt.Sub(start))
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	rate := float64(len(ids)) / elapsed.Seconds()
	perOnboard := cpu / time.Duration(len(ids))
	b.ReportMetric(rate, "onboardings/s")
	b.ReportMetric(float64(perOnboard.Microseconds())/1000, "cpu-ms/onboarding")
	b.ReportMetric(float64(pct(0.5).Milliseconds()), "p50-ms")
	b.ReportMetric(float64(pct(0.99).Milliseconds()), "p99-ms")
	detail := fmt.Sprintf("BenchmarkLocalThroughput/%s: %d onboardings through vendorflow dev (SQLite journal, embedded queue, 8 at a time) against the emulator answering after %s, write quota off; enqueued in %s",
		name, backlog, latency, sent.Sub(start).Round(time.Millisecond))
	figs := []benchreport.Figure{
		{Figure: "throughput-" + name, Value: rate, Unit: "onboardings/s", Detail: detail},
		{Figure: "handler-cpu-per-onboarding-" + name, Value: float64(perOnboard.Microseconds()) / 1000, Unit: "ms", Detail: detail},
		{Figure: "backlog-drain-p99-" + name, Value: float64(pct(0.99).Milliseconds()), Unit: "ms from the backlog's first enqueue to a mail", Detail: detail},
	}
	switch latency {
	case 0:
		figs[0].Target, figs[0].Met = "at least 300", rate >= 300
		figs[1].Target, figs[1].Met = "at most 3 ms", perOnboard <= 3*time.Millisecond
	default:
		figs[0].Target, figs[0].Met = "at least 25", rate >= 25
	}
	if !profiled {
		if err := benchreport.Append(figs...); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("%s: %d onboardings in %s (%.1f/s); handler CPU %s (%s per onboarding); enqueue to mail p50 %s, p99 %s",
		name, backlog, elapsed.Round(time.Millisecond), rate, cpu.Round(time.Millisecond), perOnboard, pct(0.5), pct(0.99))
	if profile != "" {
		// serve writes its profile when it stops
		s.dev.stop()
		writeProfileTop(b, fmt.Sprintf("%s.%d.pprof", profile, handlers[0]), filepath.Join(profiles, "handler-cpu-0ms.txt"))
	}
}

// writeProfileTop writes `go tool pprof -top` of the profile at path (the
// handler's; the emulator, which shares the environment, writes its own
// beside it) to out, and the profile itself beside out (out with .pprof
// for .txt), for a closer look with go tool pprof.
func writeProfileTop(b *testing.B, path, out string) {
	raw, err := os.ReadFile(path)
	if err != nil {
		b.Fatalf("CPU profile of the handler: %v", err)
	}
	if err := os.WriteFile(strings.TrimSuffix(out, ".txt")+".pprof", raw, 0o644); err != nil {
		b.Fatal(err)
	}
	top, err := exec.Command("go", "tool", "pprof", "-top", "-nodecount=25", binary, path).CombinedOutput()
	if err != nil {
		b.Fatalf("go tool pprof: %v\n%s", err, top)
	}
	if err := os.WriteFile(out, top, 0o644); err != nil {
		b.Fatal(err)
	}
}

// cpuTime is a process's user and system CPU time so far (/proc/PID/stat,
// fields 14 and 15, in clock ticks of 1/100 s on Linux).
func cpuTime(t testing.TB, pid int) time.Duration {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	// after the command: state(3) ppid(4) ... utime(14) stime(15)
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("/proc/%d/stat: %q", pid, b)
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond
}
