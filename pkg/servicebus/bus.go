package servicebus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/messaging/azservicebus"

	"github.com/vendorflow/vendorflow/pkg/funcapp"
	"github.com/vendorflow/vendorflow/pkg/handler"
)

// Bus implements handler.Bus and handler.DeadLetterStore on Azure Service
// Bus. It is safe for concurrent use by the handler's invocations (the SDK's
// senders are); Replay and Purge are operator actions and should not run
// concurrently with each other.
type Bus struct {
	cfg     Config
	broker  broker
	senders map[string]sender // by queue name, built in newBus, read-only after
}

var (
	_ handler.Bus             = (*Bus)(nil)
	_ handler.DeadLetterStore = (*Bus)(nil)
)

// New validates cfg and returns a Bus on cfg.Namespace, authenticated with
// cfg.Credential. It does not contact the namespace: the SDK connects on the
// first send, peek or receive, so a wrong namespace, a credential that
// cannot get a token or a missing role surface there. Close it when done.
func New(ctx context.Context, cfg Config) (*Bus, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c, err := azservicebus.NewClient(cfg.Namespace, cfg.Credential, nil)
	if err != nil {
		return nil, fmt.Errorf("servicebus: client for %s: %w", cfg.Namespace, err)
	}
	b, err := newBus(cfg, sdkBroker{c: c})
	if err != nil {
		return nil, errors.Join(err, c.Close(ctx))
	}
	return b, nil
}

// newBus builds a Bus over br; cfg must have its defaults set and be valid
// (the tests pass a fake broker and skip the namespace and credential).
func newBus(cfg Config, br broker) (*Bus, error) {
	b := &Bus{cfg: cfg, broker: br, senders: make(map[string]sender, 3)}
	for _, q := range []string{cfg.Queues.Onboard, cfg.Queues.Offboard, cfg.Queues.Parked} {
		s, err := br.sender(q)
		if err != nil {
			return nil, fmt.Errorf("servicebus: sender for %s: %w", q, err)
		}
		b.senders[q] = s
	}
	return b, nil
}

// Queues returns the bus's queue names.
func (b *Bus) Queues() funcapp.Queues { return b.cfg.Queues }

// Close closes every link and the connection.
func (b *Bus) Close(ctx context.Context) error {
	if err := b.broker.close(ctx); err != nil {
		return fmt.Errorf("servicebus: close: %w", err)
	}
	return nil
}

// Send enqueues m now on the queue of m.Kind. With duplicate detection on
// the queue, a MessageID already accepted within its window is dropped by
// the broker (learn.microsoft.com/azure/service-bus-messaging/duplicate-detection).
func (b *Bus) Send(ctx context.Context, m handler.OutMessage) error {
	s, msg, err := b.request(m)
	if err != nil {
		return err
	}
	if err := s.SendMessage(ctx, msg, nil); err != nil {
		return fmt.Errorf("servicebus: send %s message %s: %w", m.Kind, m.MessageID, err)
	}
	return nil
}

// SendBatch enqueues ms now, each queue's messages in as few message
// batches as the link's size limit allows (handler.BatchSender): the
// sweep's thousands of offboards take a few round trips, not one each.
// Every message is checked before any is sent. Duplicates are dropped by
// the broker as with Send. On an error some may have been sent; a repeat
// sends them again under the same MessageIDs, which duplicate detection
// drops.
//
// The broker does not tell a sender which messages it dropped, so the
// result does not count duplicates (BatchResult.Counted is false).
func (b *Bus) SendBatch(ctx context.Context, ms []handler.OutMessage) (handler.BatchResult, error) {
	byQueue := map[string][]*azservicebus.Message{}
	var order []string
	for _, m := range ms {
		q, err := b.cfg.Queues.ForKind(m.Kind)
		if err != nil {
			return handler.BatchResult{}, fmt.Errorf("servicebus: %w", err)
		}
		_, msg, err := b.request(m)
		if err != nil {
			return handler.BatchResult{}, err
		}
		if _, ok := byQueue[q]; !ok {
			order = append(order, q)
		}
		byQueue[q] = append(byQueue[q], msg)
	}
	for _, q := range order {
		if n, err := b.senders[q].sendBatch(ctx, byQueue[q]); err != nil {
			return handler.BatchResult{}, fmt.Errorf("servicebus: send to %s: %d of %d messages sent: %w", q, n, len(byQueue[q]), err)
		}
	}
	return handler.BatchResult{}, nil
}

// Schedule enqueues m to become visible at `at` (a scheduled message,
// learn.microsoft.com/azure/service-bus-messaging/message-sequencing).
func (b *Bus) Schedule(ctx context.Context, m handler.OutMessage, at time.Time) error {
	if at.IsZero() {
		return errors.New("servicebus: schedule: time is zero")
	}
	s, msg, err := b.request(m)
	if err != nil {
		return err
	}
	if _, err := s.ScheduleMessages(ctx, []*azservicebus.Message{msg}, at, nil); err != nil {
		return fmt.Errorf("servicebus: schedule %s message %s at %s: %w", m.Kind, m.MessageID, at.UTC().Format(time.RFC3339), err)
	}
	return nil
}

// request maps m to an SDK message and picks the sender of its kind.
func (b *Bus) request(m handler.OutMessage) (sender, *azservicebus.Message, error) {
	q, err := b.cfg.Queues.ForKind(m.Kind)
	if err != nil {
		return nil, nil, fmt.Errorf("servicebus: %w", err)
	}
	if err := checkMessageID(m.MessageID); err != nil {
		return nil, nil, err
	}
	return b.senders[q], newMessage(m.MessageID, m.CorrelationID, m.Body, m.AppProperties()), nil
}

// Park puts p on the parking queue with its kind, attempt, code and reason
// (cut to 1 KB) as application properties. Nothing consumes the parking
// queue; List, Replay and Purge read it.
func (b *Bus) Park(ctx context.Context, p handler.Parked) error {
	if err := checkMessageID(p.MessageID); err != nil {
		return err
	}
	code := truncate(p.Code, maxCode)
	if code == "" {
		code = defaultParkCode
	}
	msg := newMessage(p.MessageID, p.CorrelationID, p.Body, map[string]any{
		handler.PropAttempt: p.Attempt, handler.PropKind: p.Kind, handler.PropCode: code, handler.PropReason: truncate(p.Reason, maxReason),
	})
	if err := b.senders[b.cfg.Queues.Parked].SendMessage(ctx, msg, nil); err != nil {
		return fmt.Errorf("servicebus: park message %s: %w", p.MessageID, err)
	}
	return nil
}

// newMessage builds a request message: JSON body, the requestId as
// CorrelationID (omitted when empty).
func newMessage(id, correlationID string, body []byte, props map[string]any) *azservicebus.Message {
	m := &azservicebus.Message{
		MessageID:             &id,
		Body:                  body,
		ContentType:           ptr(handler.MessageContentType),
		ApplicationProperties: props,
	}
	if correlationID != "" {
		m.CorrelationID = &correlationID
	}
	return m
}

// checkMessageID refuses what Service Bus would refuse or could not
// deduplicate: an empty or over-long MessageID.
func checkMessageID(id string) error {
	if id == "" {
		return errors.New("servicebus: message id is empty; it is what duplicate detection keys on")
	}
	if len(id) > handler.MaxMessageID {
		return fmt.Errorf("servicebus: message id %.40q… is %d characters, more than Service Bus's %d", id, len(id), handler.MaxMessageID)
	}
	return nil
}

func ptr[T any](v T) *T { return &v }
