package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vendorflow/vendorflow/pkg/tables/tablestest"
)

// scripts/bench.sh report --quick runs every benchmark on small samples and
// writes BENCHMARKS.md with every figure. Nothing here judges a timing or a
// figure's value: only that the script works and reports what it measured.
func TestBenchScriptQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the benchmarks (about a minute and a quarter)")
	}
	tablestest.Settings(t) // Azurite must be up (scripts/test.sh starts it)
	out := t.TempDir()
	cmd := exec.Command("bash", "scripts/bench.sh", "report", "--quick", "--out", out)
	cmd.Dir = ".."
	cmd.Env = os.Environ()
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("scripts/bench.sh report --quick: %v\n%s", err, lastLines(string(b), 40))
	}
	report, err := os.ReadFile(filepath.Join(out, "BENCHMARKS.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"## Machine", "## Figures", "## Targets missed, and why", "scripts/bench.sh report --quick",
		"| graph-requests-per-onboarding |", "| graph-requests-per-offboarding |",
		"| quota-share-three-instances |", "| quota-429-share-three-instances |", "| quota-share-one-instance |", "| quota-10s-over-mean-one-instance |", "| quota-redeliveries-three-instances |",
		"| quota-peak-window-three-instances |", "| quota-onboardings-not-done-three-instances |",
		"| throughput-0ms |", "| handler-cpu-per-onboarding-0ms |", "| throughput-50ms |", "| enqueue-to-mail-p99-50ms |",
		"## CPU profile: handler-cpu-0ms, before and after", "| sweep-seconds-1000-2pct-expired |", "| sweep-handler-peak-rss-1000-100pct-expired |",
		"| journal-transactions-per-onboarding |", "| micro-envelope-decode |", "| micro-journal-step |", "| micro-queue-send-receive-complete |",
		"| serve-ready-median |", "| serve-idle-rss |", "| sweep-handler-cpu-seconds-1000-100pct-expired |",
	} {
		if !strings.Contains(string(report), want) {
			t.Errorf("BENCHMARKS.md lacks %q:\n%s", want, report)
		}
	}
}

// lastLines is the end of a command's output.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
