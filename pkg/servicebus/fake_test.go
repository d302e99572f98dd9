package servicebus

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/messaging/azservicebus"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/funcapp"
	"github.com/vendorflow/vendorflow/pkg/handler"
)

// t0 is the fake broker's epoch: message n of an entity is enqueued at
// t0 + n minutes.
var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// entityKey names a queue or its dead-letter subqueue.
type entityKey struct {
	queue      string
	deadLetter bool
}

func (k entityKey) String() string {
	if k.deadLetter {
		return k.queue + "/$dlq"
	}
	return k.queue
}

// stored is a message held by the fake broker.
type stored struct {
	msg    azservicebus.ReceivedMessage
	locked bool
	// token and until are the current lock's token and expiry.
	token [16]byte
	until time.Time
}

// lockedAt reports whether s is locked at now: a lock past its expiry is
// released, as the broker releases it.
func (s *stored) lockedAt(now time.Time) bool {
	return s.locked && now.Before(s.until)
}

// fakeBroker is an in-memory stand-in for a Service Bus namespace with the
// behaviour the Bus relies on: per-entity sequence numbers, peek without
// locking from a sequence number, peek-lock receive of unlocked messages in
// sequence order, complete (delete), abandon (unlock, DeliveryCount+1), and
// a receive that blocks until ctx ends when nothing is available, as the
// SDK's does, and locks that expire lockDuration after they were taken or
// renewed on an injected clock, which every operation advances by opCost.
// Settling or renewing with an expired or stale lock fails with
// CodeLockLost and counts in lockLost. It records every send, schedule,
// renewal and settlement in events.
type fakeBroker struct {
	mu       sync.Mutex
	entities map[entityKey][]*stored
	nextSeq  map[entityKey]int64
	events   []string
	sent     []sentMessage

	failSend     map[string]error // by queue
	failComplete error

	clock        *clock.Fake
	lockDuration time.Duration
	opCost       time.Duration // how far each operation advances clock
	nextToken    byte
	lockLost     int
	openedRecv   int
	closedRecv   int
	closed       bool
	// batchCap is how many messages a fake batch holds; batches records
	// the size of each batch sent.
	batchCap int
	batches  []int
}

// sentMessage is a message a sender was given, with where and when for.
type sentMessage struct {
	Queue       string
	ScheduledAt time.Time
	Message     *azservicebus.Message
}

func newFakeBroker() *fakeBroker {
	return &fakeBroker{
		entities: map[entityKey][]*stored{}, nextSeq: map[entityKey]int64{}, failSend: map[string]error{},
		clock: clock.NewFake(t0), lockDuration: time.Minute,
	}
}

// tick advances the clock by the cost of one operation; mu is held.
func (f *fakeBroker) tick() time.Time {
	f.clock.Advance(f.opCost)
	return f.clock.Now()
}

// seed stores m in the entity as the broker would have, assigning the next
// sequence number and enqueued time; it returns the sequence number.
func (f *fakeBroker) seed(k entityKey, m azservicebus.ReceivedMessage) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.storeLocked(k, m)
}

func (f *fakeBroker) storeLocked(k entityKey, m azservicebus.ReceivedMessage) int64 {
	f.nextSeq[k]++
	seq := f.nextSeq[k]
	m.SequenceNumber = &seq
	if m.EnqueuedTime == nil {
		m.EnqueuedTime = ptr(t0.Add(time.Duration(seq) * time.Minute))
	}
	f.entities[k] = append(f.entities[k], &stored{msg: m})
	return seq
}

func (f *fakeBroker) event(format string, args ...any) {
	f.events = append(f.events, fmt.Sprintf(format, args...))
}

// ids returns the MessageIDs stored in k, in order.
func (f *fakeBroker) ids(k entityKey) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, s := range f.entities[k] {
		out = append(out, s.msg.MessageID)
	}
	return out
}

// deliveryCounts returns each stored message's DeliveryCount in k by id.
func (f *fakeBroker) deliveryCounts(k entityKey) map[string]uint32 {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]uint32{}
	for _, s := range f.entities[k] {
		out[s.msg.MessageID] = s.msg.DeliveryCount
	}
	return out
}

// lockAll locks every message of k, as another receiver holding them would.
func (f *fakeBroker) lockAll(k entityKey) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.entities[k] {
		s.locked, s.until = true, f.clock.Now().Add(24*time.Hour)
	}
}

func (f *fakeBroker) sender(queue string) (sender, error) {
	return &fakeSender{b: f, queue: queue}, nil
}

func (f *fakeBroker) receiver(queue string, deadLetter bool) (receiver, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.openedRecv++
	return &fakeReceiver{b: f, key: entityKey{queue, deadLetter}}, nil
}

func (f *fakeBroker) close(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	return nil
}

type fakeSender struct {
	b     *fakeBroker
	queue string
}

func (s *fakeSender) SendMessage(_ context.Context, m *azservicebus.Message, _ *azservicebus.SendMessageOptions) error {
	return s.put(m, time.Time{})
}

func (s *fakeSender) ScheduleMessages(_ context.Context, ms []*azservicebus.Message, at time.Time, _ *azservicebus.ScheduleMessagesOptions) ([]int64, error) {
	var seqs []int64
	for _, m := range ms {
		if err := s.put(m, at); err != nil {
			return nil, err
		}
		seqs = append(seqs, int64(len(seqs)))
	}
	return seqs, nil
}

// sendBatch sends ms through sendInBatches over batches of
// fakeBroker.batchCap messages (default 100), counting the batches.
func (s *fakeSender) sendBatch(ctx context.Context, ms []*azservicebus.Message) (int, error) {
	return sendInBatches(ctx, ms,
		func(context.Context) (*fakeBatch, error) {
			c := s.b.batchCap
			if c == 0 {
				c = 100
			}
			return &fakeBatch{cap: c}, nil
		},
		func(_ context.Context, fb *fakeBatch) error {
			s.b.mu.Lock()
			s.b.batches = append(s.b.batches, len(fb.ms))
			s.b.mu.Unlock()
			for _, m := range fb.ms {
				if err := s.put(m, time.Time{}); err != nil {
					return err
				}
			}
			return nil
		})
}

// fakeBatch holds up to cap messages; a body over 1 KiB never fits.
type fakeBatch struct {
	cap int
	ms  []*azservicebus.Message
}

func (b *fakeBatch) AddMessage(m *azservicebus.Message, _ *azservicebus.AddMessageOptions) error {
	if len(b.ms) == b.cap || len(m.Body) > 1<<10 {
		return azservicebus.ErrMessageTooLarge
	}
	b.ms = append(b.ms, m)
	return nil
}

func (b *fakeBatch) NumMessages() int32 { return int32(len(b.ms)) }

func (s *fakeSender) put(m *azservicebus.Message, at time.Time) error {
	b := s.b
	b.mu.Lock()
	defer b.mu.Unlock()
	b.tick()
	id := deref(m.MessageID)
	if err := b.failSend[s.queue]; err != nil {
		b.event("send-failed %s %s", s.queue, id)
		return err
	}
	b.sent = append(b.sent, sentMessage{Queue: s.queue, ScheduledAt: at, Message: m})
	if at.IsZero() {
		b.event("send %s %s", s.queue, id)
	} else {
		b.event("schedule %s %s", s.queue, id)
	}
	b.storeLocked(entityKey{queue: s.queue}, azservicebus.ReceivedMessage{
		MessageID: id, Body: m.Body, ContentType: m.ContentType, CorrelationID: m.CorrelationID,
		ApplicationProperties: m.ApplicationProperties,
	})
	return nil
}

type fakeReceiver struct {
	b      *fakeBroker
	key    entityKey
	closed bool
}

func (r *fakeReceiver) PeekMessages(_ context.Context, max int, o *azservicebus.PeekMessagesOptions) ([]*azservicebus.ReceivedMessage, error) {
	if max < 1 {
		return nil, errors.New("fake: max must be positive")
	}
	r.b.mu.Lock()
	defer r.b.mu.Unlock()
	from := int64(1)
	if o != nil && o.FromSequenceNumber != nil {
		from = *o.FromSequenceNumber
	}
	var out []*azservicebus.ReceivedMessage
	for _, s := range r.b.entities[r.key] {
		if *s.msg.SequenceNumber >= from && len(out) < max {
			m := s.msg
			out = append(out, &m)
		}
	}
	return out, nil
}

func (r *fakeReceiver) ReceiveMessages(ctx context.Context, max int, _ *azservicebus.ReceiveMessagesOptions) ([]*azservicebus.ReceivedMessage, error) {
	r.b.mu.Lock()
	now := r.b.tick()
	var out []*azservicebus.ReceivedMessage
	for _, s := range r.b.entities[r.key] {
		if !s.lockedAt(now) && len(out) < max {
			if s.locked { // its lock expired: that delivery counts
				s.msg.DeliveryCount++
			}
			r.b.nextToken++
			s.locked, s.token, s.until = true, [16]byte{r.b.nextToken, byte(*s.msg.SequenceNumber)}, now.Add(r.b.lockDuration)
			m := s.msg
			m.LockToken, m.LockedUntil = s.token, ptr(s.until)
			out = append(out, &m)
		}
	}
	r.b.mu.Unlock()
	if len(out) > 0 {
		return out, nil
	}
	<-ctx.Done() // the SDK blocks until a message arrives or ctx ends
	return nil, ctx.Err()
}

// find returns the index of the locked message m in r's entity; op names
// the operation for the lock-lost event.
func (r *fakeReceiver) find(op string, m *azservicebus.ReceivedMessage) (int, error) {
	now := r.b.clock.Now()
	for i, s := range r.b.entities[r.key] {
		if *s.msg.SequenceNumber == *m.SequenceNumber {
			if !s.locked {
				return 0, fmt.Errorf("fake: message %s is not locked", m.MessageID)
			}
			if !s.lockedAt(now) || s.token != m.LockToken {
				r.b.lockLost++
				r.b.event("lock-lost %s %s %s", op, r.key, m.MessageID)
				return 0, &azservicebus.Error{Code: azservicebus.CodeLockLost}
			}
			return i, nil
		}
	}
	return 0, fmt.Errorf("fake: message %s is gone", m.MessageID)
}

func (r *fakeReceiver) RenewMessageLock(_ context.Context, m *azservicebus.ReceivedMessage, _ *azservicebus.RenewMessageLockOptions) error {
	r.b.mu.Lock()
	defer r.b.mu.Unlock()
	now := r.b.tick()
	i, err := r.find("renew", m)
	if err != nil {
		return err
	}
	s := r.b.entities[r.key][i]
	s.until = now.Add(r.b.lockDuration)
	m.LockedUntil = ptr(s.until)
	r.b.event("renew %s %s", r.key, m.MessageID)
	return nil
}

func (r *fakeReceiver) CompleteMessage(_ context.Context, m *azservicebus.ReceivedMessage, _ *azservicebus.CompleteMessageOptions) error {
	r.b.mu.Lock()
	defer r.b.mu.Unlock()
	r.b.tick()
	if r.b.failComplete != nil {
		r.b.event("complete-failed %s %s", r.key, m.MessageID)
		return r.b.failComplete
	}
	i, err := r.find("complete", m)
	if err != nil {
		return err
	}
	r.b.entities[r.key] = slices.Delete(r.b.entities[r.key], i, i+1)
	r.b.event("complete %s %s", r.key, m.MessageID)
	return nil
}

func (r *fakeReceiver) AbandonMessage(_ context.Context, m *azservicebus.ReceivedMessage, _ *azservicebus.AbandonMessageOptions) error {
	r.b.mu.Lock()
	defer r.b.mu.Unlock()
	r.b.tick()
	i, err := r.find("abandon", m)
	if err != nil {
		return err
	}
	s := r.b.entities[r.key][i]
	s.locked = false
	s.msg.DeliveryCount++
	r.b.event("abandon %s %s", r.key, m.MessageID)
	return nil
}

func (r *fakeReceiver) Close(context.Context) error {
	r.b.mu.Lock()
	defer r.b.mu.Unlock()
	if !r.closed {
		r.closed = true
		r.b.closedRecv++
	}
	return nil
}

// errTest is the error the fake injects.
var errTest = errors.New("injected")

// testQueues are the default queue names.
var testQueues = funcapp.QueuesFrom(nil)

// Entities of testQueues.
var (
	parkedQ    = entityKey{queue: funcapp.DefaultParkingQueue}
	parkedDLQ  = entityKey{queue: funcapp.DefaultParkingQueue, deadLetter: true}
	onboardQ   = entityKey{queue: funcapp.DefaultOnboardQueue}
	onboardDLQ = entityKey{queue: funcapp.DefaultOnboardQueue, deadLetter: true}
	offboardQ  = entityKey{queue: funcapp.DefaultOffboardQueue}
	offDLQ     = entityKey{queue: funcapp.DefaultOffboardQueue, deadLetter: true}
)

// testBus returns a Bus over a fresh fake broker; edit adjusts the config.
func testBus(t *testing.T, edit func(*Config)) (*Bus, *fakeBroker) {
	t.Helper()
	fb := newFakeBroker()
	cfg := Config{Namespace: "contoso.servicebus.windows.net", Credential: fakeCredential{}, ReceiveWait: time.Millisecond, Clock: fb.clock}
	if edit != nil {
		edit(&cfg)
	}
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	b, err := newBus(cfg, fb)
	if err != nil {
		t.Fatal(err)
	}
	return b, fb
}

// parkedMsg is a message as Park leaves it on the parking queue.
func parkedMsg(id, requestID, kind, code, reason string, attempt int) azservicebus.ReceivedMessage {
	return azservicebus.ReceivedMessage{
		MessageID: id, CorrelationID: &requestID, ContentType: ptr(handler.MessageContentType),
		Body: []byte(`{"requestId":"` + requestID + `"}`),
		ApplicationProperties: map[string]any{
			// AMQP hands integers back as int64.
			handler.PropAttempt: int64(attempt), handler.PropKind: kind, handler.PropCode: code, handler.PropReason: reason,
		},
	}
}

// deadMsg is a message the broker dead-lettered after deliveries.
func deadMsg(id, requestID string, attempt int, deliveries uint32) azservicebus.ReceivedMessage {
	return azservicebus.ReceivedMessage{
		MessageID: id, CorrelationID: &requestID, ContentType: ptr(handler.MessageContentType),
		Body:          []byte(`{"requestId":"` + requestID + `"}`),
		DeliveryCount: deliveries,
		ApplicationProperties: map[string]any{
			handler.PropAttempt: int64(attempt), handler.PropKind: "ignored-for-dead-letters",
			"DeadLetterReason": "MaxDeliveryCountExceeded", "DeadLetterErrorDescription": "Message could not be consumed after 10 delivery attempts.",
		},
		DeadLetterReason:           ptr("MaxDeliveryCountExceeded"),
		DeadLetterErrorDescription: ptr("Message could not be consumed after 10 delivery attempts."),
	}
}
