package servicebus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/messaging/azservicebus"
)

// sender is the part of *azservicebus.Sender that the Bus uses, with
// sendBatch over its message batches (sdkSender).
type sender interface {
	SendMessage(ctx context.Context, m *azservicebus.Message, o *azservicebus.SendMessageOptions) error
	ScheduleMessages(ctx context.Context, ms []*azservicebus.Message, at time.Time, o *azservicebus.ScheduleMessagesOptions) ([]int64, error)
	// sendBatch sends ms in as few SendMessageBatch calls as the link's
	// size limit allows; it returns how many were sent before an error.
	sendBatch(ctx context.Context, ms []*azservicebus.Message) (int, error)
}

// sdkSender is an *azservicebus.Sender with sendBatch.
type sdkSender struct{ *azservicebus.Sender }

func (s sdkSender) sendBatch(ctx context.Context, ms []*azservicebus.Message) (int, error) {
	return sendInBatches(ctx, ms,
		func(ctx context.Context) (*azservicebus.MessageBatch, error) { return s.NewMessageBatch(ctx, nil) },
		func(ctx context.Context, b *azservicebus.MessageBatch) error { return s.SendMessageBatch(ctx, b, nil) })
}

// messageBatch is what sendInBatches needs of *azservicebus.MessageBatch,
// whose size limit is the link's (NewMessageBatch asks the broker).
type messageBatch interface {
	AddMessage(m *azservicebus.Message, o *azservicebus.AddMessageOptions) error
	NumMessages() int32
}

// sendInBatches fills a batch until AddMessage answers ErrMessageTooLarge,
// sends it and begins the next, so that ms go in as few sends as the size
// limit allows. A message too large for an empty batch is an error. It
// returns how many messages were sent.
func sendInBatches[B messageBatch](ctx context.Context, ms []*azservicebus.Message, newBatch func(context.Context) (B, error), send func(context.Context, B) error) (int, error) {
	sent := 0
	for sent < len(ms) {
		b, err := newBatch(ctx)
		if err != nil {
			return sent, fmt.Errorf("new message batch: %w", err)
		}
		for _, m := range ms[sent+int(b.NumMessages()):] {
			err := b.AddMessage(m, nil)
			if errors.Is(err, azservicebus.ErrMessageTooLarge) {
				break
			}
			if err != nil {
				return sent, fmt.Errorf("add message %s to a batch: %w", deref(m.MessageID), err)
			}
		}
		n := int(b.NumMessages())
		if n == 0 {
			return sent, fmt.Errorf("message %s: %w even alone in a batch", deref(ms[sent].MessageID), azservicebus.ErrMessageTooLarge)
		}
		if err := send(ctx, b); err != nil {
			return sent, err
		}
		sent += n
	}
	return sent, nil
}

// receiver is the part of *azservicebus.Receiver (peek-lock mode) that the
// Bus uses.
type receiver interface {
	PeekMessages(ctx context.Context, max int, o *azservicebus.PeekMessagesOptions) ([]*azservicebus.ReceivedMessage, error)
	// ReceiveMessages blocks until at least one message arrives or ctx
	// ends; with nothing received it returns ctx's error.
	ReceiveMessages(ctx context.Context, max int, o *azservicebus.ReceiveMessagesOptions) ([]*azservicebus.ReceivedMessage, error)
	CompleteMessage(ctx context.Context, m *azservicebus.ReceivedMessage, o *azservicebus.CompleteMessageOptions) error
	AbandonMessage(ctx context.Context, m *azservicebus.ReceivedMessage, o *azservicebus.AbandonMessageOptions) error
	// RenewMessageLock extends m's lock and updates m.LockedUntil.
	RenewMessageLock(ctx context.Context, m *azservicebus.ReceivedMessage, o *azservicebus.RenewMessageLockOptions) error
	Close(ctx context.Context) error
}

var (
	_ sender   = sdkSender{}
	_ receiver = (*azservicebus.Receiver)(nil)
)

// broker is where a Bus gets its senders and receivers: the SDK client in
// production (sdkBroker), an in-memory fake in the tests.
type broker interface {
	// sender returns a sender for queue; it may be created lazily.
	sender(queue string) (sender, error)
	// receiver returns a peek-lock receiver for queue, or for its
	// dead-letter subqueue; the caller closes it.
	receiver(queue string, deadLetter bool) (receiver, error)
	// close releases every link and the connection.
	close(ctx context.Context) error
}

// sdkBroker is the broker over *azservicebus.Client. Creating a sender or
// receiver does not touch the network: the SDK attaches links on first use.
type sdkBroker struct{ c *azservicebus.Client }

func (b sdkBroker) sender(queue string) (sender, error) {
	s, err := b.c.NewSender(queue, nil)
	if err != nil {
		return nil, err
	}
	return sdkSender{s}, nil
}

func (b sdkBroker) receiver(queue string, deadLetter bool) (receiver, error) {
	o := &azservicebus.ReceiverOptions{ReceiveMode: azservicebus.ReceiveModePeekLock}
	if deadLetter {
		o.SubQueue = azservicebus.SubQueueDeadLetter
	}
	return b.c.NewReceiverForQueue(queue, o)
}

// close closes the client, which closes every sender and receiver it made.
func (b sdkBroker) close(ctx context.Context) error { return b.c.Close(ctx) }
