package queue

import (
	"fmt"
	"regexp"
	"time"
)

// Dead-letter reasons set by the queue itself, as Service Bus names them
// (DOCS https://learn.microsoft.com/azure/service-bus-messaging/service-bus-dead-letter-queues).
const (
	ReasonMaxDeliveryCountExceeded = "MaxDeliveryCountExceeded"
	ReasonTTLExpired               = "TTLExpiredException"
)

// Message is one queue message. The caller sets the first group of fields on
// Send; the queue sets the rest.
type Message struct {
	// MessageID is the duplicate-detection key (at most 128 characters). Send
	// generates a random one when empty, which then never matches a duplicate.
	MessageID     string
	Body          []byte
	ContentType   string
	CorrelationID string
	Subject       string
	// ApplicationProperties must be JSON-serializable. They are stored as JSON
	// and come back JSON-decoded: numbers as json.Number, objects as
	// map[string]any, arrays as []any.
	ApplicationProperties map[string]any
	// ScheduledEnqueueTime delays visibility; zero (or the past) means now.
	ScheduledEnqueueTime time.Time
	// TimeToLive overrides Config.DefaultTTL when positive.
	TimeToLive time.Duration

	// Set by the queue.

	// SequenceNumber is unique and increasing per queue.
	SequenceNumber int64
	// DeliveryCount is how many times the message has been locked by Receive.
	DeliveryCount int
	// EnqueuedTime is when the message became (or becomes) visible: the send
	// time, or the scheduled time, or the replay time.
	EnqueuedTime time.Time
	ExpiresAt    time.Time
	// LockedUntil and LockToken are set on messages returned by Receive.
	LockedUntil time.Time
	LockToken   string
	// Dead-letter fields are set on messages returned by DeadLetters.
	// DeadLetterSource is the queue the message was dead-lettered from.
	DeadLetterReason           string
	DeadLetterErrorDescription string
	DeadLetterSource           string
	DeadLetteredTime           time.Time
}

// SendResult reports the outcome of Send.
type SendResult struct {
	// SequenceNumber of the stored message; for a duplicate, the sequence
	// number of the message that was accepted first.
	SequenceNumber int64
	// Duplicate is true when the send was dropped by duplicate detection.
	Duplicate bool
}

// Filter selects dead-lettered messages. Zero fields match everything.
type Filter struct {
	Reason string    // exact DeadLetterReason
	Since  time.Time // DeadLetteredTime >= Since
	Until  time.Time // DeadLetteredTime < Until
	// MessageIDs restricts to these ids.
	MessageIDs []string
	// Limit caps the number of messages (oldest sequence number first); 0 = all.
	Limit int
}

// Counts are the message counts of one queue. Active, Scheduled and Locked
// are disjoint; Service Bus's ActiveMessageCount corresponds to Active+Locked.
type Counts struct {
	Active       int // receivable now
	Scheduled    int // not yet visible
	Locked       int // locked by a receiver
	DeadLettered int
}

const maxMessageIDLen = 128 // Service Bus limit

// queueNamePattern follows Service Bus entity naming: letters, digits, '.',
// '-', '_', '/', starting and ending with a letter or digit, at most 260
// characters (DOCS azure-resource-manager/management/resource-name-rules#microsoftservicebus).
var queueNamePattern = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._/-]{0,258}[A-Za-z0-9])?$`)

func validateQueueName(name string) error {
	if !queueNamePattern.MatchString(name) {
		return fmt.Errorf("%w: queue name %q", ErrInvalidArgument, name)
	}
	return nil
}

func validateFilter(f Filter) error {
	if f.Limit < 0 {
		return fmt.Errorf("%w: filter limit %d < 0", ErrInvalidArgument, f.Limit)
	}
	return nil
}
