package funchost

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestDecodeTimer(t *testing.T) {
	tests := []struct {
		name    string
		fixture string
		want    TimerInfo
	}{
		{
			name:    "ScheduleStatus with fractional UTC times",
			fixture: "timer_status.json",
			want: TimerInfo{
				Last:         ts(t, "2024-05-01T02:00:00.0012345Z"),
				Next:         ts(t, "2024-05-02T02:00:00Z"),
				LastUpdated:  ts(t, "2024-05-01T02:00:00.5Z"),
				InvocationID: testInvocationID,
			},
		},
		{
			name:    "ScheduleStatus null",
			fixture: "timer_null.json",
			want:    TimerInfo{IsPastDue: true, InvocationID: testInvocationID},
		},
		{
			name:    "zoneless, offset and null times; IsPastDue as a string",
			fixture: "timer_lenient.json",
			want: TimerInfo{
				IsPastDue:    true,
				Last:         ts(t, "2024-05-01T02:00:00Z"),
				Next:         ts(t, "2024-05-02T02:00:00Z"),
				InvocationID: testInvocationID,
			},
		},
		{
			name:    "timer object serialised as a string",
			fixture: "timer_as_string.json",
			want: TimerInfo{
				Last:         ts(t, "2024-05-01T02:00:00Z"),
				Next:         ts(t, "2024-05-02T02:00:00Z"),
				LastUpdated:  ts(t, "2024-05-01T02:00:00Z"),
				InvocationID: testInvocationID,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeTimer(invocation(fixture(t, tc.fixture)), "timer")
			if err != nil {
				t.Fatalf("DecodeTimer() error = %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("DecodeTimer() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeTimerMalformed(t *testing.T) {
	tests := []struct {
		fixture string
		wantErr error
		detail  string
	}{
		{"bad_timer_ispastdue.json", ErrMalformedBinding, "not a boolean"},
		{"bad_timer_status_number.json", ErrMalformedBinding, "JSON number where"},
		{"bad_timer_time_text.json", ErrMalformedBinding, "not a recognised time"},
		{"bad_timer_not_object.json", ErrMalformedBinding, "Data.timer is not a timer object"},
		{"sb_binary.json", ErrMissingBinding, "Data.timer not present"},
		{"bad_not_json.txt", ErrMalformedEnvelope, "not a JSON object"},
		{"bad_data_null.json", ErrMalformedEnvelope, "Data is missing or null"},
	}
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			_, err := DecodeTimer(invocation(fixture(t, tc.fixture)), "timer")
			if diff := cmp.Diff(tc.wantErr, err, cmpopts.EquateErrors()); diff != "" {
				t.Fatalf("DecodeTimer() error mismatch (-want +got):\n%s", diff)
			}
			if !strings.Contains(err.Error(), tc.detail) {
				t.Errorf("error %q lacks detail %q", err, tc.detail)
			}
		})
	}
}
