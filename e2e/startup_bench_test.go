package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/benchreport"
)

// BenchmarkServeStartup measures what Flex Consumption ships and starts:
// the size of the binary built as scripts/package.sh builds it (linux,
// CGO_ENABLED=0, -trimpath, stripped with -ldflags "-s -w") beside the
// e2e build's unstripped one; the time from starting `serve` (config,
// SQLite journal and queue opened and migrated, Graph client built) until
// it answers GET /, over 10 starts on fresh state; and its resident
// memory once idle (VmRSS a second after it is ready).
//
// With $VENDORFLOW_BENCH_QUICK=1 (scripts/bench.sh --quick) it starts the
// e2e build instead and reports no size: a cold cache compiles everything
// again for the shipped build's settings, minutes on 2 cores.
func BenchmarkServeStartup(b *testing.B) {
	quick := os.Getenv("VENDORFLOW_BENCH_QUICK") == "1"
	stripped := binary
	if !quick {
		stripped = filepath.Join(b.TempDir(), "vendorflow")
		build := exec.CommandContext(context.Background(), "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", stripped, "./cmd/vendorflow")
		build.Dir = ".."
		build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
		if out, err := build.CombinedOutput(); err != nil {
			b.Fatalf("go build: %v\n%s", err, out)
		}
	}
	size, full := fileSize(b, stripped), fileSize(b, binary)
	const starts = 10
	var ready []time.Duration
	var rss int64
	for b.Loop() {
		ready, rss = nil, 0
		for i := range starts {
			d, r := startOnce(b, stripped, i == starts-1)
			ready = append(ready, d)
			rss = max(rss, r)
		}
	}
	slices.Sort(ready)
	median := ready[len(ready)/2]
	mb := float64(size) / 1e6
	b.ReportMetric(mb, "MB-stripped")
	b.ReportMetric(float64(median.Microseconds())/1000, "ms-to-ready")
	b.ReportMetric(float64(rss)/(1<<20), "idle-rss-MiB")
	detail := fmt.Sprintf("BenchmarkServeStartup: %d starts of `serve` (SQLite journal and queue in a fresh directory, Graph pointed at an address nothing answers, which start-up does not call)", starts)
	var figs []benchreport.Figure
	if !quick {
		figs = append(figs, benchreport.Figure{Figure: "binary-size-stripped", Value: mb, Unit: "MB", Target: "at most 40 MB", Met: mb <= 40,
			Detail: fmt.Sprintf("go build -trimpath -ldflags \"-s -w\" with CGO_ENABLED=0; the e2e build, unstripped, is %.1f MB", float64(full)/1e6)})
	} else {
		detail += "; quick mode: the e2e build, not the shipped one"
	}
	if err := benchreport.Append(append(figs,
		benchreport.Figure{Figure: "serve-ready-median", Value: float64(median.Microseconds()) / 1000, Unit: "ms from exec to an answer on GET /",
			Target: "at most 30 ms", Met: median <= 30*time.Millisecond,
			Detail: fmt.Sprintf("%s; min %s, max %s", detail, ready[0].Round(time.Millisecond), ready[len(ready)-1].Round(time.Millisecond))},
		benchreport.Figure{Figure: "serve-idle-rss", Value: float64(rss) / (1 << 20), Unit: "MiB", Target: "at most 25 MB", Met: rss <= 25e6, Detail: detail},
	)...); err != nil {
		b.Fatal(err)
	}
}

// startOnce starts serve on fresh state, waits until GET / answers, reads
// its idle RSS when rss is set, and stops it.
func startOnce(b *testing.B, bin string, rss bool) (time.Duration, int64) {
	dir := b.TempDir()
	addr := freeAddr(b)
	cmd := exec.Command(bin, "serve", "--addr", addr)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"VENDORFLOW_JOURNAL_PATH="+filepath.Join(dir, "journal.db"),
		"VENDORFLOW_QUEUE_PATH="+filepath.Join(dir, "queue.db"),
		"VENDORFLOW_GRAPH_BASE_URL=http://127.0.0.1:9/v1.0")
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	client := &http.Client{Timeout: time.Second}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	for {
		resp, err := client.Get("http://" + addr + "/")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Since(start) > 10*time.Second {
			b.Fatalf("serve not ready after 10s: %v\n%s", err, logs.String())
		}
	}
	ready := time.Since(start)
	if !rss {
		return ready, 0
	}
	// settled: what an idle instance holds (no invocation arrives)
	time.Sleep(time.Second)
	return ready, vmRSS(b, cmd.Process.Pid)
}

func freeAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func fileSize(t testing.TB, path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// vmRSS is a process's resident set now (VmRSS in /proc/PID/status).
func vmRSS(t testing.TB, pid int) int64 { return procStatusBytes(t, pid, "VmRSS") }
