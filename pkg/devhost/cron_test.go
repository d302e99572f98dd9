package devhost

import (
	"testing"
	"time"
)

func TestScheduleNext(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		expr, from, want string
	}{
		{"0 0 2 * * *", "2026-03-01T10:00:03Z", "2026-03-02T02:00:00Z"},
		{"0 0 2 * * *", "2026-03-01T01:59:59Z", "2026-03-01T02:00:00Z"},
		{"0 0 2 * * *", "2026-03-01T02:00:00Z", "2026-03-02T02:00:00Z"},
		{"*/10 * * * * *", "2026-03-01T10:00:03Z", "2026-03-01T10:00:10Z"},
		{"0 */5 * * * *", "2026-03-01T10:07:00Z", "2026-03-01T10:10:00Z"},
		{"30 15 9-17/4 * * 1-5", "2026-02-27T18:00:00Z", "2026-03-02T09:15:30Z"}, // Friday evening -> Monday
		{"0 0 0 1 1,7 *", "2026-03-01T00:00:00Z", "2026-07-01T00:00:00Z"},
		{"0 0 12 * * 0", "2026-03-02T00:00:00Z", "2026-03-08T12:00:00Z"},
		{"0 0 12 * * 7", "2026-03-02T00:00:00Z", "2026-03-08T12:00:00Z"},
		{"0 0 0 29 2 *", "2026-03-01T00:00:00Z", "2028-02-29T00:00:00Z"},
		{"5/20 * * * * *", "2026-03-01T10:00:06Z", "2026-03-01T10:00:25Z"},
	}
	for _, tt := range tests {
		s, err := ParseSchedule(tt.expr)
		if err != nil {
			t.Fatalf("ParseSchedule(%q): %v", tt.expr, err)
		}
		if got := s.Next(at(tt.from)); !got.Equal(at(tt.want)) {
			t.Errorf("%q.Next(%s) = %s, want %s", tt.expr, tt.from, got, tt.want)
		}
	}
	if s, _ := ParseSchedule("0 0 0 31 2 *"); !s.Next(at("2026-01-01T00:00:00Z")).IsZero() {
		t.Error("31 February has a next occurrence")
	}
}

func TestParseScheduleRejects(t *testing.T) {
	for _, expr := range []string{"", "0 0 2 * *", "0 0 2 * * * *", "60 * * * * *", "* * 24 * * *", "* * * 0 * *",
		"* * * * 13 *", "* * * * * 8", "*/0 * * * * *", "5-1 * * * * *", "a * * * * *", "00:05:00", "0 0 2 * JAN *"} {
		if _, err := ParseSchedule(expr); err == nil {
			t.Errorf("ParseSchedule(%q) succeeded", expr)
		}
	}
}
