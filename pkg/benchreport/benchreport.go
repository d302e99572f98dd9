// Package benchreport writes the figures of vendorflow's benchmarks as JSON
// lines, one per figure, for scripts/bench.sh to turn into BENCHMARKS.md.
// A benchmark appends its figures to the file named by $VENDORFLOW_BENCH_OUT
// (EnvOut); without it, Append does nothing, so `go test -bench` alone
// prints only Go's own lines.
package benchreport

import (
	"encoding/json"
	"fmt"
	"os"
)

// EnvOut names the file the figures are appended to.
const EnvOut = "VENDORFLOW_BENCH_OUT"

// EnvProfiles names the directory a benchmark writes the top of its CPU
// profiles to, one "<figure>.txt" each, for the report.
const EnvProfiles = "VENDORFLOW_BENCH_PROFILES"

// EnvCPUProfile, set in the environment of `vendorflow serve` or
// `vendorflow tenantsim`, makes it write a CPU profile of its whole run to
// "<value>.<pid>.pprof" when it stops: how the benchmarks profile the
// handler (and one can profile the emulator) under load.
const EnvCPUProfile = "VENDORFLOW_CPUPROFILE"

// Figure is one measured figure, compared where it applies with its floor
// (the least the work allows) and with the naive baseline measured in the
// same run.
type Figure struct {
	// Figure names what was measured, e.g. "graph-requests-per-onboarding".
	Figure string  `json:"figure"`
	Value  float64 `json:"value"`
	Unit   string  `json:"unit"`
	// Floor is the least the work allows; 0 when there is none to state.
	Floor float64 `json:"floor,omitempty"`
	// Naive is the baseline's value, measured in the same run; VsNaive is
	// Naive/Value for figures where less is better.
	Naive   float64 `json:"naive,omitempty"`
	VsNaive float64 `json:"vsNaive,omitempty"`
	// Target is the target in words, and Met whether Value meets it.
	Target string `json:"target,omitempty"`
	Met    bool   `json:"met"`
	// Detail says how the figure was measured (sample size, settings).
	Detail string `json:"detail,omitempty"`
}

// Append adds figs to the file named by $VENDORFLOW_BENCH_OUT, one JSON
// line each. It does nothing when the variable is unset.
func Append(figs ...Figure) error {
	path := os.Getenv(EnvOut)
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("benchreport: %w", err)
	}
	enc := json.NewEncoder(f)
	for _, fig := range figs {
		if err := enc.Encode(fig); err != nil {
			f.Close()
			return fmt.Errorf("benchreport: %s: %w", path, err)
		}
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("benchreport: %s: %w", path, err)
	}
	return nil
}
