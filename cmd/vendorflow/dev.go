package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/connect"
	"github.com/vendorflow/vendorflow/pkg/demo"
	"github.com/vendorflow/vendorflow/pkg/devhost"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/funcapp"
	"github.com/vendorflow/vendorflow/pkg/metrics"
	"github.com/vendorflow/vendorflow/pkg/queue"
)

func (m *Main) devCommand(g *globals) *cobra.Command {
	var (
		o             demo.Options
		runDemo       bool
		addr          string
		sweepSchedule string
		reconSchedule string
		hostOpts      devOptions
	)
	c := &cobra.Command{
		Use:   "dev [--demo]",
		Short: "Run vendorflow on this machine: the local Functions host, or the demo",
		Long: `dev runs vendorflow on this machine.

Without --demo it is the local Functions host: it starts the custom handler
(` + "`vendorflow serve`" + `) as a child process, feeds it the onboard and offboard
messages of the embedded queue at queue.path ($VENDORFLOW_QUEUE_PATH) with the
real host's peek-lock behaviour, fires the expiry sweep on its schedule, and
serves the HTTP functions (status, deadletters, the ops console at
/api/console/: docs/console.md) on a local front door, with
its Prometheus metrics and every handler's at /metrics (the admin token as a
bearer token; docs/observability.md). It runs until Ctrl-C. Send requests with ` + "`vendorflow enqueue`" + `, inspect what was set
aside with ` + "`vendorflow deadletters`" + `. Graph must point somewhere: a real
tenant, or the emulator started separately with ` + "`vendorflow tenantsim`" + ` and
VENDORFLOW_GRAPH_BASE_URL=http://ADDR/v1.0; dev does not start one for you.

--instances N runs N handlers, as Azure scales the app out: each is its own
` + "`vendorflow serve`" + ` process on its own port taking up to --concurrency
invocations per queue (by default host.json's extensions.serviceBus.maxConcurrentCalls,
8 in this repository, read as the Functions host reads it), deliveries go to the
least busy one, and all share the queue and the journal: the SQLite file, or
Table Storage (VENDORFLOW_JOURNAL_TABLE_CONNECTION_STRING, e.g. Azurite).

--demo needs no cloud and nothing else running: the Graph-compatible tenant
emulator, the embedded journal and the real engine and Graph adapter talking
HTTP. It plays the seed scenario: four vendor people (two of Vendor1, one of
Vendor2, one independent contractor) are onboarded into ABC.com step by step —
service account, segment, Remote Assist license, Temporary Access Pass mailed
to their external address — then the same four requests are delivered again to
show that nothing happens twice, the barrier policy says who can reach whom,
and an expiry sweep dated after the contractor's one-month contract offboards
that account. It exits 0 only if all four reached the end.`,
		Example: `  vendorflow tenantsim --addr 127.0.0.1:8089 &
  VENDORFLOW_GRAPH_BASE_URL=http://127.0.0.1:8089/v1.0 vendorflow dev
  # three handlers on the Table journal in Azurite (scripts/azurite.sh start;
  # eval "$(scripts/azurite.sh env)" sets VENDORFLOW_TEST_TABLES)
  VENDORFLOW_GRAPH_BASE_URL=http://127.0.0.1:8089/v1.0 \
    VENDORFLOW_JOURNAL_TABLE_CONNECTION_STRING="$VENDORFLOW_TEST_TABLES" \
    vendorflow dev --instances 3
  vendorflow dev --demo
  vendorflow dev --demo --json
  vendorflow dev --demo --faults 0.2 --lag 2s     # 20% 429/503 and replication lag`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !runDemo {
				for _, name := range []string{"json", "faults", "lag", "seed", "state"} {
					if cmd.Flags().Changed(name) {
						return domain.Errorf(domain.Invalid, "--%s applies to --demo only", name)
					}
				}
				return m.runDevHost(cmd.Context(), g, addr, map[string]string{
					funcapp.SettingSweepSchedule: sweepSchedule, funcapp.SettingReconcileSchedule: reconSchedule,
				}, hostOpts)
			}
			for _, name := range []string{"addr", "sweep-schedule", "reconcile-schedule", "instances", "concurrency", "host-json"} {
				if cmd.Flags().Changed(name) {
					return domain.Errorf(domain.Invalid, "--%s applies to the local host only, not to --demo", name)
				}
			}
			if o.FaultRate < 0 || o.FaultRate > 0.9 {
				return domain.Errorf(domain.Invalid, "--faults must be between 0 and 0.9")
			}
			cfg, err := m.loadConfig(g)
			if err != nil {
				return err
			}
			if o.Logger, err = m.logger(g); err != nil {
				return err
			}
			o.Out = cmd.OutOrStdout()
			sum, runErr := demo.Run(cmd.Context(), cfg, o)
			if o.JSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				if err := enc.Encode(sum); err != nil {
					return err
				}
			}
			return runErr
		},
	}
	f := c.Flags()
	f.BoolVar(&runDemo, "demo", false, "play the seed scenario instead of running the local host")
	f.StringVar(&addr, "addr", devhost.DefaultHTTPAddr, "the local host's front door (loopback; 127.0.0.1:0 picks a free port)")
	f.StringVar(&sweepSchedule, "sweep-schedule", "", "six-field NCRONTAB (UTC) for the expiry sweep, the app setting "+
		funcapp.SettingSweepSchedule+` (default "`+funcapp.DefaultSweepSchedule+`"), e.g. "*/5 * * * * *"`)
	f.StringVar(&reconSchedule, "reconcile-schedule", "", "six-field NCRONTAB (UTC) for the drift repair, the app setting "+
		funcapp.SettingReconcileSchedule+` (default "`+funcapp.DefaultReconcileSchedule+`")`)
	f.IntVar(&hostOpts.instances, "instances", 1, "number of handler instances (serve processes) sharing the queue and the journal")
	f.IntVar(&hostOpts.concurrency, "concurrency", 0, "concurrent invocations per queue on each instance (default: --host-json's extensions.serviceBus.maxConcurrentCalls, as the Functions host reads it)")
	f.StringVar(&hostOpts.hostJSON, "host-json", funcapp.HostFile, "the app's host.json, read for maxConcurrentCalls; without the file, the Service Bus extension's default (16 × cores)")
	f.BoolVar(&o.JSON, "json", false, "print only the summary, as one JSON object")
	f.Float64Var(&o.FaultRate, "faults", 0, "inject 429 and 503 answers on every Graph route at this rate (0 to 0.9)")
	f.DurationVar(&o.Lag, "lag", 0, "emulate replication lag: new objects stay invisible to reads this long")
	f.Int64Var(&o.Seed, "seed", 1, "seed for the injected faults (same seed, same faults)")
	f.StringVar(&o.StateDir, "state", "", "keep the journal in this directory (default: a temporary one, removed afterwards)")
	return c
}

// errDevNoGraph is why `dev` without --demo refuses to start when Graph points
// nowhere: it does not start an emulator implicitly.
var errDevNoGraph = domain.Errorf(domain.Invalid, "graph.baseUrl is not set, so the handler has no Graph to talk to; "+
	"start the emulator with `vendorflow tenantsim --addr 127.0.0.1:8089` and set "+
	"VENDORFLOW_GRAPH_BASE_URL=http://127.0.0.1:8089/v1.0 (or point graph.baseUrl at a tenant), "+
	"or run `vendorflow dev --demo`, which needs nothing")

// errDevServiceBus is why `dev` without --demo refuses a Service Bus
// namespace: the local host feeds the handler from the embedded queue, and a
// handler on Service Bus would send its retries and parked messages there.
var errDevServiceBus = domain.Errorf(domain.Invalid, "queue.serviceBusNamespace ("+funcapp.SettingServiceBusNamespace+") is set, "+
	"but `vendorflow dev` feeds the handler from the embedded queue; unset it to run locally "+
	"(in Azure, the Functions host feeds `vendorflow serve` from Service Bus)")

// devOptions tune the local host.
type devOptions struct {
	instances, concurrency int
	// hostJSON is the host.json whose maxConcurrentCalls sets concurrency
	// when --concurrency is not given.
	hostJSON string
}

// maxDevConcurrency bounds the invocations per queue on one instance.
const maxDevConcurrency = 256

// maxDevInstances bounds --instances: each is a process of its own.
const maxDevInstances = 16

// runDevHost runs the local Functions host: the handlers as supervised
// children (`vendorflow serve`) fed from the embedded queue, until ctx ends.
// schedules holds the timer settings given on the command line (ExpirySweepSchedule,
// ReconcileSchedule); an empty value keeps the setting's default.
func (m *Main) runDevHost(ctx context.Context, g *globals, addr string, schedules map[string]string, o devOptions) error {
	if o.instances < 1 || o.instances > maxDevInstances {
		return domain.Errorf(domain.Invalid, "--instances must be between 1 and %d", maxDevInstances)
	}
	from := "--concurrency"
	if o.concurrency == 0 {
		// as the Functions host: extensions.serviceBus.maxConcurrentCalls
		h, err := funcapp.ReadHost(o.hostJSON)
		if err != nil {
			return err
		}
		o.concurrency, from = h.MaxConcurrentCalls, "maxConcurrentCalls in "+h.Path
		if h.Path == "" {
			from = fmt.Sprintf("no %s: the Service Bus extension's default, 16 × %d cores", o.hostJSON, runtime.NumCPU())
		}
		if o.concurrency > maxDevConcurrency {
			// the extension's default on a large machine: the local host's
			// children are processes of this one machine
			o.concurrency, from = maxDevConcurrency, from+fmt.Sprintf(", capped at %d", maxDevConcurrency)
		}
	}
	if o.concurrency < 1 || o.concurrency > maxDevConcurrency {
		return domain.Errorf(domain.Invalid, "concurrency %d (%s) must be between 1 and %d", o.concurrency, from, maxDevConcurrency)
	}
	cfg, err := m.loadConfig(g)
	if err != nil {
		return err
	}
	if cfg.Graph.BaseURL == "" {
		return errDevNoGraph
	}
	if cfg.Queue.ServiceBusNamespace != "" {
		return errDevServiceBus
	}
	log, err := m.logger(g)
	if err != nil {
		return err
	}
	// The children resolve paths from their own working directory and
	// environment; give them absolute paths so that all use the same files.
	for _, p := range []*string{&cfg.Queue.Path, &cfg.Journal.Path} {
		if *p != ":memory:" {
			if *p, err = filepath.Abs(*p); err != nil {
				return err
			}
		}
	}
	if o.instances > 1 && !cfg.Journal.Shared() && cfg.Journal.Path == ":memory:" {
		return domain.Errorf(domain.Invalid, "--instances needs a journal the instances can share: a file (journal.path) or Table Storage, not :memory:")
	}
	// the handlers' console signs its operators in with the front door's
	// token, so the token is made up (or taken) before they start
	token, chosen, err := m.adminToken()
	if err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("locate the vendorflow binary for the handler: %w", err)
	}
	// the handlers log at dev's level
	args := []string{"serve", "--log-level", g.logLevel}
	if g.configPath != "" {
		args = append(args, "--config", g.configPath)
	}
	sups := make([]*devhost.Supervisor, o.instances)
	handlers := make([]devhost.Handler, o.instances)
	for i := range sups {
		sup, err := devhost.NewSupervisor(devhost.SupervisorConfig{
			Command: exe,
			Args:    args,
			Env:     devChildEnv(cfg, token),
			Logger:  log.With("instance", i),
		})
		if err != nil {
			return err
		}
		sups[i], handlers[i] = sup, devhost.Handler{URL: sup.URL(), Ready: sup.WaitReady}
	}
	q, err := connect.OpenQueue(ctx, cfg)
	if err != nil {
		return err
	}
	defer q.Close()
	settings := connect.HostSettings(cfg)
	for k, v := range schedules {
		if v != "" {
			settings[k] = v
		}
	}
	met, metricsHandler, err := devMetrics(q, cfg, sups, log)
	if err != nil {
		return err
	}
	host, err := devhost.New(devhost.Config{
		Queue:       q,
		Handlers:    handlers,
		Concurrency: o.concurrency,
		Settings:    settings,
		HTTPAddr:    addr,
		AdminToken:  token,
		Logger:      log,
		Observe:     func(inv devhost.Invocation) { met.ObserveInvocation(inv.Function, inv.Outcome, inv.Took) },
		Metrics:     metricsHandler,
	})
	if err != nil {
		return err
	}
	out := m.Stdout
	fmt.Fprintf(out, "vendorflow dev: local Functions host\n")
	fmt.Fprintf(out, "  front door  %s/api/\n", host.FrontDoorURL())
	if chosen {
		fmt.Fprintf(out, "  admin token from %s (the %s header of the ops routes)\n", EnvAdminToken, devhost.KeyHeader)
	} else {
		// printed once, to the terminal only: never logged
		fmt.Fprintf(out, "  admin token %s (the %s header of the ops routes; %s chooses it)\n", token, devhost.KeyHeader, EnvAdminToken)
	}
	fmt.Fprintf(out, "  console     %s/api/console/ (sign in with the admin token)\n", host.FrontDoorURL())
	fmt.Fprintf(out, "  metrics     %s%s (Prometheus; the admin token as a bearer token)\n", host.FrontDoorURL(), devhost.MetricsPath)
	fmt.Fprintf(out, "  queue       %s\n", cfg.Queue.Path)
	for i, sup := range sups {
		fmt.Fprintf(out, "  handler %-3d %s (vendorflow serve, %d at a time per queue, from %s)\n", i, sup.URL(), o.concurrency, from)
	}
	fmt.Fprintf(out, "  journal     %s\n", cfg.Journal.Describe())
	fmt.Fprintf(out, "  graph       %s\n", cfg.Graph.BaseURL)
	fmt.Fprintf(out, "send requests with `vendorflow enqueue onboard FILE`; Ctrl-C stops\n")

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	supDone := make(chan error, len(sups))
	for _, sup := range sups {
		go func() {
			err := sup.Run(runCtx)
			stop() // a handler cannot be started: stop the host too
			supDone <- err
		}()
	}
	hostErr := host.Run(runCtx)
	stop()
	var supErrs []error
	for range sups {
		supErrs = append(supErrs, <-supDone)
	}
	supErr := errors.Join(supErrs...)
	if hostErr != nil {
		return fmt.Errorf("local host: %w", hostErr)
	}
	if supErr != nil {
		return fmt.Errorf("handler: %w", supErr)
	}
	return nil
}

// devMetrics are dev's own metrics (its invocations, the embedded queue's
// gauges) and the handler that serves them at the front door's GET
// /metrics merged with every handler child's, each child's labelled
// instance="0", "1", … as its `handler N` line says.
func devMetrics(q *queue.Queue, cfg config.Config, sups []*devhost.Supervisor, log *slog.Logger) (*metrics.Metrics, http.Handler, error) {
	met := metrics.New(metrics.RoleHost, log)
	if err := met.WatchQueues(q, connect.QueueNames(cfg)); err != nil {
		return nil, nil, err
	}
	targets := make([]metrics.Target, len(sups))
	for i, sup := range sups {
		targets[i] = metrics.Target{Instance: strconv.Itoa(i), URL: sup.URL() + metrics.Path}
	}
	return met, met.Handler(metrics.NewRemote(targets, nil)), nil
}

// EnvAdminToken chooses the token of the local front door's ops routes;
// without it `vendorflow dev` makes one up and prints it.
const EnvAdminToken = "VENDORFLOW_ADMIN_TOKEN"

// adminToken is the front door's admin token: EnvAdminToken's (chosen),
// else 32 random hex digits.
func (m *Main) adminToken() (token string, chosen bool, err error) {
	if v, ok := m.LookupEnv(EnvAdminToken); ok {
		if len(v) < 16 {
			return "", false, domain.Errorf(domain.Invalid, "%s must be at least 16 characters long", EnvAdminToken)
		}
		return v, true, nil
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", false, fmt.Errorf("admin token: %w", err)
	}
	return hex.EncodeToString(b), false, nil
}

// devChildEnv is the handler's environment: ours (VENDORFLOW_* and the
// Azure variables pass through, the Table journal's among them), with the
// admin token the front door uses (the handlers' ops console signs its
// operators in with it, as the app setting does in Azure), and the Graph
// endpoint, queue and journal files and queue names the host resolved, so
// that handlers and host agree.
func devChildEnv(cfg config.Config, adminToken string) []string {
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, EnvAdminToken+"=") // set below, made up or not
	})
	return append(env,
		EnvAdminToken+"="+adminToken,
		"VENDORFLOW_QUEUE_PATH="+cfg.Queue.Path,
		"VENDORFLOW_JOURNAL_PATH="+cfg.Journal.Path,
		"VENDORFLOW_GRAPH_BASE_URL="+cfg.Graph.BaseURL,
		funcapp.SettingOnboardQueue+"="+cfg.Queue.OnboardQueue,
		funcapp.SettingOffboardQueue+"="+cfg.Queue.OffboardQueue,
		funcapp.SettingParkingQueue+"="+cfg.Queue.ParkingQueue,
	)
}
