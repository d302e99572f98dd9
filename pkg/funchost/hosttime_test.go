package funchost

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseHostTime(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{"2023-10-12T20:13:49", ts(t, "2023-10-12T20:13:49Z"), false}, // zoneless is UTC (#6997)
		{"2023-10-12T20:13:49.1234567", ts(t, "2023-10-12T20:13:49.1234567Z"), false},
		{"2023-10-12T20:13:49+00:00", ts(t, "2023-10-12T20:13:49Z"), false},
		{"2023-10-12T22:13:49+02:00", ts(t, "2023-10-12T20:13:49Z"), false},
		{"2023-10-12T20:13:49.640002Z", ts(t, "2023-10-12T20:13:49.640002Z"), false},
		{"2023-10-12 20:13:49", ts(t, "2023-10-12T20:13:49Z"), false},
		{"10/12/2023 20:13:49", ts(t, "2023-10-12T20:13:49Z"), false},        // invariant DateTime.ToString()
		{"10/12/2023 20:13:49 +00:00", ts(t, "2023-10-12T20:13:49Z"), false}, // invariant DateTimeOffset.ToString()
		{"9999-12-31T23:59:59", ts(t, "9999-12-31T23:59:59Z"), false},        // ExpiresAtUtc of a message without TTL
		{"0001-01-01T00:00:00", time.Time{}, false},
		{"", time.Time{}, false},
		{"null", time.Time{}, false},
		{"0001-01-01T00:30:00+01:00", time.Time{}, true}, // year 0 in UTC
		{"yesterday", time.Time{}, true},
		{"2023-13-45T00:00:00", time.Time{}, true},
	}
	for _, tc := range tests {
		got, err := parseHostTime(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("parseHostTime(%q) error = %v, wantErr %v", tc.in, err, tc.wantErr)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("parseHostTime(%q) mismatch (-want +got):\n%s", tc.in, diff)
		}
		if got.Location() != time.UTC {
			t.Errorf("parseHostTime(%q) location = %v, want UTC", tc.in, got.Location())
		}
	}
}
