package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/vendorflow/vendorflow/pkg/app"
	"github.com/vendorflow/vendorflow/pkg/config"
)

func (m *Main) configCommand(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "config",
		Short: "Print the sample configuration or check one",
		Long:  "Configuration is a YAML or JSON file (--config or $VENDORFLOW_CONFIG), then these\nenvironment overrides:\n\n" + config.EnvHelp(),
		Example: `  vendorflow config sample > vendorflow.yaml
  vendorflow config check --config vendorflow.yaml`,
	}
	c.AddCommand(&cobra.Command{
		Use:   "sample",
		Short: "Print the sample configuration (the demo tenant) to start from",
		Long: `sample prints the sample configuration, YAML with comments: the demo tenant
ABC.com and its vendor registry. It is a file to edit, not a report, so it
has no -o.`,
		Example: `  vendorflow config sample > vendorflow.yaml`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := cmd.OutOrStdout().Write(config.Sample())
			return err
		},
	}, m.configCheck(g))
	return c
}

// configSummary is what config check reports: where the configuration
// came from, the tenant, and where each part of the state lives, so that
// the backend in use (local or Azure) is visible before a command runs.
type configSummary struct {
	Valid            bool     `json:"valid"`
	Source           string   `json:"source"`
	Tenant           string   `json:"tenant"`
	Vendors          int      `json:"vendors"`
	SKUs             []string `json:"skus"`
	SegmentAttribute string   `json:"segmentAttribute"`
	Graph            string   `json:"graph"`
	Journal          string   `json:"journal"`
	Queue            string   `json:"queue"`
}

func (m *Main) configCheck(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "check",
		Short: "Load the configuration, apply the environment, and report every problem",
		Long: `check loads the configuration (--config, $VENDORFLOW_CONFIG,
$VENDORFLOW_CONFIG_CONTENT, else the embedded demo tenant), applies the
environment overrides and validates the result. A problem exits 2 naming the
setting; a valid configuration prints the tenant and where Graph, the journal
and the queue are. It opens nothing: ` + "`vendorflow doctor`" + ` checks that they answer.`,
		Example: `  vendorflow config check --config vendorflow.yaml
  VENDORFLOW_CONFIG=vendorflow.yaml vendorflow config check -o json`,
		Args: cobra.NoArgs,
	}
	o := outputFlag(c)
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		cfg, err := m.loadConfig(g)
		if err != nil {
			return err
		}
		places := app.PlacesOf(cfg)
		sum := configSummary{Valid: true, Source: cfg.Source, Tenant: cfg.Tenant.Domain, Vendors: len(cfg.Tenant.Vendors),
			SKUs: nonNil(cfg.Tenant.SKUs), SegmentAttribute: cfg.Tenant.SegmentAttribute,
			Graph: places.Graph, Journal: places.Journal, Queue: places.Queue}
		return o.write(cmd.OutOrStdout(), sum, func(w io.Writer) error {
			_, err := fmt.Fprintf(w, "configuration is valid: tenant %s, %d vendors, SKUs %v, segment attribute %s\n"+
				"  from:    %s\n  graph:   %s\n  journal: %s\n  queue:   %s\n",
				sum.Tenant, sum.Vendors, sum.SKUs, sum.SegmentAttribute, sum.Source, sum.Graph, sum.Journal, sum.Queue)
			return err
		})
	}
	return c
}
