package handler

import (
	"testing"
	"time"
)

func TestFilterMatches(t *testing.T) {
	d := DeadLetter{
		Source: SourceDeadLetter, Queue: "vendorflow-onboard", MessageID: "m-1", RequestID: "r-1",
		Reason: "MaxDeliveryCountExceeded: Message could not be consumed", DeadLetteredAt: t0,
	}
	tests := []struct {
		name string
		f    Filter
		want bool
	}{
		{"zero matches everything", Filter{}, true},
		{"message id among several", Filter{MessageIDs: []string{"x", "m-1"}}, true},
		{"other message id", Filter{MessageIDs: []string{"x"}}, false},
		{"request id", Filter{RequestIDs: []string{"r-1"}}, true},
		{"other request id", Filter{RequestIDs: []string{"r-2"}}, false},
		{"reason substring, any case", Filter{Reason: "maxdelivery"}, true},
		{"other reason", Filter{Reason: "ttl"}, false},
		{"source", Filter{Source: SourceDeadLetter}, true},
		{"other source", Filter{Source: SourceParked}, false},
		{"since: equal is kept", Filter{Since: t0}, true},
		{"since: earlier is kept", Filter{Since: t0.Add(-time.Second)}, true},
		{"since: later drops it", Filter{Since: t0.Add(time.Second)}, false},
		{"all set fields must match", Filter{RequestIDs: []string{"r-1"}, Source: SourceParked}, false},
		{"all set fields match", Filter{MessageIDs: []string{"m-1"}, RequestIDs: []string{"r-1"}, Reason: "consumed", Source: SourceDeadLetter, Since: t0}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f.Matches(d); got != tt.want {
				t.Errorf("Matches = %v, want %v", got, tt.want)
			}
		})
	}
}
