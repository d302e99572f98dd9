package funchost

import (
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// Layouts the host has been seen to use for times. Go accepts a fractional
// second after the seconds field when parsing even if the layout has none.
var (
	// zonedLayouts carry an offset: EnqueuedTime "2023-10-12T20:13:49+00:00",
	// timer ScheduleStatus "2023-10-12T20:13:49.640002Z", and the invariant
	// culture DateTimeOffset.ToString() form.
	zonedLayouts = []string{
		time.RFC3339,
		"2006-01-02 15:04:05Z07:00",
		"01/02/2006 15:04:05 -07:00",
	}
	// zonelessLayouts carry no zone: EnqueuedTimeUtc/ExpiresAtUtc
	// (Azure/azure-functions-host#6997) and the invariant culture
	// DateTime.ToString() form. They are read as UTC.
	zonelessLayouts = []string{
		"2006-01-02T15:04:05",
		"2006-01-02 15:04:05",
		"01/02/2006 15:04:05",
	}
)

// parseHostTime parses a host time with or without a zone; zoneless values
// are UTC (the host's DateTime values are UTC with the Kind lost, #6997). An
// empty string or "null" is the zero time. Years outside 1..9999 (what .NET
// can express) are refused. The result is in UTC.
func parseHostTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "null" {
		return time.Time{}, nil
	}
	for _, l := range zonedLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return checkYear(t.UTC())
		}
	}
	for _, l := range zonelessLayouts {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return checkYear(t)
		}
	}
	return time.Time{}, errors.New("not a recognised time")
}

func checkYear(t time.Time) (time.Time, error) {
	if y := t.Year(); y < 1 || y > 9999 {
		return time.Time{}, errors.New("time out of range")
	}
	return t, nil
}

// hostTime is a time.Time that unmarshals leniently: null, a zoned or
// zoneless string, or such a string quoted once more.
type hostTime struct{ time.Time }

// UnmarshalJSON implements json.Unmarshaler.
func (h *hostTime) UnmarshalJSON(b []byte) error {
	v, ok := parseMetaValue(b)
	if !ok {
		h.Time = time.Time{}
		return nil
	}
	if v.layers == 0 {
		return errors.New("time is not a string")
	}
	t, err := parseHostTime(v.text)
	if err != nil {
		return err
	}
	h.Time = t
	return nil
}

// hostBool unmarshals a boolean given as true/false, "true"/"True", or null
// (false).
type hostBool bool

// UnmarshalJSON implements json.Unmarshaler.
func (h *hostBool) UnmarshalJSON(b []byte) error {
	v, ok := parseMetaValue(b)
	if !ok {
		*h = false
		return nil
	}
	switch strings.ToLower(v.text) {
	case "true":
		*h = true
	case "false":
		*h = false
	default:
		return errors.New("not a boolean")
	}
	return nil
}

var _ json.Unmarshaler = (*hostTime)(nil)
