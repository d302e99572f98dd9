package handler

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// attemptOf reads PropAttempt from a message's application properties.
// The host hands numbers over as JSON numbers (float64 after decoding), but a
// producer may have set a string; json.Number and integers are accepted too.
// Absent is 0.
func attemptOf(props map[string]any) (int, error) {
	v, ok := props[PropAttempt]
	if !ok || v == nil {
		return 0, nil
	}
	var f float64
	switch t := v.(type) {
	case float64:
		f = t
	case int:
		f = float64(t)
	case int64:
		f = float64(t)
	case json.Number:
		n, err := t.Float64()
		if err != nil {
			return 0, fmt.Errorf("%s is not a number", PropAttempt)
		}
		f = n
	case string:
		n, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
		if err != nil {
			return 0, fmt.Errorf("%s is not a number", PropAttempt)
		}
		f = n
	default:
		return 0, fmt.Errorf("%s has type %T", PropAttempt, v)
	}
	if f < 0 || f != math.Trunc(f) || f > math.MaxInt32 {
		return 0, fmt.Errorf("%s is not a count", PropAttempt)
	}
	return int(f), nil
}
