package funchost

import (
	"encoding/json"
	"fmt"
	"time"
)

// EncodeTimer encodes t as the real host sends a timer trigger, with the
// default EncoderConfig and an empty sys.MethodName.
func EncodeTimer(binding string, t TimerInfo) ([]byte, error) {
	return defaultEncoder().Timer("", binding, t)
}

// Timer encodes t as the real host sends a timer trigger for function:
// Data.<binding> = {"Schedule":{"AdjustForDST":true},"ScheduleStatus":...,
// "IsPastDue":...} where ScheduleStatus is null when Last, Next and
// LastUpdated are all zero; Metadata holds only sys (REFERENCE §1).
func (e *Encoder) Timer(function, binding string, t TimerInfo) ([]byte, error) {
	type status struct {
		Last, Next, LastUpdated string
	}
	var st *status
	if !t.Last.IsZero() || !t.Next.IsZero() || !t.LastUpdated.IsZero() {
		st = &status{netTime(t.Last), netTime(t.Next), netTime(t.LastUpdated)}
	}
	data, err := json.Marshal(struct {
		Schedule       struct{ AdjustForDST bool }
		ScheduleStatus *status
		IsPastDue      bool
	}{struct{ AdjustForDST bool }{true}, st, t.IsPastDue})
	if err != nil {
		return nil, fmt.Errorf("funchost: encoding timer: %w", err)
	}
	var md orderedObject
	md.set("sys", e.sys(function))
	return envelopeJSON(binding, data, md)
}

// netTime prints t as Json.NET prints a UTC DateTime; the zero time prints
// as DateTime.MinValue ("0001-01-01T00:00:00").
func netTime(t time.Time) string {
	if t.IsZero() {
		return "0001-01-01T00:00:00"
	}
	return t.UTC().Format(netUTCLayout)
}
