package connect

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/devhost"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/funcapp"
	"github.com/vendorflow/vendorflow/pkg/handler"
	"github.com/vendorflow/vendorflow/pkg/queue"
	"github.com/vendorflow/vendorflow/pkg/servicebus"
)

// busCloseTimeout bounds closing the Service Bus connection.
const busCloseTimeout = 10 * time.Second

// Bus is the message system the handler and the operator commands use:
// the embedded queue, or Azure Service Bus.
type Bus struct {
	handler.Bus
	handler.DeadLetterStore
	// Names are the queue names in use.
	Names funcapp.Queues
	// Where names the queue file or the Service Bus namespace.
	Where string
	// Shared reports whether the bus is Service Bus (shared by every
	// instance) rather than the embedded file.
	Shared bool
	close  func() error
}

// Close releases the queue file or the Service Bus connection.
func (b *Bus) Close() error { return b.close() }

// OpenBus opens Service Bus when cfg.Queue.ServiceBusNamespace is set (with
// the app's credential, which needs the Azure Service Bus Data Sender and
// Data Receiver roles), else the embedded queue at cfg.Queue.Path. The
// caller calls Close.
func OpenBus(ctx context.Context, cfg config.Config, log *slog.Logger) (*Bus, error) {
	names := QueueNames(cfg)
	if cfg.Queue.ServiceBusNamespace == "" {
		q, err := OpenQueue(ctx, cfg)
		if err != nil {
			return nil, err
		}
		bus, err := devhost.NewQueueBus(q, names)
		if err != nil {
			q.Close()
			return nil, err
		}
		return &Bus{Bus: bus, DeadLetterStore: bus, Names: bus.Names(), Where: cfg.Queue.Path, close: q.Close}, nil
	}
	cred, err := Credential(cfg)
	if err != nil {
		return nil, NeedsIdentity(ServiceBusWhat(cfg), err)
	}
	bus, err := servicebus.New(ctx, servicebus.Config{
		Namespace:  cfg.Queue.ServiceBusNamespace,
		Credential: cred,
		Queues:     names,
		Logger:     log,
	})
	if err != nil {
		// New checks the settings and connects on first use only.
		return nil, domain.Errorf(domain.Invalid, "the Service Bus settings (%s; queues %s, %s, %s): %w",
			config.Setting("queue.serviceBusNamespace"), config.Setting("queue.onboardQueue"),
			config.Setting("queue.offboardQueue"), config.Setting("queue.parkingQueue"), err)
	}
	return &Bus{
		Bus: bus, DeadLetterStore: bus, Names: names, Shared: true,
		Where: "Service Bus namespace " + cfg.Queue.ServiceBusNamespace,
		close: func() error {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), busCloseTimeout)
			defer cancel()
			return bus.Close(cctx)
		},
	}, nil
}

// CheckQueueExists refuses, as NotFound naming queue.path, an embedded
// queue file that does not exist yet: the commands that only inspect the
// queue (deadletters) would otherwise create an empty one at a mistyped
// path and report that it holds nothing. Service Bus and ":memory:" pass.
func CheckQueueExists(cfg config.Config) error {
	path := cfg.Queue.Path
	if cfg.Queue.ServiceBusNamespace != "" || path == ":memory:" {
		return nil
	}
	_, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return domain.Errorf(domain.NotFound, "no queue at %s: set %s to the queue that vendorflow dev and enqueue use, "+
			"or %s to the Service Bus namespace in Azure", path, config.Setting("queue.path"), config.Setting("queue.serviceBusNamespace"))
	case err != nil:
		return domain.Errorf(domain.Invalid, "the queue at %s (%s): %w", path, config.Setting("queue.path"), err)
	}
	return nil
}

// ServiceBusWhat names cfg's Service Bus namespace and its setting.
func ServiceBusWhat(cfg config.Config) string {
	return "service bus " + cfg.Queue.ServiceBusNamespace + ", from " + config.Setting("queue.serviceBusNamespace") + ","
}

// OpenQueue opens (creating if needed) the embedded queue file at
// cfg.Queue.Path.
func OpenQueue(ctx context.Context, cfg config.Config) (*queue.Queue, error) {
	path := cfg.Queue.Path
	if path != ":memory:" {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, domain.Errorf(domain.Invalid, "the queue's directory (%s): %w", config.Setting("queue.path"), err)
		}
	}
	q, err := queue.Open(ctx, queue.Config{Path: path})
	if err != nil {
		return nil, fmt.Errorf("open the queue at %s (%s): %w", path, config.Setting("queue.path"), err)
	}
	return q, nil
}

// QueueNames are the queue names of cfg.Queue.
func QueueNames(cfg config.Config) funcapp.Queues {
	return funcapp.QueuesFrom(HostSettings(cfg))
}

// HostSettings are the app settings of the local host taken from cfg.Queue
// (names missing from cfg keep their funcapp.DefaultSettings values).
func HostSettings(cfg config.Config) map[string]string {
	s := funcapp.DefaultSettings()
	for k, v := range map[string]string{
		funcapp.SettingOnboardQueue:  cfg.Queue.OnboardQueue,
		funcapp.SettingOffboardQueue: cfg.Queue.OffboardQueue,
		funcapp.SettingParkingQueue:  cfg.Queue.ParkingQueue,
	} {
		if v != "" {
			s[k] = v
		}
	}
	return s
}
