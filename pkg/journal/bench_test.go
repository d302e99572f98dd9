package journal_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/vendorflow/vendorflow/pkg/benchreport"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/journal/journaltest"
)

// BenchmarkStepCycle measures one StartStep + FinishStep (two IMMEDIATE
// transactions) on a file journal, walking the onboarding plan of
// successive requests.
func BenchmarkStepCycle(b *testing.B) {
	ctx := context.Background()
	j, _ := openAt(b, tempPath(b))
	plan, err := domain.Plan(domain.KindOnboard)
	if err != nil {
		b.Fatal(err)
	}
	outputs := map[string]string{"userId": "8f0c-11"}
	m := benchreport.StartMicro(b)
	for i := 0; b.Loop(); i++ {
		id := fmt.Sprintf("r%d", i/len(plan))
		step := plan[i%len(plan)]
		if i%len(plan) == 0 {
			b.StopTimer()
			journaltest.Begin(b, j, journaltest.Request(id, domain.KindOnboard, "fp"))
			b.StartTimer()
		}
		if _, err := j.StartStep(ctx, id, step); err != nil {
			b.Fatal(err)
		}
		if err := j.FinishStep(ctx, id, step, outputs); err != nil {
			b.Fatal(err)
		}
	}
	m.Done("micro-journal-step", "BenchmarkStepCycle: one StartStep and one FinishStep (two transactions, prepared statements) on a SQLite journal file, synchronous NORMAL")
}
