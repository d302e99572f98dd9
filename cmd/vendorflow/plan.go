package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/vendorflow/vendorflow/pkg/app"
	"github.com/vendorflow/vendorflow/pkg/barriers"
	"github.com/vendorflow/vendorflow/pkg/plan"
)

func (m *Main) planCommand(g *globals) *cobra.Command {
	var policyPath string
	c := &cobra.Command{
		Use:   "plan onboard|offboard FILE",
		Short: "Show what a request would do, without doing it: no Graph write, no journal write",
		Long: `plan is a dry run of one onboard or offboard request (JSON; "-" reads stdin)
against the configured tenant or emulator. It runs the real engine, reading the
directory and the journal, but every Graph write is recorded instead of made,
and the journal it writes is a scratch copy in memory. It shows:

  - each step, and what it would create or change, attribute by attribute
    (old → new), or "nothing to do" where the tenant is already as wanted;
  - the seats it would take or free, per SKU, against the free seats;
  - the segment the account would be in and whom it could reach under the
    barrier policy (--policy, default the vendor-isolation preset);
  - the credential it would mail (never a value: a plan makes none);
  - where it would end, with the exit code the run would have.

What a plan cannot know (other writers before the run, Graph's replication
lag, checks the tenant makes only at write time): docs/plan.md.

It needs a tenant to read: graph.baseUrl (VENDORFLOW_GRAPH_BASE_URL) for the
emulator, or the identity settings for Microsoft Graph.

The exit code is the one the run would have: 0 when the request would reach
done (or is done already); a request a newer one would supersede is a conflict.

` + exitCodeHelp(),
		Example: `  # against the emulator
  vendorflow tenantsim --addr 127.0.0.1:8089 &
  VENDORFLOW_GRAPH_BASE_URL=http://127.0.0.1:8089/v1.0 vendorflow plan onboard request.json
  VENDORFLOW_GRAPH_BASE_URL=http://127.0.0.1:8089/v1.0 vendorflow plan offboard end.json -o json

  # against the configured tenant, the request on stdin
  vendorflow plan onboard - --config vendorflow.yaml < request.json`,
		Args: cobra.ExactArgs(2),
	}
	out := outputFlag(c)
	c.Flags().StringVar(&policyPath, "policy", "", "barrier policy file (YAML or JSON) to judge reachability by; default: the vendor-isolation preset")
	c.RunE = func(cmd *cobra.Command, args []string) error {
		kind, payload, err := kindAndRequest(cmd, args)
		if err != nil {
			return err
		}
		cfg, log, err := m.setup(g)
		if err != nil {
			return err
		}
		pol, err := readPolicy(policyPath)
		if err != nil {
			return err
		}
		p, err := app.OpenPlanner(cmd.Context(), cfg, app.PlannerOptions{Logger: log, Policy: pol})
		if err != nil {
			return err
		}
		defer p.Close()
		label := args[1]
		if label == "-" {
			label = "stdin"
		}
		rep, err := p.Plan(cmd.Context(), []plan.Input{{Kind: kind, Body: payload, Label: label}})
		if err != nil {
			return err
		}
		if err := out.write(cmd.OutOrStdout(), rep, func(w io.Writer) error { return rep.WriteTable(w, true) }); err != nil {
			return err
		}
		if code := rep.ExitCode(); code != 0 {
			r := rep.Requests[0]
			return &exitError{code: code, err: fmt.Errorf("request %s would be %s: %s", r.RequestID, r.Outcome.Status, r.Outcome.Reason)}
		}
		return nil
	}
	return c
}

// readPolicy reads a barrier policy file; "" is the default preset (nil).
func readPolicy(path string) (*barriers.Policy, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--policy: %w", err)
	}
	defer f.Close()
	p, err := barriers.Read(f)
	if err != nil {
		return nil, fmt.Errorf("--policy %s: %w", path, err)
	}
	return &p, nil
}
