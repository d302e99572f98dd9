package servicebus

import (
	"context"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/messaging/azservicebus"
)

// sender is the part of *azservicebus.Sender that the Bus uses.
type sender interface {
	SendMessage(ctx context.Context, m *azservicebus.Message, o *azservicebus.SendMessageOptions) error
	ScheduleMessages(ctx context.Context, ms []*azservicebus.Message, at time.Time, o *azservicebus.ScheduleMessagesOptions) ([]int64, error)
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
	_ sender   = (*azservicebus.Sender)(nil)
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
	return b.c.NewSender(queue, nil)
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
