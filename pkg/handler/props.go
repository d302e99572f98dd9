package handler

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Application property names carried by vendorflow's messages, on the
// embedded queue (devhost) and on Service Bus (servicebus) alike: this is
// their one definition.
const (
	// PropAttempt is the reschedule count (OutMessage.Attempt).
	PropAttempt = "vendorflowAttempt"
	// PropKind is the message kind ("onboard"/"offboard"); a parked message
	// needs it to be replayed to the right queue.
	PropKind = "vendorflowKind"
	// PropCode and PropReason are a parked message's reason code and text.
	PropCode   = "vendorflowCode"
	PropReason = "vendorflowReason"
	// PropIntentAt is when the request was first put on the queue
	// (RFC 3339), carried by every copy vendorflow sends of it (a retry,
	// a deferral): a copy's own enqueue time is when it was sent, and the
	// request's intent must keep its place among competing requests.
	PropIntentAt = "vendorflowIntentAt"
)

// AppProperties are the application properties of m on either adapter.
func (m OutMessage) AppProperties() map[string]any {
	props := map[string]any{PropAttempt: m.Attempt, PropKind: m.Kind}
	if !m.IntentAt.IsZero() {
		props[PropIntentAt] = m.IntentAt.UTC().Format(time.RFC3339Nano)
	}
	return props
}

// intentOf is when a delivered message's request was first enqueued: its
// PropIntentAt when a copy carries one, else its own enqueue time.
func intentOf(props map[string]any, enqueued time.Time) time.Time {
	if t, err := time.Parse(time.RFC3339Nano, PropString(props, PropIntentAt)); err == nil {
		return t
	}
	return enqueued
}

// MessageContentType is the ContentType of every request message that
// vendorflow sends, on either adapter.
const MessageContentType = "application/json"

// PropString reads a string application property; absent or of another
// type is "".
func PropString(props map[string]any, key string) string {
	if v, ok := props[key].(string); ok {
		return v
	}
	return ""
}

// PropInt reads an integer application property leniently, as a listing of
// set-aside messages needs (a delivery's attempt count is checked strictly
// instead): the embedded queue hands numbers back as JSON numbers, AMQP as
// the integer type they were sent as (a Go int arrives as int64), and other
// senders may use any width or a decimal string. Absent or unreadable is
// 0; values beyond the int32 range are clamped to it.
func PropInt(props map[string]any, key string) int {
	switch v := props[key].(type) {
	case int:
		return clampInt(int64(v))
	case int64:
		return clampInt(v)
	case int32:
		return int(v)
	case int16:
		return int(v)
	case int8:
		return int(v)
	case uint64:
		return clampInt(int64(min(v, math.MaxInt64)))
	case uint32:
		return clampInt(int64(v))
	case uint16:
		return int(v)
	case uint8:
		return int(v)
	case float64:
		return clampFloat(v)
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return clampInt(n)
		}
		f, _ := v.Float64()
		return clampFloat(f)
	case string:
		n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		return clampInt(n)
	}
	return 0
}

func clampInt(v int64) int { return int(max(min(v, math.MaxInt32), math.MinInt32)) }

func clampFloat(f float64) int {
	if math.IsNaN(f) {
		return 0
	}
	return int(max(min(f, math.MaxInt32), math.MinInt32))
}

// MaxMessageID is Service Bus's limit on a MessageId, in characters
// (learn.microsoft.com/azure/service-bus-messaging/service-bus-quotas).
const MaxMessageID = 128

// retryHashLen is how many hex digits of the delivered message's hash a
// retry id carries (64 bits).
const retryHashLen = 16

// RetryMessageID is the MessageID of the retry that a delivery of the
// message deliveredID schedules as attempt `attempt`:
//
//	<requestId>-retry-<attempt>-<16 hex digits of sha256(deliveredID, attempt)>
//
// (deliveredID stands in for an empty requestId). Duplicate detection
// includes scheduled messages and silently drops an id it has seen within
// its window (up to 7 days), so the id must never repeat for a new retry:
// it is derived from the delivered message's id, which differs for every
// message in a request's history — the original, each retry (whose id holds
// its own predecessor's hash) and each replay ("<id>-replay-<seq>", see
// ReplayMessageID) — while a redelivery of the same message, or two hosts
// handling the same delivery, derive the same id and collapse into one
// retry. The result fits MaxMessageID.
func RetryMessageID(requestID, deliveredID string, attempt int) string {
	sum := sha256.Sum256([]byte(deliveredID + "\x00" + strconv.Itoa(attempt)))
	suffix := "-retry-" + strconv.Itoa(attempt) + "-" + hex.EncodeToString(sum[:])[:retryHashLen]
	prefix := requestID
	if prefix == "" {
		prefix = deliveredID
	}
	return cut(prefix, MaxMessageID-len(suffix)) + suffix
}

// DeferMessageID is the MessageID of the copy that defers a delivered
// message (Config.Admission): the delivered id, without the suffix an
// earlier deferral added, and "-defer-" with a hash of the delivered id.
// It differs from every id before it in the message's history, while a
// redelivery of the same message derives the same id and collapses. It
// fits MaxMessageID.
func DeferMessageID(deliveredID string) string {
	sum := sha256.Sum256([]byte("defer\x00" + deliveredID))
	suffix := "-defer-" + hex.EncodeToString(sum[:])[:retryHashLen]
	prefix := deliveredID
	if i := strings.LastIndex(prefix, "-defer-"); i > 0 && len(prefix)-i == len(suffix) {
		prefix = prefix[:i]
	}
	return cut(prefix, MaxMessageID-len(suffix)) + suffix
}

// ReplayMessageID is the MessageID of the copy that a replay sends of the
// set-aside message id with sequence number seq: "<id>-replay-<seq>", id cut
// so that the result fits MaxMessageID. The sequence number makes it differ
// from every id the request used before (so duplicate detection does not
// drop it, and the replayed run's retries get new ids, see RetryMessageID),
// while a replay repeated after a crash sends the same id and collapses.
func ReplayMessageID(id string, seq int64) string {
	suffix := "-replay-" + strconv.FormatInt(seq, 10)
	return cut(id, MaxMessageID-len(suffix)) + suffix
}

// cut shortens s to at most n bytes without splitting a UTF-8 sequence.
func cut(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
