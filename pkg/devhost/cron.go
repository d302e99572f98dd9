package devhost

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Schedule is a parsed six-field NCRONTAB expression
// "{second} {minute} {hour} {day} {month} {day-of-week}", evaluated in UTC,
// the timer trigger's default (REFERENCE.md §1; learn.microsoft.com
// azure-functions/functions-bindings-timer#ncrontab-expressions).
//
// Supported per field: a number, '*', a range "a-b", a step "*/n" or "a-b/n",
// and comma-separated lists of these. Day-of-week is 0-6 with 0 = Sunday (7
// is accepted as Sunday). Not supported: month and day names, TimeSpan
// schedules ("00:05:00"), and non-UTC WEBSITE_TIME_ZONE. When both day and
// day-of-week are restricted, a day matches only if it matches both (this
// parser's rule; Vixie cron would match either — UNVERIFIED which one
// NCrontab applies, so avoid such schedules).
type Schedule struct {
	expr                          string
	sec, min, hour, dom, mon, dow [64]bool
}

// ParseSchedule parses a six-field NCRONTAB expression.
func ParseSchedule(expr string) (*Schedule, error) {
	fields := strings.Fields(expr)
	if len(fields) != 6 {
		return nil, fmt.Errorf("devhost: schedule %q: want 6 fields (second minute hour day month day-of-week), got %d", expr, len(fields))
	}
	s := &Schedule{expr: expr}
	specs := []struct {
		name   string
		lo, hi int
		set    *[64]bool
	}{
		{"second", 0, 59, &s.sec}, {"minute", 0, 59, &s.min}, {"hour", 0, 23, &s.hour},
		{"day", 1, 31, &s.dom}, {"month", 1, 12, &s.mon}, {"day-of-week", 0, 7, &s.dow},
	}
	for i, sp := range specs {
		if err := parseField(fields[i], sp.lo, sp.hi, sp.set); err != nil {
			return nil, fmt.Errorf("devhost: schedule %q: %s field: %w", expr, sp.name, err)
		}
	}
	if s.dow[7] {
		s.dow[0] = true
	}
	return s, nil
}

// String returns the expression as parsed.
func (s *Schedule) String() string { return s.expr }

func parseField(f string, lo, hi int, set *[64]bool) error {
	for part := range strings.SplitSeq(f, ",") {
		rng, step := part, 1
		if i := strings.IndexByte(part, '/'); i >= 0 {
			n, err := strconv.Atoi(part[i+1:])
			if err != nil || n < 1 {
				return fmt.Errorf("bad step in %q", part)
			}
			rng, step = part[:i], n
		}
		a, b := lo, hi
		switch {
		case rng == "*":
		case strings.Contains(rng, "-"):
			x, y, _ := strings.Cut(rng, "-")
			var err1, err2 error
			a, err1 = strconv.Atoi(x)
			b, err2 = strconv.Atoi(y)
			if err1 != nil || err2 != nil || a > b {
				return fmt.Errorf("bad range %q", part)
			}
		default:
			n, err := strconv.Atoi(rng)
			if err != nil {
				return fmt.Errorf("bad value %q", part)
			}
			a, b = n, n
			if step != 1 {
				b = hi // "n/step" means from n to the end
			}
		}
		if a < lo || b > hi {
			return fmt.Errorf("%q out of range %d-%d", part, lo, hi)
		}
		for v := a; v <= b; v += step {
			set[v] = true
		}
	}
	return nil
}

// Next returns the first occurrence strictly after t (in UTC, to the
// second), or the zero time if there is none within five years (e.g. "31 2").
func (s *Schedule) Next(t time.Time) time.Time {
	t = t.UTC().Truncate(time.Second).Add(time.Second)
	limit := t.AddDate(5, 0, 0)
	for t.Before(limit) {
		switch {
		case !s.mon[int(t.Month())]:
			t = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC)
		case !s.dom[t.Day()] || !s.dow[int(t.Weekday())]:
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, time.UTC)
		case !s.hour[t.Hour()]:
			t = t.Truncate(time.Hour).Add(time.Hour)
		case !s.min[t.Minute()]:
			t = t.Truncate(time.Minute).Add(time.Minute)
		case !s.sec[t.Second()]:
			t = t.Add(time.Second)
		default:
			return t
		}
	}
	return time.Time{}
}
