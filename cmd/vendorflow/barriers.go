package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/vendorflow/vendorflow/pkg/app"
	"github.com/vendorflow/vendorflow/pkg/barriers"
	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/reach"
)

func (m *Main) barriersCommand(g *globals) *cobra.Command {
	var policyPath string
	load := func() (config.Config, barriers.Policy, error) {
		cfg, err := m.loadConfig(g)
		if err != nil {
			return config.Config{}, barriers.Policy{}, err
		}
		var file io.Reader
		if policyPath != "" {
			f, err := os.Open(policyPath)
			if err != nil {
				return cfg, barriers.Policy{}, err
			}
			defer f.Close()
			file = f
		}
		p, err := reach.Policy(cfg.Tenant, file)
		if err != nil && policyPath != "" {
			err = fmt.Errorf("%s: %w", policyPath, err)
		}
		return cfg, p, err
	}
	c := &cobra.Command{
		Use:   "barriers",
		Short: "Information barriers as code: validate, plan, generate PowerShell, check reachability",
		Long: `Information barriers keep vendors of different companies from finding or calling
each other while every vendor reaches the company's experts. Microsoft configures
them in Security & Compliance PowerShell; vendorflow keeps them as a policy file
(--policy; default: the vendor-isolation preset derived from the vendor registry)
and generates a re-runnable script.

Barriers apply only after Microsoft's policy application: it starts within about
30 minutes and processes about 5,000 users an hour.`,
	}
	c.PersistentFlags().StringVar(&policyPath, "policy", "", "policy file (YAML or JSON); default: the vendor-isolation preset")
	c.AddCommand(&cobra.Command{
		Use: "validate", Short: "Check the policy against the platform's rules", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, p, err := load()
			if err != nil {
				return err
			}
			for _, f := range p.Findings() {
				fmt.Fprintln(cmd.OutOrStdout(), f)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "policy is valid: %d segments, %d policies, mode %s\n", len(p.Segments), len(p.Policies), p.Mode)
			return nil
		},
	}, &cobra.Command{
		Use: "plan", Short: "Say in plain language what the script will create or update", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, p, err := load()
			if err != nil {
				return err
			}
			for _, l := range barriers.Plan(p) {
				fmt.Fprintln(cmd.OutOrStdout(), l)
			}
			return nil
		},
	}, &cobra.Command{
		Use: "script", Short: "Print the Security & Compliance PowerShell script (re-runnable, byte-stable)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, p, err := load()
			if err != nil {
				return err
			}
			_, err = fmt.Fprint(cmd.OutOrStdout(), barriers.PowerShell(p))
			return err
		},
	}, &cobra.Command{
		Use: "matrix", Short: "Print which segments may communicate", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, p, err := load()
			if err != nil {
				return err
			}
			_, err = fmt.Fprint(cmd.OutOrStdout(), p.Matrix().String())
			return err
		},
	}, &cobra.Command{
		Use:   "check A B",
		Short: "Can A reach B? A and B are UPNs in the tenant or vendors' external emails",
		Long: `check looks both people up in the directory (the configured tenant or the
emulator named by graph.baseUrl), works out their segments from their attributes,
and answers allowed or blocked with the policy that decides it.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, p, err := load()
			if err != nil {
				return err
			}
			log, err := m.logger(g)
			if err != nil {
				return err
			}
			st, err := app.Open(cmd.Context(), cfg, app.Options{Logger: log})
			if err != nil {
				return err
			}
			defer st.Close()
			a, err := reach.Checker{Tenant: cfg.Tenant, Policy: p, Directory: st.Graph, Accounts: st.Engine}.Check(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			v := a.Verdict
			verdict := "BLOCKED"
			if v.Allowed {
				verdict = "allowed"
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%s (%s) → %s (%s): %s\n", args[0], a.From.SegmentsText(), args[1], a.To.SegmentsText(), verdict)
			fmt.Fprintf(out, "decided by: %s\n%s\n", v.Decider, v.Reason)
			fmt.Fprintln(out, barriers.EffectiveNotice)
			return nil
		},
	})
	return c
}
