package roster

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// BenchmarkEnqueue200 reads, validates and sends a roster of 200 people
// to a fresh embedded queue: in batches of DefaultBatch (one queue
// transaction each), and one at a time as the baseline.
//
//	go test ./pkg/roster -run '^$' -bench Enqueue200 -benchtime 20x
func BenchmarkEnqueue200(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(csvHeader)
	for n := range 200 {
		sb.WriteString(person(n))
	}
	csv := sb.String()
	for _, batch := range []int{DefaultBatch, 1} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			builder := newBuilder(b)
			for range b.N {
				b.StopTimer()
				p, _ := openProducer(b) // a fresh queue (closed at the end): every request is new
				b.StartTimer()
				ro, err := Read(strings.NewReader(csv), builder)
				if err != nil {
					b.Fatal(err)
				}
				rep, err := ro.Enqueue(context.Background(), p, Options{Batch: batch})
				if err != nil || rep.Summary.Sent != 200 {
					b.Fatalf("sent %d: %v", rep.Summary.Sent, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*200), "µs/row")
		})
	}
}
