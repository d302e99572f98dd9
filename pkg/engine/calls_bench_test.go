package engine_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/vendorflow/vendorflow/pkg/benchreport"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
)

// callFigures are one mode's Graph requests per request, on average.
type callFigures struct {
	onboard, onboardWrites, offboard, offboardWrites float64
	// journal write transactions per request
	onboardJournal, offboardJournal float64
	n                               int
}

// BenchmarkGraphCalls counts the Graph requests (and the journal's write
// transactions) of one onboarding and one offboarding on the happy path, through the real msgraph-sdk-go adapter
// against the emulator: the call economy ("economy") beside the sequence
// it replaced ("naive", engine.Config.NaiveCalls), in the same run. Each
// iteration onboards a new person and offboards the one before it, so the
// SKU cache is warm as in a running process. Every figure is read back
// from the emulator's request log.
//
// It appends its figures to $VENDORFLOW_BENCH_OUT (pkg/benchreport) with
// the floor (the writes a request cannot do without, plus the reads it
// cannot: finding the account to offboard and listing its passes) and the
// ratio to the naive sequence measured in this run; scripts/bench.sh calls
// writes BENCHMARKS.md from them.
func BenchmarkGraphCalls(b *testing.B) {
	got := map[string]callFigures{}
	for _, mode := range []struct {
		name  string
		naive bool
	}{{"economy", false}, {"naive", true}} {
		b.Run(mode.name, func(b *testing.B) {
			r := newRig(b)
			j := &countingJournal{Journal: r.journal}
			e, err := engine.New(engine.Config{Tenant: r.tenant, Directory: r.dir, Journal: j, Clock: r.clk, NaiveCalls: mode.naive})
			if err != nil {
				b.Fatal(err)
			}
			run := func(kind string, p []byte) {
				if res := process(b, e, kind, p); res.Status != domain.RequestDone {
					b.Fatalf("%s: %+v", kind, res)
				}
			}
			// the first onboarding of a process reads the SKU list
			run(domain.KindOnboard, onboardPayload(b, "warm", "Vendor1", "warm@vendor1.com"))
			var on, onW, off, offW, onJ, offJ int
			b.ResetTimer()
			for i := range b.N {
				email := fmt.Sprintf("p%d@vendor1.com", i)
				s0, j0 := r.sim.Stats(), j.writes.Load()
				run(domain.KindOnboard, onboardPayload(b, fmt.Sprintf("on-%d", i), "Vendor1", email))
				s1, j1 := r.sim.Stats(), j.writes.Load()
				run(domain.KindOffboard, offboardPayload(b, fmt.Sprintf("off-%d", i), domain.AccountRef{Vendor: "Vendor1", Email: email}))
				s2, j2 := r.sim.Stats(), j.writes.Load()
				on, onW = on+s1.Requests-s0.Requests, onW+s1.Writes-s0.Writes
				off, offW = off+s2.Requests-s1.Requests, offW+s2.Writes-s1.Writes
				onJ, offJ = onJ+int(j1-j0), offJ+int(j2-j1)
			}
			n := float64(b.N)
			f := callFigures{float64(on) / n, float64(onW) / n, float64(off) / n, float64(offW) / n, float64(onJ) / n, float64(offJ) / n, b.N}
			got[mode.name] = f
			b.ReportMetric(f.onboard, "graph-req/onboard")
			b.ReportMetric(f.onboardWrites, "graph-writes/onboard")
			b.ReportMetric(f.offboard, "graph-req/offboard")
			b.ReportMetric(f.offboardWrites, "graph-writes/offboard")
			b.ReportMetric(f.onboardJournal, "journal-tx/onboard")
			b.ReportMetric(f.offboardJournal, "journal-tx/offboard")
		})
	}
	eco, naive := got["economy"], got["naive"]
	if eco.onboard == 0 || naive.onboard == 0 {
		return // a sub-benchmark was filtered out
	}
	detail := fmt.Sprintf("BenchmarkGraphCalls: happy path, SKU cache warm, mean of %d onboardings and offboardings per mode, real adapter against the emulator", eco.n)
	// Offboarding's floor: find the account, list its passes, and one of
	// each write (PATCH, revoke, pass delete, assignLicense, group leave).
	if err := benchreport.Append(
		benchreport.Figure{Figure: "graph-requests-per-onboarding", Value: eco.onboard, Unit: "requests", Floor: eco.onboardWrites,
			Naive: naive.onboard, VsNaive: naive.onboard / eco.onboard, Target: "at most 5, and at least 2.5x fewer than naive",
			Met: eco.onboard <= 5 && naive.onboard/eco.onboard >= 2.5, Detail: detail},
		benchreport.Figure{Figure: "graph-requests-per-offboarding", Value: eco.offboard, Unit: "requests", Floor: eco.offboardWrites + 2,
			Naive: naive.offboard, VsNaive: naive.offboard / eco.offboard, Target: "at most 7, and at least 2.5x fewer than naive",
			Met:    eco.offboard <= 7 && naive.offboard/eco.offboard >= 2.5,
			Detail: detail + "; the floor is a find, a pass list and one of each of 5 writes, so the naive sequence's " + num(naive.offboard) + " allows at most " + strconv.FormatFloat(naive.offboard/(eco.offboardWrites+2), 'f', 2, 64) + "x"},
		benchreport.Figure{Figure: "journal-transactions-per-onboarding", Value: eco.onboardJournal, Unit: "write transactions",
			Naive: naive.onboardJournal, VsNaive: naive.onboardJournal / eco.onboardJournal,
			Detail: detail + "; the naive sequence makes each journal call its own transaction, the economy batches them (Journal.Batch)"},
		benchreport.Figure{Figure: "journal-transactions-per-offboarding", Value: eco.offboardJournal, Unit: "write transactions",
			Naive: naive.offboardJournal, VsNaive: naive.offboardJournal / eco.offboardJournal,
			Detail: detail + "; the naive sequence makes each journal call its own transaction, the economy batches them (Journal.Batch)"},
	); err != nil {
		b.Fatal(err)
	}
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
