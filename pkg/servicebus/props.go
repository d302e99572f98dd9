package servicebus

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// The application property names are handler.PropAttempt, PropKind,
// PropCode and PropReason, the same on the embedded queue and on Service
// Bus.

// contentTypeJSON is the ContentType of every request message.
const contentTypeJSON = "application/json"

// Limits on what vendorflow puts into a message's headers. Service Bus caps
// MessageId at 128 characters (handler.MaxMessageID) and all headers
// together at 64 KB
// (learn.microsoft.com/azure/service-bus-messaging/service-bus-quotas).
const (
	maxCode   = 128
	maxReason = 1024
)

// defaultParkCode is the code of a parked message that carries none.
const defaultParkCode = "Parked"

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func propString(props map[string]any, key string) string {
	if v, ok := props[key].(string); ok {
		return v
	}
	return ""
}

// propInt reads an integer property. AMQP hands back the integer type it
// was sent as (Go int arrives as int64), other senders may use any width.
func propInt(props map[string]any, key string) int {
	switch v := props[key].(type) {
	case int:
		return v
	case int64:
		return clampInt(v)
	case int32:
		return int(v)
	case int16:
		return int(v)
	case int8:
		return int(v)
	case uint32:
		return clampInt(int64(v))
	case uint16:
		return int(v)
	case uint8:
		return int(v)
	case float64:
		return clampInt(int64(v))
	case string:
		n, _ := strconv.Atoi(v)
		return n
	}
	return 0
}

func clampInt(v int64) int {
	if v > math.MaxInt32 {
		return math.MaxInt32
	}
	if v < math.MinInt32 {
		return math.MinInt32
	}
	return int(v)
}
