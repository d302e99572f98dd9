package handler

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
)

// Processor runs one request; *engine.Engine implements it.
type Processor interface {
	ProcessWith(ctx context.Context, kind string, payload []byte, o engine.ProcessOptions) (engine.Result, error)
}

// OutMessage is a message the handler sends: a request body with the
// properties that carry its history.
type OutMessage struct {
	// MessageID is deterministic where duplicates must collapse (sweep:
	// "offboard-<upn>-<contract end>"; retry: RetryMessageID,
	// "<requestId>-retry-<n>-<hash of the delivered message's id and n>",
	// never reused by a later retry or a replay's retries).
	MessageID string
	// Kind is "onboard" or "offboard"; it selects the queue.
	Kind string
	Body []byte
	// Attempt counts reschedules so far (application property
	// PropAttempt).
	Attempt int
	// CorrelationID is the requestId.
	CorrelationID string
	// IntentAt is when the request was first enqueued (PropIntentAt);
	// zero on a request's first message, whose enqueue time is its intent.
	IntentAt time.Time
}

// Parked is a message set aside for ops with its reason.
type Parked struct {
	OutMessage
	Code   string
	Reason string
}

// Bus is what the handler needs from the message system: the embedded
// queue under `vendorflow dev`, Azure Service Bus in Azure. A custom handler
// cannot settle the message it was handed (REFERENCE §1), so retries with
// backoff and parking are new messages sent here.
type Bus interface {
	// Send enqueues m now on the queue of m.Kind (duplicate detection by
	// MessageID within the queue's window).
	Send(ctx context.Context, m OutMessage) error
	// Schedule enqueues m to become visible at `at`.
	Schedule(ctx context.Context, m OutMessage, at time.Time) error
	// Park puts m on the parking queue with its reason.
	Park(ctx context.Context, p Parked) error
}

// BatchSender is a Bus that can enqueue many messages at once (the
// embedded queue: one transaction per queue). The sweep uses it when the
// bus has it, in slices of SweepBatch.
type BatchSender interface {
	SendBatch(ctx context.Context, ms []OutMessage) (BatchResult, error)
}

// BatchResult is what a batch send learnt of duplicate detection: how
// many of the messages it dropped as copies of ones accepted within the
// window, and which (Dropped[i] is ms[i]'s), when the bus can tell
// (Counted). The embedded queue can; Service Bus drops a duplicate
// without telling the sender.
type BatchResult struct {
	Duplicates int
	Dropped    []bool
	Counted    bool
}

// SweepBatch is how many offboard requests the sweep enqueues per batch.
const SweepBatch = 500

// Sweeper finds ended contracts, warns sponsors of contracts ending soon
// and deletes accounts past retention; *engine.Engine implements it.
type Sweeper interface {
	// ScanContracts lists, in one pass, the contracts that have ended
	// (each handed to expired as the listing reaches it) and those ending
	// within the warning window.
	ScanContracts(ctx context.Context, now time.Time, expired func(engine.Expiry) error) (engine.ContractScan, error)
	WarnSoon(ctx context.Context, now time.Time, soon []domain.User) ([]engine.Warning, error)
	DeletePastRetention(ctx context.Context, now time.Time) ([]string, error)
}

// Reconciler compares the journal's accounts with the tenant and repairs
// drift; *engine.Engine implements it.
type Reconciler interface {
	Reconcile(ctx context.Context, now time.Time, dryRun bool) (engine.Reconciliation, error)
}

// StatusReader reads the journal's record of a request; *journal.Journal
// implements it. Request returns a *domain.Error with Code NotFound when the
// id is unknown.
type StatusReader interface {
	Request(ctx context.Context, id string) (domain.RequestRecord, error)
	Steps(ctx context.Context, id string) ([]domain.StepRecord, error)
}

// Dead-letter sources.
const (
	// SourceParked is the parking queue, where the handler puts messages
	// that need a human (Bus.Park).
	SourceParked = "parked"
	// SourceDeadLetter is a trigger queue's dead-letter sub-queue, where
	// Service Bus moves messages after MaxDeliveryCount failed deliveries.
	SourceDeadLetter = "deadletter"
)

// DeadLetter is one message set aside, parked by the handler or
// dead-lettered by the broker.
type DeadLetter struct {
	// Source is SourceParked or SourceDeadLetter.
	Source    string `json:"source"`
	Queue     string `json:"queue"`
	MessageID string `json:"messageId"`
	RequestID string `json:"requestId,omitempty"`
	// Reason is the parking reason, or the broker's DeadLetterReason
	// (e.g. MaxDeliveryCountExceeded) and description.
	Reason         string    `json:"reason,omitempty"`
	Code           string    `json:"code,omitempty"`
	EnqueuedAt     time.Time `json:"enqueuedAt,omitzero"`
	DeadLetteredAt time.Time `json:"deadLetteredAt,omitzero"`
	// Attempts is the reschedule count (PropAttempt) of a parked
	// message; DeliveryCount the broker's count of a dead-lettered one.
	Attempts      int `json:"attempts"`
	DeliveryCount int `json:"deliveryCount"`
	// Body is the request as it was sent (requests carry no secrets).
	Body []byte `json:"body,omitempty"`
}

// Filter selects dead letters. Empty fields match everything; set fields
// must all match (MessageIDs and RequestIDs match any of their values).
type Filter struct {
	MessageIDs []string `json:"messageIds,omitempty"`
	RequestIDs []string `json:"requestIds,omitempty"`
	// Reason matches a case-insensitive substring of DeadLetter.Reason.
	Reason string `json:"reason,omitempty"`
	// Source is "", SourceParked or SourceDeadLetter.
	Source string `json:"source,omitempty"`
	// Since keeps dead letters set aside at or after it.
	Since time.Time `json:"since,omitzero"`
}

// Matches reports whether d passes every set field of f.
func (f Filter) Matches(d DeadLetter) bool {
	if len(f.MessageIDs) > 0 && !slices.Contains(f.MessageIDs, d.MessageID) {
		return false
	}
	if len(f.RequestIDs) > 0 && !slices.Contains(f.RequestIDs, d.RequestID) {
		return false
	}
	if f.Reason != "" && !strings.Contains(strings.ToLower(d.Reason), strings.ToLower(f.Reason)) {
		return false
	}
	if f.Source != "" && f.Source != d.Source {
		return false
	}
	if !f.Since.IsZero() && d.DeadLetteredAt.Before(f.Since) {
		return false
	}
	return true
}

// IsZero reports whether f matches every dead letter.
func (f Filter) IsZero() bool {
	return len(f.MessageIDs) == 0 && len(f.RequestIDs) == 0 && f.Reason == "" && f.Source == "" && f.Since.IsZero()
}

// DeadLetterStore lists, replays and purges parked and dead-lettered
// messages: the embedded queue under `vendorflow dev`, Service Bus in Azure.
type DeadLetterStore interface {
	// List returns the dead letters matching f, oldest first.
	List(ctx context.Context, f Filter) ([]DeadLetter, error)
	// Replay sends a copy of each match back to the queue of its kind
	// with MessageID ReplayMessageID(id, sequence number) — a parked
	// message with its attempt count reset to 0, a broker dead letter with
	// its own — removes the original from where it was set aside, and
	// returns how many it replayed. The engine resumes a replayed request
	// from its first unfinished step.
	Replay(ctx context.Context, f Filter) (int, error)
	// Purge deletes the matches and returns how many it deleted.
	Purge(ctx context.Context, f Filter) (int, error)
}

// WriteAdmission tells how long a Graph write asked for now would wait,
// without taking a token (graph's in-process pacer and pkg/writebudget's
// shared budget both have Delay).
type WriteAdmission interface {
	Delay(ctx context.Context) (time.Duration, error)
}
