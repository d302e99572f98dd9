// Package app is the one place that turns vendorflow's configuration into
// adapters: the journal (embedded SQLite, or Table Storage shared by every
// instance), the message bus (the embedded queue, or Azure Service Bus),
// the Graph directory and the app's credential, and the engine over them.
// The binary's commands and the end-to-end tests build on it; they hold no
// wiring of their own.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/connect"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
	"github.com/vendorflow/vendorflow/pkg/graph"
	"github.com/vendorflow/vendorflow/pkg/journal"
	"github.com/vendorflow/vendorflow/pkg/tablejournal"
	"github.com/vendorflow/vendorflow/pkg/tables"
	"github.com/vendorflow/vendorflow/pkg/writebudget"
)

// Options are the parts a caller may inject (tests, the dev host).
type Options struct {
	Clock    clock.Clock
	Logger   *slog.Logger
	Observer func(engine.Event)
	Hooks    engine.Hooks
	// Engine tunes retries; zero values take the engine's defaults.
	Engine engine.Config
	// Metrics, when set, is told of the engine's step transitions and
	// lease claims and of the Graph adapter's traffic (pkg/metrics'
	// *Metrics), besides Observer.
	Metrics Metrics
}

// Metrics is what the stack reports to (pkg/metrics implements it).
type Metrics interface {
	graph.Observer
	ObserveStep(engine.Event)
	ObserveLease(engine.LeaseClaim)
}

// Journal is what the commands need of a journal: the engine's port, the
// status counts of ops views, and Close.
type Journal interface {
	engine.Journal
	Stats(ctx context.Context) (map[domain.RequestStatus]int, error)
	// Probe proves the journal reachable and writable (vendorflow doctor).
	Probe(ctx context.Context) error
	io.Closer
}

// Stack is an opened vendorflow: close it when done.
type Stack struct {
	Config  config.Config
	Journal Journal
	Graph   *graph.Client
	Engine  *engine.Engine
	// WriteBudget paces Graph's writes (the Graph client's): the handler
	// asks it before a run whether the run would wait (handler.Config.Admission).
	WriteBudget graph.WriteBudget
}

// Places says where a configuration puts Graph, the journal and the
// queue, in words for people (doctor, config check).
type Places struct {
	Graph, Journal, Queue string
}

// PlacesOf describes where cfg puts Graph, the journal and the queue. It
// opens nothing.
func PlacesOf(cfg config.Config) Places {
	p := Places{
		Graph:   "Microsoft Graph (" + graph.DefaultBaseURL + ")",
		Journal: cfg.Journal.Describe(),
		Queue:   "the embedded queue " + cfg.Queue.Path,
	}
	if cfg.Graph.BaseURL != "" {
		p.Graph = "Graph at " + cfg.Graph.BaseURL
	}
	if ns := cfg.Queue.ServiceBusNamespace; ns != "" {
		p.Queue = "Service Bus namespace " + ns
	}
	return p
}

// OpenJournal opens the journal cfg.Journal names: Table Storage when a
// table endpoint (with the app's credential) or connection string is set,
// else the SQLite file at cfg.Journal.Path (its directory is created).
func OpenJournal(ctx context.Context, cfg config.Config, clk clock.Clock) (Journal, error) {
	return openJournal(ctx, cfg, clk, false)
}

// OpenJournalReadOnly opens the configured journal for the commands that
// only read it (status, accounts): an embedded journal must exist already
// ("no journal at PATH", NotFound, otherwise) and is neither created nor
// migrated nor written. The shared journal's tables must exist too: none is
// created (NotFound otherwise), so a reader role suffices.
func OpenJournalReadOnly(ctx context.Context, cfg config.Config) (Journal, error) {
	return openJournal(ctx, cfg, nil, true)
}

func openJournal(ctx context.Context, cfg config.Config, clk clock.Clock, readOnly bool) (Journal, error) {
	if clk == nil {
		clk = clock.Real{}
	}
	jc := cfg.Journal
	if !jc.Shared() {
		if jc.Path != ":memory:" && !readOnly {
			if err := os.MkdirAll(filepath.Dir(jc.Path), 0o700); err != nil {
				return nil, domain.Errorf(domain.Invalid, "the journal's directory (%s): %w", config.Setting("journal.path"), err)
			}
		}
		j, err := journal.Open(ctx, journal.Config{Path: jc.Path, Clock: clk, ReadOnly: readOnly})
		if readOnly && domain.ErrorCode(err) == domain.NotFound {
			return nil, domain.Errorf(domain.NotFound, "no journal at %s: set %s to the journal that vendorflow dev or process writes, "+
				"or %s to the shared journal in Azure", jc.Path, config.Setting("journal.path"), config.Setting("journal.tableEndpoint"))
		}
		if err != nil {
			return nil, fmt.Errorf("open the journal at %s (%s): %w", jc.Path, config.Setting("journal.path"), err)
		}
		return j, nil
	}
	svc, err := openTables(cfg)
	if err != nil {
		return nil, err
	}
	open := tablejournal.Open
	if readOnly {
		open = tablejournal.OpenReadOnly
	}
	j, err := open(ctx, svc, clk)
	if readOnly && domain.ErrorCode(err) == domain.NotFound {
		return nil, domain.Errorf(domain.NotFound, "%s: no request was ever journaled there; check %s and %s (a mistyped prefix is a journal of its own)",
			domain.ErrorMessage(err), config.Setting("journal.tableEndpoint"), config.Setting("journal.tablePrefix"))
	}
	if err != nil {
		return nil, fmt.Errorf("open journal %s: %w", jc.Describe(), err)
	}
	return j, nil
}

// openTables connects to the Table Storage account of the shared journal.
func openTables(cfg config.Config) (*tables.Service, error) {
	jc := cfg.Journal
	s := tables.Settings{ConnectionString: jc.TableConnectionString, Endpoint: jc.TableEndpoint, Prefix: jc.TablePrefix}
	if s.Endpoint != "" {
		cred, err := connect.Credential(cfg)
		if err != nil {
			return nil, connect.NeedsIdentity("the journal on "+jc.Describe()+", from "+config.Setting("journal.tableEndpoint")+",", err)
		}
		s.Credential = cred
	}
	svc, err := tables.Open(s)
	if err != nil {
		return nil, domain.Errorf(domain.Invalid, "the journal's settings (%s): %w", tableSettings(jc), err)
	}
	return svc, nil
}

// tableSettings names the Table journal's settings that are set, with
// their values (the connection string's never: it holds a key).
func tableSettings(jc config.Journal) string {
	var set []string
	if jc.TableEndpoint != "" {
		set = append(set, fmt.Sprintf("%s=%q", config.Setting("journal.tableEndpoint"), jc.TableEndpoint))
	}
	if !jc.TableConnectionString.IsZero() {
		set = append(set, "VENDORFLOW_JOURNAL_TABLE_CONNECTION_STRING (environment only)")
	}
	if jc.TablePrefix != "" {
		set = append(set, fmt.Sprintf("%s=%q", config.Setting("journal.tablePrefix"), jc.TablePrefix))
	}
	return strings.Join(set, ", ")
}

// WriteBudget opens the Graph write budget: graph.writeShare of
// graph.writeQuota per graph.writeWindow. With the shared journal it is one
// token bucket in Table Storage that every instance paces against
// (pkg/writebudget), keyed by WriteBudgetKey; otherwise the in-process pacer.
func WriteBudget(ctx context.Context, cfg config.Config, clk clock.Clock) (graph.WriteBudget, error) {
	if clk == nil {
		clk = clock.Real{}
	}
	g := cfg.Graph
	limit, window := g.WriteLimit(), time.Duration(g.WriteWindow)
	if !cfg.Journal.Shared() {
		return graph.NewLocalWriteBudget(clk, limit, window, g.WriteShare), nil
	}
	svc, err := openTables(cfg)
	if err != nil {
		return nil, err
	}
	// The bucket keeps every window at or under the limit, burst included
	// (pkg/writebudget's doc), and its steady rate is (limit − burst) per
	// window + hold. Both scale with the window: for Graph's 150 s, a
	// burst of 5 s of the rate and a hold of 1 s (writebudget's defaults);
	// for a scaled-down quota, as much less.
	b, err := writebudget.Open(ctx, svc, writebudget.Config{
		Key: WriteBudgetKey(cfg), Limit: limit, Window: window,
		Burst: max(limit*int(writebudget.DefaultBurstSpan/time.Millisecond)/int(config.DefaultWriteWindow/time.Millisecond), 1),
		Hold:  min(max(window*writebudget.DefaultHold/config.DefaultWriteWindow, 100*time.Millisecond), writebudget.DefaultHold),
		Clock: clk, PressureTarget: g.WriteShare,
	})
	if err != nil {
		return nil, fmt.Errorf("graph write budget in %s: %w", cfg.Journal.Describe(), err)
	}
	return b, nil
}

// WriteBudgetKey names the shared write budget: what Graph counts a quota
// for, the app registration in its tenant ("<tenant id>/<client id>"). For
// the emulator, or an identity given no ids, the tenant's domain and
// "default" stand in.
func WriteBudgetKey(cfg config.Config) string {
	tenant, client := cfg.Graph.TenantID, cfg.Graph.ClientID
	if tenant == "" {
		tenant = strings.ToLower(cfg.Tenant.Domain)
	}
	if client == "" {
		client = "default"
	}
	return tenant + "/" + client
}

// Open opens the journal, builds the Graph client (authenticated unless the
// base URL is the loopback emulator) and the engine.
func Open(ctx context.Context, cfg config.Config, o Options) (*Stack, error) {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	// Graph's settings first: a missing identity is reported before the
	// journal is opened (and, locally, created).
	gc, err := graphConfig(cfg, o.Clock, o.Logger)
	if err != nil {
		return nil, err
	}
	j, err := OpenJournal(ctx, cfg, o.Clock)
	if err != nil {
		return nil, err
	}
	s := &Stack{Config: cfg, Journal: j}
	if o.Metrics != nil {
		gc.Observer = o.Metrics
	}
	if gc.WriteBudget, err = WriteBudget(ctx, cfg, o.Clock); err != nil {
		return nil, errors.Join(err, s.Close())
	}
	s.WriteBudget = gc.WriteBudget
	if s.Graph, err = graph.New(gc); err != nil {
		return nil, errors.Join(err, s.Close())
	}
	ec := o.Engine
	ec.Tenant, ec.Directory, ec.Journal = cfg.Tenant, s.Graph, j
	if ec.LeaseTTL == 0 {
		ec.LeaseTTL = time.Duration(cfg.Journal.LeaseTTL)
	}
	ec.Clock, ec.Logger, ec.Observer, ec.Hooks = o.Clock, o.Logger, o.Observer, o.Hooks
	if m := o.Metrics; m != nil {
		ec.Observer = func(ev engine.Event) {
			m.ObserveStep(ev)
			if o.Observer != nil {
				o.Observer(ev)
			}
		}
		ec.OnLease = m.ObserveLease
	}
	if s.Engine, err = engine.New(ec); err != nil {
		if cfg.Journal.LeaseTTL != 0 {
			err = fmt.Errorf("journal.leaseTtl (VENDORFLOW_LEASE_TTL): %w", err)
		}
		return nil, errors.Join(err, s.Close())
	}
	return s, nil
}

// graphConfig is the Graph client's configuration from cfg: its endpoint,
// attempt timeout and, unless the endpoint is the loopback emulator, the
// app's credential.
func graphConfig(cfg config.Config, clk clock.Clock, log *slog.Logger) (graph.Config, error) {
	gc := graph.Config{BaseURL: cfg.Graph.BaseURL, Clock: clk, Logger: log, AttemptTimeout: time.Duration(cfg.Graph.AttemptTimeout)}
	if !cfg.Graph.UsesEmulator() {
		cred, err := connect.Credential(cfg)
		if err != nil {
			if cfg.Graph.BaseURL == "" {
				return graph.Config{}, connect.NeedsIdentity("Microsoft Graph ("+graph.DefaultBaseURL+")",
					fmt.Errorf("%w; or, for a dry run, set %s to the emulator's address (vendorflow tenantsim serves one at http://127.0.0.1:8089/v1.0)",
						err, config.Setting("graph.baseUrl")))
			}
			return graph.Config{}, connect.NeedsIdentity("Graph at "+cfg.Graph.BaseURL+", from "+config.Setting("graph.baseUrl")+",", err)
		}
		gc.Credential = cred
	}
	return gc, nil
}

// Close releases what Open opened.
func (s *Stack) Close() error {
	if s == nil || s.Journal == nil {
		return nil
	}
	return s.Journal.Close()
}
