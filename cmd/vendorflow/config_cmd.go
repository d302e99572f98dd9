package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/vendorflow/vendorflow/pkg/config"
)

func (m *Main) configCommand(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "config",
		Short: "Print the sample configuration or check one",
		Long:  "Configuration is a YAML or JSON file (--config or $VENDORFLOW_CONFIG), then these\nenvironment overrides:\n\n" + config.EnvHelp(),
	}
	c.AddCommand(&cobra.Command{
		Use:   "sample",
		Short: "Print the sample configuration (the demo tenant) to start from",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := cmd.OutOrStdout().Write(config.Sample())
			return err
		},
	}, &cobra.Command{
		Use:   "check",
		Short: "Load the configuration, apply the environment, and report every problem",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := m.loadConfig(g)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "configuration is valid: tenant %s, %d vendors, SKUs %v, segment attribute %s\n",
				c.Tenant.Domain, len(c.Tenant.Vendors), c.Tenant.SKUs, c.Tenant.SegmentAttribute)
			return nil
		},
	})
	return c
}
