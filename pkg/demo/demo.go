// Package demo runs the seed scenario end to end on one machine: it starts
// the tenant emulator with the demo tenant, processes the four vendor
// onboardings through the real engine and Graph adapter over HTTP, replays
// them to show that nothing happens twice, and reports what the tenant then
// holds.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vendorflow/vendorflow/pkg/app"
	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
	"github.com/vendorflow/vendorflow/pkg/funchost"
	"github.com/vendorflow/vendorflow/pkg/tenantsim"
)

// Options configure a demo run.
type Options struct {
	// Out receives progress (text mode) or the summary (JSON mode).
	Out io.Writer
	// JSON prints only the summary, as one JSON object.
	JSON bool
	// FaultRate injects 429/503 on every Graph route at this rate (0..1).
	FaultRate float64
	// Lag is the emulator's replication lag for new objects.
	Lag time.Duration
	// Seed makes injected faults reproducible.
	Seed int64
	// StateDir holds the journal; "" = a fresh temporary directory.
	StateDir string
	Logger   *slog.Logger
	// Clock is the engine's and emulator's clock (default real time).
	Clock clock.Clock
}

// Run executes the demo. It returns the summary and an error when any of
// the four onboardings did not reach the end.
func Run(ctx context.Context, cfg config.Config, o Options) (Summary, error) {
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	dir := o.StateDir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "vendorflow-demo-")
		if err != nil {
			return Summary{}, err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	sim, err := tenantsim.New(tenantsim.Config{Domain: cfg.Tenant.Domain, Clock: o.Clock, RequireAuth: true, Logger: o.Logger})
	if err != nil {
		return Summary{}, err
	}
	if err := sim.Load(tenantsim.DemoSeed(cfg.Tenant.Domain)); err != nil {
		return Summary{}, err
	}
	if o.FaultRate > 0 || o.Lag > 0 {
		sim.SetFaults(tenantsim.Faults{
			Seed:           o.Seed,
			Routes:         map[string]tenantsim.RouteFaults{"*": {Rate429: o.FaultRate / 2, Rate503: o.FaultRate / 2}},
			ReplicationLag: o.Lag,
		})
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return Summary{}, fmt.Errorf("listen for the emulator: %w", err)
	}
	hs := funchost.NewServer(sim, funchost.DefaultTimeouts())
	go func() { _ = hs.Serve(ln) }()
	defer func() { _ = hs.Close() }()

	cfg.Graph.BaseURL = "http://" + ln.Addr().String() + "/v1.0"
	cfg.Journal.Path = filepath.Join(dir, "journal.db")
	p := &printer{w: o.Out, quiet: o.JSON}
	p.header(cfg, o)
	st, err := app.Open(ctx, cfg, app.Options{Clock: o.Clock, Logger: o.Logger, Observer: p.event})
	if err != nil {
		return Summary{}, err
	}
	defer st.Close()

	reqs, err := OnboardRequests(o.Clock.Now(), sponsorOf(cfg))
	if err != nil {
		return Summary{}, err
	}
	sum := Summary{Tenant: cfg.Tenant.Domain, Emulator: cfg.Graph.BaseURL}
	var failed []string
	for _, r := range reqs {
		res, err := st.Engine.Process(ctx, domain.KindOnboard, r)
		if err != nil {
			return Summary{}, err
		}
		sum.Requests = append(sum.Requests, res)
		if res.Status != domain.RequestDone {
			failed = append(failed, fmt.Sprintf("%s: %s %s", res.RequestID, res.Status, res.Reason))
		}
	}
	first := sim.Stats()
	mailsBefore := len(sim.Outbox())
	sim.ResetStats()
	p.section("Processing the same four requests again (at-least-once delivery)")
	for _, r := range reqs {
		res, err := st.Engine.Process(ctx, domain.KindOnboard, r)
		if err != nil {
			return Summary{}, err
		}
		p.line("  %-16s %s (already done: %v)", res.RequestID, res.Status, res.AlreadyDone)
	}
	again := sim.Stats()
	sum.fill(cfg.Tenant, sim, first)
	sum.Rerun = Rerun{GraphRequests: again.Requests, GraphWrites: again.Writes, NewMails: len(sim.Outbox()) - mailsBefore}
	if sum.Reachability, err = reachability(cfg.Tenant, sim); err != nil {
		return sum, fmt.Errorf("reachability: %w", err)
	}
	p.summary(sum)
	p.reach(sum.Reachability)
	if len(failed) > 0 {
		return sum, fmt.Errorf("%d of %d onboardings did not finish: %v", len(failed), len(reqs), failed)
	}
	if sum.Rerun.GraphWrites != 0 || sum.Rerun.NewMails != 0 {
		return sum, errors.New("the replay changed the tenant; steps are not idempotent")
	}
	if sum.Sweep, err = sweep(ctx, st.Engine, cfg, sim, o.Clock.Now(), p); err != nil {
		return sum, fmt.Errorf("expiry sweep: %w", err)
	}
	return sum, nil
}

// sweep runs the expiry sweep as of the day after the shortest contract
// (the contractor's, one month) ends, and offboards what it finds through
// the engine, as the expiry-sweep function and the offboard queue would.
func sweep(ctx context.Context, e *engine.Engine, cfg config.Config, sim *tenantsim.Server, now time.Time, p *printer) (SweepResult, error) {
	at := now.UTC().Truncate(24*time.Hour).AddDate(0, 1, 1)
	p.section(fmt.Sprintf("Expiry sweep, as of %s (the contractor's contract has ended)", at.Format(time.DateOnly)))
	expired, err := e.Expired(ctx, at)
	if err != nil {
		return SweepResult{}, err
	}
	r := SweepResult{At: at}
	for _, x := range expired {
		res, err := e.ProcessWith(ctx, domain.KindOffboard, x.Payload, engine.ProcessOptions{IntentAt: at})
		if err != nil {
			return r, err
		}
		if res.Status != domain.RequestDone {
			return r, fmt.Errorf("offboard %s: %s %s", x.UPN, res.Status, res.Reason)
		}
		u, _ := sim.UserByUPN(x.UPN)
		r.Offboarded = append(r.Offboarded, Offboarded{UPN: x.UPN, RequestID: res.RequestID, Enabled: u.AccountEnabled, Licenses: len(u.AssignedLicenses)})
		p.line("  %s: offboarded by %s (enabled %v, licenses %d)", x.UPN, res.RequestID, u.AccountEnabled, len(u.AssignedLicenses))
	}
	again, err := e.Expired(ctx, at)
	if err != nil {
		return r, err
	}
	r.FoundOnSecondSweep = len(again)
	managed := cfg.Tenant.ManagedSKUs()
	var seats []string
	for _, k := range sim.SKUs() {
		r.SeatsAfter = append(r.SeatsAfter, Seat{SKU: k.SkuPartNumber, Enabled: k.PrepaidUnits.Enabled, Consumed: k.ConsumedUnits})
		if managed[strings.ToUpper(k.SkuPartNumber)] {
			seats = append(seats, fmt.Sprintf("%s %d of %d", k.SkuPartNumber, k.ConsumedUnits, k.PrepaidUnits.Enabled))
		}
	}
	p.line("  seats in use after the sweep: %s", strings.Join(seats, ", "))
	p.line("  a second sweep finds %d more", r.FoundOnSecondSweep)
	return r, nil
}

// sponsorOf picks the demo sponsor: the first expert of the demo seed.
func sponsorOf(cfg config.Config) string { return "pat.sponsor@" + cfg.Tenant.Domain }
