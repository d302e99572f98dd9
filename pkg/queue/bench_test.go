package queue

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/vendorflow/vendorflow/pkg/benchreport"
)

// BenchmarkSendReceiveComplete measures one message's full round trip (three
// transactions: Send, Receive, Complete) on a file database with the real
// clock and the default durable settings (WAL, synchronous=FULL).
func BenchmarkSendReceiveComplete(b *testing.B) {
	ctx := context.Background()
	q, err := Open(ctx, Config{Path: filepath.Join(b.TempDir(), "bench.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer q.Close()
	body := []byte(`{"vendor":"Vendor1","email":"Vendor1_A@Vendor1.com","start":"2025-03-01","end":"2025-09-01"}`)
	props := map[string]any{"source": "procurement"}
	m := benchreport.StartMicro(b)
	i := 0
	for b.Loop() {
		i++
		if _, err := q.Send(ctx, "onboard", Message{MessageID: "m-" + strconv.Itoa(i), Body: body, ApplicationProperties: props}); err != nil {
			b.Fatal(err)
		}
		ms, err := q.Receive(ctx, "onboard", 1)
		if err != nil || len(ms) != 1 {
			b.Fatalf("Receive = %d messages, %v", len(ms), err)
		}
		if err := q.Complete(ctx, "onboard", ms[0].LockToken); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	m.Done("micro-queue-send-receive-complete", "BenchmarkSendReceiveComplete: one message's Send, Receive and Complete (three transactions, each with an fsync: synchronous FULL) on the embedded queue's file")
}
