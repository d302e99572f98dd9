package servicebus

import "unicode/utf8"

// The application property names are handler.PropAttempt, PropKind,
// PropCode and PropReason, the same on the embedded queue and on Service
// Bus; handler.PropInt and PropString read them.

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
