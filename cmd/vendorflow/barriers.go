package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vendorflow/vendorflow/pkg/app"
	"github.com/vendorflow/vendorflow/pkg/barriers"
	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/domain"
)

func (m *Main) barriersCommand(g *globals) *cobra.Command {
	var policyPath string
	load := policyLoader(func() (config.Config, barriers.Policy, error) {
		cfg, err := m.loadConfig(g)
		if err != nil {
			return config.Config{}, barriers.Policy{}, err
		}
		p := barriers.DefaultPolicy()
		if policyPath != "" {
			f, err := os.Open(policyPath)
			if err != nil {
				return cfg, p, domain.Errorf(domain.Invalid, "--policy: %w", err)
			}
			defer f.Close()
			if p, err = barriers.Read(f); err != nil {
				return cfg, p, domain.Errorf(domain.Invalid, "--policy %s: %w", policyPath, err)
			}
		}
		p, err = p.Resolve(cfg.Tenant)
		if err != nil {
			return cfg, p, err
		}
		return cfg, p, p.Validate()
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

// reach is what check reports: who, their segments, and the verdict.
type reach struct {
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
		var segs [2][]string
		for i, who := range args {
			if segs[i], err = segmentsOf(cmd.Context(), st, p, who); err != nil {
				return err
			}
		}
		r := reach{From: args[0], FromSegments: nonNil(segs[0]), To: args[1], ToSegments: nonNil(segs[1]),
			Verdict: p.CheckUsers(segs[0], segs[1]), Notice: barriers.EffectiveNotice}
		return o.write(cmd.OutOrStdout(), r, func(out io.Writer) error {
			verdict := "BLOCKED"
			if r.Allowed {
				verdict = "allowed"
			}
			fmt.Fprintf(out, "%s (%s) → %s (%s): %s\n", r.From, orNone(r.FromSegments), r.To, orNone(r.ToSegments), verdict)
			_, err := fmt.Fprintf(out, "decided by: %s\n%s\n%s\n", r.Decider, r.Reason, r.Notice)
			return err
		})
	}
	return c
}

// segmentsOf resolves a UPN or an external email to the user's segments.
func segmentsOf(ctx context.Context, st *app.Stack, p barriers.Policy, who string) ([]string, error) {
	t := st.Config.Tenant
	var u domain.User
	if _, err := domain.ParseUPN(who, t.Domain); err == nil {
		if u, err = st.Graph.FindUser(ctx, who); err != nil {
			return nil, fmt.Errorf("%s: %w", who, err)
		}
	} else {
		email, perr := domain.ParseEmail(who)
		if perr != nil {
			return nil, domain.Errorf(domain.Invalid, "%q is neither a UPN in %s nor an email address", who, t.Domain)
		}
		v, ok := vendorForEmail(t, email)
		if !ok {
			return nil, domain.Errorf(domain.NotFound, "no vendor allows the domain of %s", email)
		}
		if u, err = st.Engine.AccountOf(ctx, v, email); err != nil {
			return nil, err
		}
	}
	groups, err := st.Graph.MemberOf(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	return barriers.SegmentFor(p, barriers.UserAttributes(u, groups))
}

func vendorForEmail(t domain.Tenant, email string) (domain.Vendor, bool) {
	dom := email[strings.LastIndexByte(email, '@')+1:]
	for _, v := range t.Vendors {
		for _, d := range v.EmailDomains {
			if strings.EqualFold(d, dom) {
				return v, true
			}
		}
	}
	return domain.Vendor{}, false
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "no segment"
	}
	return strings.Join(s, ", ")
}
