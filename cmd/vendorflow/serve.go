package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/vendorflow/vendorflow/pkg/app"
	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/devhost"
	"github.com/vendorflow/vendorflow/pkg/graph"
	"github.com/vendorflow/vendorflow/pkg/handler"
	"github.com/vendorflow/vendorflow/pkg/queue"
	"github.com/vendorflow/vendorflow/pkg/servicebus"
)

// serveShutdownGrace bounds how long `serve` waits for invocations in flight
// when it is stopped. Unfinished Service Bus work is redelivered by the
// broker and resumes from its first unfinished step.
const serveShutdownGrace = 30 * time.Second

// busFactory builds the message-system side of the handler from the
// configuration. The returned close function releases what the bus holds
// (the queue file, the Service Bus connection); it is called once the
// handler has stopped.
type busFactory func(ctx context.Context, cfg config.Config, log *slog.Logger) (handler.Bus, handler.DeadLetterStore, func() error, error)

// newServeBus returns the Bus and DeadLetterStore that `serve` uses: Azure
// Service Bus when cfg.Queue.ServiceBusNamespace is set, else the embedded
// queue at cfg.Queue.Path (the one `vendorflow dev` feeds the handler from).
func newServeBus(ctx context.Context, cfg config.Config, log *slog.Logger) (handler.Bus, handler.DeadLetterStore, func() error, error) {
	b, err := openBus(ctx, cfg, log)
	if err != nil {
		return nil, nil, nil, err
	}
	return b, b, b.close, nil
}

// busCloseTimeout bounds closing the Service Bus connection.
const busCloseTimeout = 10 * time.Second

// openedBus is the message system the handler and the operator commands
// use, with its queue names and a description of where it is.
type openedBus struct {
	handler.Bus
	handler.DeadLetterStore
	names devhost.QueueNames
	// where names the queue file or the Service Bus namespace.
	where string
	close func() error
}

// openBus opens Service Bus when cfg.Queue.ServiceBusNamespace is set, else
// the embedded queue; the caller calls close.
func openBus(ctx context.Context, cfg config.Config, log *slog.Logger) (*openedBus, error) {
	names := localQueueNames(cfg)
	if cfg.Queue.ServiceBusNamespace == "" {
		bus, q, err := openLocalBus(ctx, cfg)
		if err != nil {
			return nil, err
		}
		return &openedBus{Bus: bus, DeadLetterStore: bus, names: bus.Names(), where: cfg.Queue.Path, close: q.Close}, nil
	}
	bus, err := openServiceBus(ctx, cfg, names, log)
	if err != nil {
		return nil, err
	}
	return &openedBus{
		Bus: bus, DeadLetterStore: bus, names: names,
		where: "Service Bus namespace " + cfg.Queue.ServiceBusNamespace,
		close: func() error {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), busCloseTimeout)
			defer cancel()
			return bus.Close(cctx)
		},
	}, nil
}

// openServiceBus connects to cfg.Queue.ServiceBusNamespace with the app's
// identity: the credential of the graph.* auth settings (managed identity,
// certificate or client secret), which must also hold the Azure Service Bus
// Data Sender and Data Receiver roles on the namespace.
func openServiceBus(ctx context.Context, cfg config.Config, names devhost.QueueNames, log *slog.Logger) (*servicebus.Bus, error) {
	cred, err := graph.CredentialFromSettings(graph.AuthSettings{
		TenantID:           cfg.Graph.TenantID,
		ClientID:           cfg.Graph.ClientID,
		ClientSecret:       cfg.Graph.ClientSecret,
		CertificatePath:    cfg.Graph.CertificatePath,
		UseManagedIdentity: cfg.Graph.ManagedIdentity,
	})
	if err != nil {
		return nil, fmt.Errorf("service bus %s needs the app's identity (the graph.* auth settings, e.g. VENDORFLOW_MANAGED_IDENTITY=true): %w", cfg.Queue.ServiceBusNamespace, err)
	}
	return servicebus.New(ctx, servicebus.Config{
		Namespace:  cfg.Queue.ServiceBusNamespace,
		Credential: cred,
		Queues:     servicebus.Queues{Onboard: names.Onboard, Offboard: names.Offboard, Parked: names.Parked},
		Logger:     log,
	})
}

// openLocalQueue opens (creating if needed) the embedded queue file at
// cfg.Queue.Path.
func openLocalQueue(ctx context.Context, cfg config.Config) (*queue.Queue, error) {
	path := cfg.Queue.Path
	if path != ":memory:" {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("queue directory: %w", err)
		}
	}
	q, err := queue.Open(ctx, queue.Config{Path: path})
	if err != nil {
		return nil, fmt.Errorf("open queue %s: %w", path, err)
	}
	return q, nil
}

// localQueueNames are the queue names of cfg.Queue, as app settings.
func localQueueNames(cfg config.Config) devhost.QueueNames {
	return devhost.QueueNamesFrom(localSettings(cfg))
}

// localSettings are the app settings of the local host taken from cfg.Queue
// (names missing from cfg keep their DefaultSettings values).
func localSettings(cfg config.Config) map[string]string {
	s := devhost.DefaultSettings()
	for k, v := range map[string]string{
		devhost.SettingOnboardQueue:  cfg.Queue.OnboardQueue,
		devhost.SettingOffboardQueue: cfg.Queue.OffboardQueue,
		devhost.SettingParkingQueue:  cfg.Queue.ParkingQueue,
	} {
		if v != "" {
			s[k] = v
		}
	}
	return s
}

// openLocalBus opens the embedded queue and the QueueBus over it; the caller
// closes the queue.
func openLocalBus(ctx context.Context, cfg config.Config) (*devhost.QueueBus, *queue.Queue, error) {
	q, err := openLocalQueue(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	bus, err := devhost.NewQueueBus(q, localQueueNames(cfg))
	if err != nil {
		q.Close()
		return nil, nil, err
	}
	return bus, q, nil
}

func (m *Main) serveCommand(g *globals) *cobra.Command {
	var addr string
	c := &cobra.Command{
		Use:   "serve",
		Short: "Run the Azure Functions custom handler (what host.json starts)",
		Long: `serve is the custom handler behind the Azure Functions host: host.json starts
it, and the host invokes each function with POST /<function> on
127.0.0.1:$FUNCTIONS_CUSTOMHANDLER_PORT, after polling GET / until it answers.
It processes onboard and offboard messages (rescheduling with backoff or
parking what fails), runs the expiry sweep, and answers the deadletters and
status HTTP functions. It stops gracefully on SIGTERM.`,
		Example: `  FUNCTIONS_CUSTOMHANDLER_PORT=7071 vendorflow serve --config vendorflow.yaml
  vendorflow serve --addr 127.0.0.1:8080`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return m.runServe(cmd.Context(), g, addr, newServeBus)
		},
	}
	c.Flags().StringVar(&addr, "addr", "", "loopback address to listen on (default 127.0.0.1:$FUNCTIONS_CUSTOMHANDLER_PORT)")
	return c
}

// runServe builds the handler with buses from newBus and serves it until ctx
// ends.
func (m *Main) runServe(ctx context.Context, g *globals, addr string, newBus busFactory) error {
	listen, err := m.serveAddr(addr)
	if err != nil {
		return err
	}
	cfg, log, err := m.setup(g)
	if err != nil {
		return err
	}
	bus, deadLetters, closeBus, err := newBus(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer func() {
		if err := closeBus(); err != nil {
			log.Warn("closing the message bus", "err", err)
		}
	}()
	st, err := app.Open(ctx, cfg, app.Options{Logger: log})
	if err != nil {
		return err
	}
	defer st.Close()
	h, err := handler.New(handler.Config{
		Processor:   st.Engine,
		Bus:         bus,
		DeadLetters: deadLetters,
		Status:      st.Journal,
		Sweeper:     st.Engine,
		Logger:      log,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	if ip := ln.Addr().(*net.TCPAddr).IP; !ip.IsLoopback() {
		ln.Close()
		return fmt.Errorf("%s is not a loopback address; the handler answers the local Functions host only", listen)
	}
	return serveUntilDone(ctx, log, ln, h)
}

// serveAddr is --addr, else 127.0.0.1:$FUNCTIONS_CUSTOMHANDLER_PORT
// (REFERENCE §1: the handler listens on 127.0.0.1 at the port the host sets).
func (m *Main) serveAddr(addr string) (string, error) {
	if addr != "" {
		return addr, nil
	}
	port, ok := m.LookupEnv("FUNCTIONS_CUSTOMHANDLER_PORT")
	if !ok || port == "" {
		return "", errors.New("FUNCTIONS_CUSTOMHANDLER_PORT is not set (the Functions host sets it); pass --addr to run without the host")
	}
	return net.JoinHostPort("127.0.0.1", port), nil
}

// serveUntilDone serves h on ln and shuts down gracefully when ctx ends.
func serveUntilDone(ctx context.Context, log *slog.Logger, ln net.Listener, h http.Handler) error {
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), serveShutdownGrace)
		defer cancel()
		done <- hs.Shutdown(sctx)
	}()
	log.Info("custom handler listening", "addr", ln.Addr().String())
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return <-done
}
