package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/vendorflow/vendorflow/pkg/app"
	"github.com/vendorflow/vendorflow/pkg/barriers"
	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/reach"
)

func (m *Main) barriersCommand(g *globals) *cobra.Command {
	var policyPath string
	load := policyLoader(func() (config.Config, barriers.Policy, error) {
		cfg, err := m.loadConfig(g)
		if err != nil {
			return config.Config{}, barriers.Policy{}, err
		}
		var file io.Reader
		if policyPath != "" {
			f, err := os.Open(policyPath)
			if err != nil {
				return cfg, barriers.Policy{}, domain.Errorf(domain.Invalid, "--policy: %w", err)
			}
			defer f.Close()
			file = f
		}
		p, err := reach.Policy(cfg.Tenant, file)
		if err != nil && policyPath != "" {
			err = domain.Errorf(domain.Invalid, "--policy %s: %w", policyPath, err)
		}
		return cfg, p, err
	})
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
		Example: `  vendorflow barriers validate --policy barriers.yaml
  vendorflow barriers script > barriers.ps1
  vendorflow barriers check Vendor1_A@Vendor1.com Vendor1_A@Vendor2.com`,
	}
	c.PersistentFlags().StringVar(&policyPath, "policy", "", "policy file (YAML or JSON); default: the vendor-isolation preset")
	c.AddCommand(m.barriersValidate(load), m.barriersPlan(load), m.barriersScript(load), m.barriersMatrix(load), m.barriersCheck(g, load))
	return c
}

// policyLoader loads the configuration and the policy --policy names.
type policyLoader func() (config.Config, barriers.Policy, error)

// policySummary is what validate reports: the policy is valid (else it
// exits 2 naming every problem), with its warnings.
type policySummary struct {
	Valid    bool               `json:"valid"`
	Mode     barriers.Mode      `json:"mode"`
	Segments int                `json:"segments"`
	Policies int                `json:"policies"`
	Findings []barriers.Finding `json:"findings"`
}

func (m *Main) barriersValidate(load policyLoader) *cobra.Command {
	c := &cobra.Command{
		Use:   "validate",
		Short: "Check the policy against the platform's rules",
		Long: `validate checks the policy against the platform's rules (segment and policy
counts, one policy per segment, filters on supported attributes, vendor
isolation). A policy with errors exits 2 naming each; warnings are printed
and do not fail.`,
		Example: `  vendorflow barriers validate
  vendorflow barriers validate --policy barriers.yaml -o json`,
		Args: cobra.NoArgs,
	}
	o := outputFlag(c)
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		_, p, err := load()
		if err != nil {
			return err
		}
		sum := policySummary{Valid: true, Mode: p.Mode, Segments: len(p.Segments), Policies: len(p.Policies), Findings: nonNil(p.Findings())}
		return o.write(cmd.OutOrStdout(), sum, func(w io.Writer) error {
			for _, f := range sum.Findings {
				fmt.Fprintln(w, f)
			}
			_, err := fmt.Fprintf(w, "policy is valid: %d segments, %d policies, mode %s\n", sum.Segments, sum.Policies, sum.Mode)
			return err
		})
	}
	return c
}

func (m *Main) barriersPlan(load policyLoader) *cobra.Command {
	c := &cobra.Command{
		Use:   "plan",
		Short: "Say in plain language what the script will create or update",
		Example: `  vendorflow barriers plan
  vendorflow barriers plan --policy barriers.yaml -o json`,
		Args: cobra.NoArgs,
	}
	o := outputFlag(c)
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		_, p, err := load()
		if err != nil {
			return err
		}
		lines := nonNil(barriers.Plan(p))
		return o.write(cmd.OutOrStdout(), lines, func(w io.Writer) error {
			for _, l := range lines {
				if _, err := fmt.Fprintln(w, l); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return c
}

// barriersScript prints PowerShell: a script, not a report, so it has no -o.
func (m *Main) barriersScript(load policyLoader) *cobra.Command {
	return &cobra.Command{
		Use:   "script",
		Short: "Print the Security & Compliance PowerShell script (re-runnable, byte-stable)",
		Example: `  vendorflow barriers script > barriers.ps1
  vendorflow barriers script --policy barriers.yaml > barriers.ps1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, p, err := load()
			if err != nil {
				return err
			}
			_, err = fmt.Fprint(cmd.OutOrStdout(), barriers.PowerShell(p))
			return err
		},
	}
}

func (m *Main) barriersMatrix(load policyLoader) *cobra.Command {
	c := &cobra.Command{
		Use:   "matrix",
		Short: "Print which segments may communicate",
		Long: `matrix evaluates every pair of segments, and users in no segment, under the
policy. In JSON, "" in segments stands for users in no segment, and
cells[i][j] is the verdict for segments[i] reaching segments[j].`,
		Example: `  vendorflow barriers matrix
  vendorflow barriers matrix -o json | jq '.cells[0][1].allowed'`,
		Args: cobra.NoArgs,
	}
	o := outputFlag(c)
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		_, p, err := load()
		if err != nil {
			return err
		}
		mx := p.Matrix()
		return o.write(cmd.OutOrStdout(), mx, func(w io.Writer) error {
			_, err := fmt.Fprint(w, mx.String())
			return err
		})
	}
	return c
}

// reachAnswer is what check reports: who, their segments, and the verdict.
type reachAnswer struct {
	From         string   `json:"from"`
	FromSegments []string `json:"fromSegments"`
	To           string   `json:"to"`
	ToSegments   []string `json:"toSegments"`
	barriers.Verdict
	Notice string `json:"notice"`
}

func (m *Main) barriersCheck(g *globals, load policyLoader) *cobra.Command {
	c := &cobra.Command{
		Use:   "check A B",
		Short: "Can A reach B? A and B are UPNs in the tenant or vendors' external emails",
		Long: `check looks both people up in the directory (the configured tenant or the
emulator named by graph.baseUrl), works out their segments from their attributes,
and answers allowed or blocked with the policy that decides it.`,
		Example: `  vendorflow barriers check Vendor1_A@Vendor1.com Vendor1_A@Vendor2.com
  vendorflow barriers check Vendor1_A_SA@ABC.com ava.expert@ABC.com -o json`,
		Args: cobra.ExactArgs(2),
	}
	o := outputFlag(c)
	c.RunE = func(cmd *cobra.Command, args []string) error {
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
		r := reachAnswer{From: args[0], FromSegments: nonNil(a.From.Segments), To: args[1], ToSegments: nonNil(a.To.Segments),
			Verdict: a.Verdict, Notice: barriers.EffectiveNotice}
		return o.write(cmd.OutOrStdout(), r, func(out io.Writer) error {
			verdict := "BLOCKED"
			if r.Allowed {
				verdict = "allowed"
			}
			fmt.Fprintf(out, "%s (%s) → %s (%s): %s\n", r.From, a.From.SegmentsText(), r.To, a.To.SegmentsText(), verdict)
			_, err := fmt.Fprintf(out, "decided by: %s\n%s\n%s\n", r.Decider, r.Reason, r.Notice)
			return err
		})
	}
	return c
}
