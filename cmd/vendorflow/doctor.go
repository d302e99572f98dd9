package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vendorflow/vendorflow/pkg/app"
	"github.com/vendorflow/vendorflow/pkg/doctor"
	"github.com/vendorflow/vendorflow/pkg/domain"
)

// doctorFailedExit is the exit code when a check failed: the code of a
// business refusal (domain.OutcomeOf), as a request refused by the tenant
// would get.
var doctorFailedExit = domain.OutcomeOf(domain.Business).ExitCode

func (m *Main) doctorCommand(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "doctor",
		Short: "Read-only preflight: could a first request succeed against the configured tenant and Azure resources?",
		Long: `doctor checks, without changing anything, what a first real request needs:

  graph-token           a Graph token can be acquired, and its roles claim holds every
                        application permission of docs/permissions.md
  skus                  every configured SKU exists and has a free seat
  sender-mailbox        tenant.sender exists and has a mailbox
  tap-policy-*          the Temporary Access Pass policy is enabled, covers the service
                        accounts (all users or every segment group, none excluded),
                        allows credentials.tapLifetime and allows reusable passes
  segment-groups        every vendors[].segmentGroupId is a group
  attributes            the segment, marker and request attributes are not already used
                        by accounts vendorflow does not manage
  queues                the onboard, offboard and parking queues exist with duplicate
                        detection (Service Bus administration, or the embedded queue)
  journal               the journal is reachable and writable (the Table journal gets
                        one probe row, deleted again)

Each ✗ comes with the exact fix. Without Graph settings (no graph.baseUrl, no
identity) doctor checks an emulator of the demo tenant it starts itself; with
VENDORFLOW_GRAPH_BASE_URL it checks that emulator or tenant.

Exit codes: 0 every check passed; 5 a check failed; 2 the configuration is
invalid; others as for every command. docs/deploy.md explains every ✗.`,
		Example: `  vendorflow doctor
  vendorflow doctor -o json | jq '.checks[] | select(.ok | not)'
  VENDORFLOW_CONFIG=vendorflow.yaml AZURE_TENANT_ID=… AZURE_CLIENT_ID=… AZURE_CLIENT_SECRET=… vendorflow doctor`,
		Args: cobra.NoArgs,
	}
	o := outputFlag(c)
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		cfg, log, err := m.setup(g)
		if err != nil {
			return err
		}
		d, err := app.OpenDoctor(cmd.Context(), cfg, app.DoctorOptions{Logger: log})
		if err != nil {
			return err
		}
		defer d.Close()
		r := doctor.Run(cmd.Context(), d.Deps)
		if err := o.write(cmd.OutOrStdout(), r, func(w io.Writer) error { return writeDoctor(w, d.Deps, r) }); err != nil {
			return err
		}
		if !r.OK {
			return &exitError{code: doctorFailedExit, err: fmt.Errorf("doctor: %d of %d checks failed", r.Failed, len(r.Checks))}
		}
		return nil
	}
	return c
}

// writeDoctor prints the checklist: ✓ or ✗ per check, what was found, and
// for each ✗ the fix.
func writeDoctor(w io.Writer, d doctor.Deps, r doctor.Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "vendorflow doctor: tenant %s\n  graph:   %s\n  queues:  %s\n  journal: %s\n\n", d.Tenant.Domain, d.GraphWhere, d.QueuesWhere, d.JournalWhere)
	for _, c := range r.Checks {
		mark := "✓"
		if !c.OK {
			mark = "✗"
		}
		fmt.Fprintf(&b, "%s %s [%s]\n    %s\n", mark, c.Title, c.ID, c.Detail)
		if !c.OK {
			fmt.Fprintf(&b, "    fix: %s\n", c.Fix)
		}
	}
	fmt.Fprintf(&b, "\n%d of %d checks passed.\n", len(r.Checks)-r.Failed, len(r.Checks))
	_, err := io.WriteString(w, b.String())
	return err
}
