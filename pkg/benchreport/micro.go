package benchreport

import (
	"fmt"
	"runtime"
	"strconv"
	"testing"
)

// Micro measures one b.Loop benchmark (which Go runs once per -count, so
// its figure is appended once) for the report: the time and the heap
// allocations per operation, the allocations read from runtime.MemStats
// over the loop.
type Micro struct {
	b  *testing.B
	m0 runtime.MemStats
}

// StartMicro starts the count; call it just before the b.Loop loop.
func StartMicro(b *testing.B) *Micro {
	b.ReportAllocs()
	m := &Micro{b: b}
	runtime.ReadMemStats(&m.m0)
	return m
}

// Done appends the figure (µs per operation) with its allocations per
// operation in the detail; call it just after the loop.
func (m *Micro) Done(figure, detail string) {
	m.b.Helper()
	var m1 runtime.MemStats
	runtime.ReadMemStats(&m1)
	n := m.b.N
	if n < 1 {
		m.b.Fatal("benchreport: Done before the loop ran")
	}
	us := float64(m.b.Elapsed().Nanoseconds()) / float64(n) / 1000
	allocs := float64(m1.Mallocs-m.m0.Mallocs) / float64(n)
	if err := Append(Figure{Figure: figure, Value: us, Unit: "µs per operation",
		Detail: fmt.Sprintf("%s; mean of %d operations, %s heap allocations per operation", detail, n, strconv.FormatFloat(allocs, 'f', 0, 64))}); err != nil {
		m.b.Fatal(err)
	}
}
