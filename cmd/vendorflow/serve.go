package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"time"

	"github.com/spf13/cobra"

	"github.com/vendorflow/vendorflow/pkg/app"
	"github.com/vendorflow/vendorflow/pkg/benchreport"
	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/connect"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/funchost"
	"github.com/vendorflow/vendorflow/pkg/handler"
	"github.com/vendorflow/vendorflow/pkg/metrics"
)

// serveShutdownGrace bounds how long `serve` waits for invocations in flight
// when it is stopped. Unfinished Service Bus work is redelivered by the
// broker and resumes from its first unfinished step.
const serveShutdownGrace = 30 * time.Second

// busFactory builds the message-system side of the handler from the
// configuration (connect.OpenBus; tests inject fakes).
type busFactory func(ctx context.Context, cfg config.Config, log *slog.Logger) (*connect.Bus, error)

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
status HTTP functions and the ops console (/api/console/, signed in with
VENDORFLOW_ADMIN_TOKEN; docs/console.md). It stops gracefully on SIGTERM. GET /metrics on the same
loopback address serves its Prometheus metrics (docs/observability.md).

In Azure (WEBSITE_INSTANCE_ID is set, or VENDORFLOW_RUNTIME=azure) it refuses
to start, naming what to set, unless it has an explicit configuration
(VENDORFLOW_CONFIG or VENDORFLOW_CONFIG_CONTENT, never the embedded demo
tenant), the shared Table Storage journal (VENDORFLOW_JOURNAL_TABLE_ENDPOINT)
and a Service Bus namespace (ServiceBusConnection__fullyQualifiedNamespace):
many instances must share one state. VENDORFLOW_RUNTIME=local overrides.`,
		Example: `  FUNCTIONS_CUSTOMHANDLER_PORT=7071 vendorflow serve --config vendorflow.yaml
  vendorflow serve --addr 127.0.0.1:8080`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return m.runServe(cmd.Context(), g, addr, connect.OpenBus)
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
	if prefix, ok := m.LookupEnv(benchreport.EnvCPUProfile); ok && prefix != "" {
		stop, err := startCPUProfile(prefix)
		if err != nil {
			return err
		}
		defer stop()
	}
	inAzure, err := app.InAzure(m.LookupEnv)
	if err != nil {
		return err
	}
	if inAzure {
		if err := app.CheckAzure(cfg); err != nil {
			return err
		}
	}
	bus, err := newBus(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer func() {
		if err := bus.Close(); err != nil {
			log.Warn("closing the message bus", "err", err)
		}
	}()
	met := metrics.New(metrics.RoleHandler, log)
	st, err := app.Open(ctx, cfg, app.Options{Logger: log, Metrics: met})
	if err != nil {
		return err
	}
	defer st.Close()
	// A run whose first Graph write would wait long is rescheduled for
	// then instead of holding its message's lock.
	admission, _ := st.WriteBudget.(handler.WriteAdmission)
	// the ops console (the console function): its sign-in and forms use
	// the admin token of the environment (VENDORFLOW_ADMIN_TOKEN)
	con, err := st.Console(bus, m.LookupEnv, log)
	if err != nil {
		return err
	}
	h, err := handler.New(handler.Config{
		Console:   con,
		Admission: admission,
		Processor: st.Engine,
		// the adapter itself, not the app.Bus around it, so that the sweep
		// finds SendBatch where the adapter has it (the embedded queue)
		Bus:         bus.Bus,
		DeadLetters: bus,
		Status:      st.Journal,
		Sweeper:     st.Engine,
		Reconciler:  st.Engine,
		Backoff:     handler.Backoff{Base: time.Duration(cfg.Queue.RetryBase), Max: time.Duration(cfg.Queue.RetryMax)},
		Logger:      log,
		Observer:    met.ObserveSettled,
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
		return domain.Errorf(domain.Invalid, "%s is not a loopback address; the handler answers the local Functions host only", listen)
	}
	// GET /metrics beside the host's routes (loopback only, like them)
	return serveUntilDone(ctx, log, ln, met.Wrap(h), funchost.DefaultTimeouts())
}

// serveAddr is --addr, else 127.0.0.1:$FUNCTIONS_CUSTOMHANDLER_PORT
// (REFERENCE §1: the handler listens on 127.0.0.1 at the port the host sets).
func (m *Main) serveAddr(addr string) (string, error) {
	if addr != "" {
		return addr, nil
	}
	port, ok := m.LookupEnv("FUNCTIONS_CUSTOMHANDLER_PORT")
	if !ok || port == "" {
		return "", domain.Errorf(domain.Invalid, "FUNCTIONS_CUSTOMHANDLER_PORT is not set (the Functions host sets it); pass --addr to run without the host")
	}
	return net.JoinHostPort("127.0.0.1", port), nil
}

// serveUntilDone serves h on ln, with the timeouts t, and shuts down
// gracefully when ctx ends.
func serveUntilDone(ctx context.Context, log *slog.Logger, ln net.Listener, h http.Handler, t funchost.Timeouts) error {
	hs := funchost.NewServer(h, t)
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

// startCPUProfile profiles this process into "<prefix>.<pid>.pprof" until
// the returned stop is called (benchreport.EnvCPUProfile).
func startCPUProfile(prefix string) (stop func(), err error) {
	path := fmt.Sprintf("%s.%d.pprof", prefix, os.Getpid())
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", benchreport.EnvCPUProfile, err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", benchreport.EnvCPUProfile, err)
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}, nil
}
