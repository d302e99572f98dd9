package ops_test

import (
	"strings"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/ops"
)

func TestParseWindow(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"7d", 7 * 24 * time.Hour, ""},
		{"14d", 14 * 24 * time.Hour, ""},
		{"36h", 36 * time.Hour, ""},
		{"90m", 90 * time.Minute, ""},
		{"1d12h", 36 * time.Hour, ""},
		{"0d", 0, `"0d" is not a span of time; want a positive number of days or hours such as 7d, 14d or 36h`},
		{"0", 0, `"0" is not a span of time`},
		{"", 0, `"" is not a span of time`},
		{"7", 0, `"7" is not a span of time`},
		{"-7d", 0, `"-7d" is not a span of time`},
		{"1d-2h", 0, `"1d-2h" is not a span of time`},
		{"1.5d", 0, `"1.5d" is not a span of time`},
		{"2w", 0, `"2w" is not a span of time`},
		{"d", 0, `"d" is not a span of time`},
		{"200000d", 0, `"200000d" is longer than vendorflow can count; want at most 106751 days`},
		{"106751d24h", 0, `"106751d24h" is longer than vendorflow can count`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ops.ParseWindow(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ParseWindow(%q) = %v, %v; want an error containing %q", tc.in, got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseWindow(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestParseTime(t *testing.T) {
	now := time.Date(2026, 12, 8, 10, 30, 0, 0, time.FixedZone("CET", 3600))
	for _, tc := range []struct {
		in   string
		want time.Time
		err  string
	}{
		{"", time.Time{}, ""},
		{"2026-12-01", time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), ""},
		{"2026-12-01T09:00:00+01:00", time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC), ""},
		{"24h", time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC), ""},
		{"7d", time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC), ""},
		{"36h", time.Date(2026, 12, 6, 21, 30, 0, 0, time.UTC), ""},
		{"yesterday", time.Time{}, `"yesterday" is neither a date (YYYY-MM-DD), an RFC 3339 time (2026-12-01T09:00:00Z) nor a span back from now (24h, 7d)`},
		{"2026-13-01", time.Time{}, `"2026-13-01" is neither a date`},
		{"2026-12-01 09:00", time.Time{}, `"2026-12-01 09:00" is neither a date`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ops.ParseTime(tc.in, now)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ParseTime(%q) = %v, %v; want an error containing %q", tc.in, got, err, tc.err)
				}
				return
			}
			if err != nil || !got.Equal(tc.want) || got.Location() != time.UTC {
				t.Fatalf("ParseTime(%q) = %v, %v; want %v in UTC", tc.in, got, err, tc.want)
			}
		})
	}
}
