package app

import (
	"context"
	"errors"
	"log/slog"

	"github.com/vendorflow/vendorflow/pkg/barriers"
	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/graph"
	"github.com/vendorflow/vendorflow/pkg/plan"
)

// ErrPlanNoGraph is why a plan is refused when the configuration names no
// Graph: a plan reads the tenant it plans for, and never starts an emulator
// of its own (its answer would be about a tenant that does not exist).
// It is Invalid (exit code 2), as every missing setting is.
var ErrPlanNoGraph = domain.Errorf(domain.Invalid, "%s is not set and no identity is configured, so there is no tenant to plan against; "+
	"for the emulator, run `vendorflow tenantsim --addr 127.0.0.1:8089` and set VENDORFLOW_GRAPH_BASE_URL=http://127.0.0.1:8089/v1.0; "+
	"for a real tenant, set %s, %s and AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or %s=true",
	config.Setting("graph.baseUrl"), config.TenantIDSetting, config.ClientIDSetting, config.ManagedIdentitySetting)

// PlannerOptions tune OpenPlanner.
type PlannerOptions struct {
	Logger *slog.Logger
	Clock  clock.Clock
	// Policy is the information-barrier policy reachability is judged by
	// (a file's, read with barriers.Read); nil: the vendor-isolation preset.
	Policy *barriers.Policy
}

// Planner is an opened planner (`vendorflow plan`, `enqueue --csv
// --plan`): a plan.Planner over the configured Graph, read only, and the
// configured journal, opened read-only. Close it when done.
type Planner struct {
	*plan.Planner
	journal Journal
}

// Close releases the journal.
func (p *Planner) Close() error {
	if p == nil || p.journal == nil {
		return nil
	}
	return p.journal.Close()
}

// OpenPlanner opens what a plan reads: the Graph directory of cfg (the
// emulator at a loopback graph.baseUrl, else Microsoft Graph with the
// app's credential) and the journal, read-only. A machine with no embedded
// journal yet plans with nothing on record. Without Graph settings it
// returns ErrPlanNoGraph.
func OpenPlanner(ctx context.Context, cfg config.Config, o PlannerOptions) (*Planner, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if usesEmbeddedEmulator(cfg) {
		return nil, ErrPlanNoGraph
	}
	gc, err := graphConfig(cfg, o.Clock, o.Logger)
	if err != nil {
		return nil, err
	}
	dir, err := graph.New(gc)
	if err != nil {
		return nil, err
	}
	where := "Microsoft Graph (" + graph.DefaultBaseURL + ")"
	if cfg.Graph.BaseURL != "" {
		where = "Graph at " + cfg.Graph.BaseURL
	}
	p := &Planner{}
	journalName := "the journal (" + cfg.Journal.Describe() + ")"
	j, err := OpenJournalReadOnly(ctx, cfg)
	switch {
	case err == nil:
		p.journal = j
	case domain.ErrorCode(err) == domain.NotFound && cfg.Journal.Shared():
		journalName = "no journal in " + cfg.Journal.Describe() + " (nothing on record)"
	case domain.ErrorCode(err) == domain.NotFound:
		journalName = "no journal at " + cfg.Journal.Path + " (nothing on record)"
	default:
		return nil, err
	}
	pc := plan.Config{Tenant: cfg.Tenant, Directory: dir, Policy: o.Policy, Clock: o.Clock, DirectoryName: where, JournalName: journalName}
	if p.journal != nil {
		pc.Journal = p.journal
	}
	if p.Planner, err = plan.New(pc); err != nil {
		return nil, errors.Join(err, p.Close())
	}
	return p, nil
}
