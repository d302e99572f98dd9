package main

import (
	"encoding/json"
	"errors"

	"github.com/spf13/cobra"

	"github.com/vendorflow/vendorflow/pkg/demo"
)

func (m *Main) devCommand(g *globals) *cobra.Command {
	var (
		o       demo.Options
		runDemo bool
	)
	c := &cobra.Command{
		Use:   "dev --demo",
		Short: "Run vendorflow on this machine against the embedded tenant emulator",
		Long: `dev runs vendorflow with no cloud: the Graph-compatible tenant emulator, the
embedded journal and the real engine and Graph adapter talking HTTP.

--demo plays the seed scenario: four vendor people (two of Vendor1, one of
Vendor2, one independent contractor) are onboarded into ABC.com step by step —
service account, segment, Remote Assist license, Temporary Access Pass mailed
to their external address — then the same four requests are delivered again to
show that nothing happens twice. It exits 0 only if all four reached the end.`,
		Example: `  vendorflow dev --demo
  vendorflow dev --demo --json
  vendorflow dev --demo --faults 0.2 --lag 2s     # 20% 429/503 and replication lag`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !runDemo {
				return errors.New("dev needs --demo (see --help)")
			}
			if o.FaultRate < 0 || o.FaultRate > 0.9 {
				return errors.New("--faults must be between 0 and 0.9")
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
	f.BoolVar(&runDemo, "demo", false, "play the seed scenario (required)")
	f.BoolVar(&o.JSON, "json", false, "print only the summary, as one JSON object")
	f.Float64Var(&o.FaultRate, "faults", 0, "inject 429 and 503 answers on every Graph route at this rate (0 to 0.9)")
	f.DurationVar(&o.Lag, "lag", 0, "emulate replication lag: new objects stay invisible to reads this long")
	f.Int64Var(&o.Seed, "seed", 1, "seed for the injected faults (same seed, same faults)")
	f.StringVar(&o.StateDir, "state", "", "keep the journal in this directory (default: a temporary one, removed afterwards)")
	return c
}
