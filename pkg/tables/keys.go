package tables

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Key escapes s for use as a PartitionKey or RowKey, which may not hold
// '/', '\', '#', '?' or control characters: those, and '%' itself, become
// %XX. Other characters (vendorflow's ids, UPNs) are kept, so keys stay
// readable in Storage Explorer.
func Key(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '/' || c == '\\' || c == '#' || c == '?' || c == '%' || c < 0x20 || c == 0x7f {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Inverted is a fixed-width row-key prefix that sorts later times first:
// the nanoseconds from t to the end of Unix time (math.MaxInt64), in 19
// digits. Queries return entities in key order, so rows keyed by Inverted
// come newest first.
func Inverted(t time.Time) string {
	return fmt.Sprintf("%019d", math.MaxInt64-t.UnixNano())
}

// FromInverted is the time an Inverted prefix encodes.
func FromInverted(s string) (time.Time, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || len(s) != 19 {
		return time.Time{}, fmt.Errorf("tables: %q is not an inverted timestamp", s)
	}
	return time.Unix(0, math.MaxInt64-n).UTC(), nil
}

// Quote returns s as an OData string literal for a Table $filter (single
// quotes doubled).
func Quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
