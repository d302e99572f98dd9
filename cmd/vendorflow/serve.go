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
	"github.com/vendorflow/vendorflow/pkg/handler"
	"github.com/vendorflow/vendorflow/pkg/queue"
)

// serveShutdownGrace bounds how long `serve` waits for invocations in flight
// when it is stopped. Unfinished Service Bus work is redelivered by the
// broker and resumes from its first unfinished step.
const serveShutdownGrace = 30 * time.Second

// busFactory builds the message-system side of the handler from the
// configuration. The returned close function releases what the bus holds
// (the queue file); it is called once the handler has stopped.
type busFactory func(ctx context.Context, cfg config.Config) (handler.Bus, handler.DeadLetterStore, func() error, error)

// errServiceBusNotBuilt is what `serve` reports when the configuration names
// Azure Service Bus: that adapter does not exist yet, and handing the handler
// a stand-in would lose messages.
var errServiceBusNotBuilt = errors.New("queue.serviceBusNamespace is set, but the Service Bus adapter is not built yet; unset it (and ServiceBusConnection__fullyQualifiedNamespace) to use the embedded queue of `vendorflow dev`")

// newServeBus returns the Bus and DeadLetterStore that `serve` uses: the
// embedded queue at cfg.Queue.Path (the one `vendorflow dev` feeds the
// handler from) when no Service Bus namespace is configured.
func newServeBus(ctx context.Context, cfg config.Config) (handler.Bus, handler.DeadLetterStore, func() error, error) {
	if cfg.Queue.ServiceBusNamespace != "" {
		return nil, nil, nil, errServiceBusNotBuilt
	}
	bus, q, err := openLocalBus(ctx, cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	return bus, bus, q.Close, nil
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
	if cfg.Queue.ServiceBusNamespace != "" {
		return nil, nil, errServiceBusNotBuilt
	}
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
	bus, deadLetters, closeBus, err := newBus(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() {
		if err := closeBus(); err != nil {
			log.Warn("closing the queue", "err", err)
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
