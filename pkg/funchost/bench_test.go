package funchost

import (
	"testing"

	"github.com/vendorflow/vendorflow/pkg/benchreport"
)

// BenchmarkDecodeServiceBus decodes the captured Service Bus invocation
// envelope (a binary body and every metadata key) as the handler does for
// each message.
func BenchmarkDecodeServiceBus(b *testing.B) {
	body := fixture(b, "sb_binary.json")
	m := benchreport.StartMicro(b)
	for b.Loop() {
		if _, err := DecodeServiceBus(invocation(body), "message"); err != nil {
			b.Fatal(err)
		}
	}
	m.Done("micro-envelope-decode", "BenchmarkDecodeServiceBus: the captured Service Bus invocation envelope (testdata/sb_binary.json) decoded with every check, from an HTTP request")
}
