package producer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/connect"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/handler"
)

// Config configures a Producer.
type Config struct {
	// Config is vendorflow's configuration (config.Load): its tenant
	// section validates the requests; its queue section chooses the bus.
	// With queue.serviceBusNamespace set, requests go to that Azure Service
	// Bus namespace with the app's identity (the graph.* auth settings: a
	// managed identity, a certificate or a client secret), which needs the
	// Azure Service Bus Data Sender role; otherwise to the embedded queue
	// file at queue.path, the one `vendorflow dev` feeds to the handler.
	Config config.Config
	// Logger receives the bus's logs (default: discarded).
	Logger *slog.Logger
	// Clock is the time contract dates are checked against and the day an
	// offboard id is derived with (default clock.Real{}).
	Clock clock.Clock
}

// SetDefaults fills unset fields.
func (c *Config) SetDefaults() {
	c.Config.SetDefaults()
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if err := c.Config.Validate(); err != nil {
		return fmt.Errorf("producer: %w", err)
	}
	return nil
}

// Producer validates requests and sends them. It is safe for concurrent
// use when its bus is (both of vendorflow's are).
type Producer struct {
	b     *Builder
	bus   *connect.Bus
	batch handler.BatchSender
}

// Open validates cfg and opens its bus. The caller calls Close.
func Open(ctx context.Context, cfg Config) (*Producer, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	b, err := NewBuilder(cfg.Config.Tenant, cfg.Clock)
	if err != nil {
		return nil, err
	}
	bus, err := connect.OpenBus(ctx, cfg.Config, cfg.Logger)
	if err != nil {
		return nil, fmt.Errorf("producer: %w", err)
	}
	batch, ok := bus.Bus.(handler.BatchSender)
	if !ok {
		bus.Close()
		return nil, fmt.Errorf("producer: the bus at %s cannot send batches", bus.Where)
	}
	return &Producer{b: b, bus: bus, batch: batch}, nil
}

// Builder is the producer's Builder: it validates and builds requests
// without sending them.
func (p *Producer) Builder() *Builder { return p.b }

// Close releases the bus.
func (p *Producer) Close() error { return p.bus.Close() }

// Where names the queue file or the Service Bus namespace requests go to.
func (p *Producer) Where() string { return p.bus.Where }

// Sent is what sending one request did.
type Sent struct {
	Kind      string `json:"kind"`
	RequestID string `json:"requestId"`
	// Queue is the queue it was sent to.
	Queue string `json:"queue"`
	// Duplicate is set when the queue dropped the message as a copy of one
	// it accepted within its duplicate-detection window (the request was
	// sent before). Only a bus that tells (Counted) sets it.
	Duplicate bool `json:"duplicate,omitempty"`
	// Counted reports whether the bus tells duplicates: the embedded queue
	// does; Service Bus drops a duplicate without telling the sender.
	Counted bool `json:"counted"`
}

// Onboard validates r (Builder.Onboard) and sends it.
func (p *Producer) Onboard(ctx context.Context, r domain.OnboardRequest) (Sent, error) {
	m, err := p.b.Onboard(r)
	if err != nil {
		return Sent{}, err
	}
	return p.Send(ctx, m)
}

// Offboard validates r (Builder.Offboard) and sends it.
func (p *Producer) Offboard(ctx context.Context, r domain.OffboardRequest) (Sent, error) {
	m, err := p.b.Offboard(r)
	if err != nil {
		return Sent{}, err
	}
	return p.Send(ctx, m)
}

// Send sends one message built by the Builder.
func (p *Producer) Send(ctx context.Context, m Message) (Sent, error) {
	out, err := p.SendBatch(ctx, []Message{m})
	if err != nil {
		return Sent{}, err
	}
	return out[0], nil
}

// SendBatch sends ms, built by the Builder: on the embedded queue in one
// transaction per queue, on Service Bus in as few batches as the link
// allows. It returns what happened to each, in order. On an error some may
// have been sent; sending them again is safe, since their ids are those of
// the first try (the queue drops the copies).
func (p *Producer) SendBatch(ctx context.Context, ms []Message) ([]Sent, error) {
	out := make([]Sent, len(ms))
	msgs := make([]handler.OutMessage, len(ms))
	for i, m := range ms {
		if m.RequestID == "" || len(m.Body) == 0 {
			return nil, errors.New("producer: send: a message without requestId or body; build it with the Builder")
		}
		q, err := p.bus.Names.ForKind(m.Kind)
		if err != nil {
			return nil, fmt.Errorf("producer: send %s: %w", m.RequestID, err)
		}
		out[i] = Sent{Kind: m.Kind, RequestID: m.RequestID, Queue: q}
		msgs[i] = m.Out()
	}
	if len(ms) == 0 {
		return out, nil
	}
	res, err := p.batch.SendBatch(ctx, msgs)
	if err != nil {
		return nil, fmt.Errorf("producer: send %d requests (%s first): %w", len(ms), ms[0].RequestID, err)
	}
	for i := range out {
		out[i].Counted = res.Counted && len(res.Dropped) == len(out)
		out[i].Duplicate = out[i].Counted && res.Dropped[i]
	}
	return out, nil
}
