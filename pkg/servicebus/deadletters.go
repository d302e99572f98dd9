package servicebus

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/messaging/azservicebus"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/handler"
)

// source is one place where set-aside messages live.
type source struct {
	queue string
	// deadLetter selects the queue's dead-letter subqueue
	// ("<queue>/$deadletterqueue").
	deadLetter bool
	// parked marks a source of handler.SourceParked messages; the others
	// hold the broker's dead letters (handler.SourceDeadLetter).
	parked bool
	// kind is the kind of a dead-letter source's messages; parked messages
	// carry theirs in handler.PropKind.
	kind string
}

func (s source) String() string {
	if s.deadLetter {
		return s.queue + "/$deadletterqueue"
	}
	return s.queue
}

// sources returns where messages of f.Source live:
//   - parked: the parking queue, and its dead-letter subqueue — where the
//     broker moves a parked message after MaxDeliveryCount abandons (each
//     Replay or Purge that receives but does not select a parked message
//     abandons it) or on expiry with dead-lettering enabled, still carrying
//     vendorflow's properties;
//   - deadletter: the dead-letter subqueues of the onboard and offboard
//     queues, where the broker moves a message after MaxDeliveryCount failed
//     deliveries (REFERENCE §1).
func (b *Bus) sources(f handler.Filter) ([]source, error) {
	q := b.cfg.Queues
	parked := []source{
		{queue: q.Parked, parked: true},
		{queue: q.Parked, deadLetter: true, parked: true},
	}
	dead := []source{
		{queue: q.Onboard, deadLetter: true, kind: domain.KindOnboard},
		{queue: q.Offboard, deadLetter: true, kind: domain.KindOffboard},
	}
	switch f.Source {
	case "":
		return append(parked, dead...), nil
	case handler.SourceParked:
		return parked, nil
	case handler.SourceDeadLetter:
		return dead, nil
	}
	return nil, fmt.Errorf("servicebus: unknown dead-letter source %q (want %q or %q)", f.Source, handler.SourceParked, handler.SourceDeadLetter)
}

// item is a set-aside message mapped to a DeadLetter, with the kind and
// sequence number that Replay needs.
type item struct {
	dl   handler.DeadLetter
	kind string
	seq  int64
}

// toItem maps a peeked or received message of src.
//
// The SDK exposes no time at which a message was dead-lettered, so
// DeadLetteredAt is the EnqueuedTime the broker reports for the message
// where it now is (for a parked message: when it was parked).
func toItem(src source, m *azservicebus.ReceivedMessage) item {
	it := item{kind: src.kind, seq: -1}
	if m.SequenceNumber != nil {
		it.seq = *m.SequenceNumber
	}
	var enqueued time.Time
	if m.EnqueuedTime != nil {
		enqueued = m.EnqueuedTime.UTC()
	}
	props := m.ApplicationProperties
	d := handler.DeadLetter{
		Queue:          src.queue,
		MessageID:      m.MessageID,
		RequestID:      deref(m.CorrelationID),
		EnqueuedAt:     enqueued,
		DeadLetteredAt: enqueued,
		Attempts:       handler.PropInt(props, handler.PropAttempt),
		Body:           m.Body,
	}
	if src.parked {
		it.kind = handler.PropString(props, handler.PropKind)
		d.Source = handler.SourceParked
		d.Code = handler.PropString(props, handler.PropCode)
		if d.Code == "" {
			d.Code = defaultParkCode
		}
		d.Reason = handler.PropString(props, handler.PropReason)
		if src.deadLetter {
			// Say why the broker moved it off the parking queue.
			d.Reason = strings.TrimPrefix(d.Reason+" (dead-lettered from the parking queue: "+brokerReason(m)+")", " ")
		}
	} else {
		d.Source = handler.SourceDeadLetter
		d.Code = deref(m.DeadLetterReason)
		d.Reason = brokerReason(m)
		d.DeliveryCount = int(m.DeliveryCount)
	}
	it.dl = d
	return it
}

// brokerReason is "DeadLetterReason: DeadLetterErrorDescription", as
// devhost reports a dead letter's reason.
func brokerReason(m *azservicebus.ReceivedMessage) string {
	r := deref(m.DeadLetterReason)
	if desc := deref(m.DeadLetterErrorDescription); desc != "" {
		if r != "" {
			r += ": "
		}
		r += desc
	}
	return r
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// List returns the parked messages (the parking queue and its dead-letter
// subqueue) and the broker's dead letters (the dead-letter subqueues of the
// onboard and offboard queues) that match f, oldest first. It peeks, so it
// locks nothing and changes no delivery count
// (learn.microsoft.com/azure/service-bus-messaging/message-browsing); at
// most MaxList messages are read from each source.
func (b *Bus) List(ctx context.Context, f handler.Filter) ([]handler.DeadLetter, error) {
	srcs, err := b.sources(f)
	if err != nil {
		return nil, err
	}
	var items []item
	for _, src := range srcs {
		got, err := b.listSource(ctx, src, f)
		if err != nil {
			return nil, err
		}
		items = append(items, got...)
	}
	slices.SortStableFunc(items, func(a, b item) int { return a.dl.DeadLetteredAt.Compare(b.dl.DeadLetteredAt) })
	out := make([]handler.DeadLetter, len(items))
	for i, it := range items {
		out[i] = it.dl
	}
	return out, nil
}

func (b *Bus) listSource(ctx context.Context, src source, f handler.Filter) ([]item, error) {
	r, err := b.broker.receiver(src.queue, src.deadLetter)
	if err != nil {
		return nil, fmt.Errorf("servicebus: receiver for %s: %w", src, err)
	}
	defer b.closeReceiver(ctx, r, src)
	return b.peek(ctx, r, src, f)
}

// peek pages through src from its first message and returns the matches.
func (b *Bus) peek(ctx context.Context, r receiver, src source, f handler.Filter) ([]item, error) {
	var out []item
	next, read := int64(1), 0
	for read < b.cfg.MaxList {
		from := next
		msgs, err := r.PeekMessages(ctx, min(b.cfg.PageSize, b.cfg.MaxList-read), &azservicebus.PeekMessagesOptions{FromSequenceNumber: &from})
		if err != nil {
			return nil, fmt.Errorf("servicebus: peek %s: %w", src, err)
		}
		if len(msgs) == 0 {
			break
		}
		read += len(msgs)
		for _, m := range msgs {
			it := toItem(src, m)
			if it.seq >= next {
				next = it.seq + 1
			}
			if f.Matches(it.dl) { // f.Source was applied by sources
				out = append(out, it)
			}
		}
		if next == from {
			break // no sequence numbers: cannot page on safely
		}
	}
	if read >= b.cfg.MaxList {
		b.cfg.Logger.WarnContext(ctx, "listing stopped at MaxList; older messages may be missing", "source", src.String(), "maxList", b.cfg.MaxList)
	}
	return out, nil
}

func (b *Bus) closeReceiver(ctx context.Context, r receiver, src source) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
	defer cancel()
	if err := r.Close(cctx); err != nil {
		b.cfg.Logger.WarnContext(ctx, "closing a receiver failed", "source", src.String(), "err", err)
	}
}
