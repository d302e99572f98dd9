package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/vendorflow/vendorflow/pkg/app"
	"github.com/vendorflow/vendorflow/pkg/engine"
)

func (m *Main) reconcileCommand(g *globals) *cobra.Command {
	var dryRun bool
	c := &cobra.Command{
		Use:   "reconcile",
		Short: "Compare every account the journal knows with the tenant, and repair drift",
		Long: `reconcile reads every managed account in the tenant (one paged listing) and
every account in the journal, and repairs what was changed by hand:

  active accounts     a removed licence is assigned again (if a seat is free),
                      the segment attribute and segment group are restored,
                      employeeLeaveDateTime is set back to the contract end;
                      an account disabled by hand is reported, not re-enabled
  offboarded accounts an account enabled again is disabled and its sessions
                      revoked; licences and the segment are removed

What is ambiguous is reported and left untouched: an account with a journal
UPN that lacks vendorflow's marker, an account deleted outside vendorflow, a
marked account no request made. Each account is repaired under its lease
(one that a request holds is skipped until the next run), and each repair is
journaled as a request of kind "reconcile" (vendorflow status ID shows it).
--dry-run prints the drift and writes nothing, to the tenant or the journal.

It exits 0 whether it found drift or not; when the tenant or the journal
could not be read, with the code of the failure, as every command does
(` + "`vendorflow --help`" + ` lists them).`,
		Example: `  vendorflow reconcile --dry-run --config vendorflow.yaml
  vendorflow reconcile -o json`,
		Args: cobra.NoArgs,
	}
	c.Flags().BoolVar(&dryRun, "dry-run", false, "print the drift and write nothing")
	o := outputFlag(c)
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		cfg, log, err := m.setup(g)
		if err != nil {
			return err
		}
		st, err := app.Open(cmd.Context(), cfg, app.Options{Logger: log})
		if err != nil {
			return err
		}
		defer st.Close()
		rep, err := st.Engine.Reconcile(cmd.Context(), m.Clock.Now(), dryRun)
		if err != nil {
			return err
		}
		return o.write(cmd.OutOrStdout(), rep, func(out io.Writer) error { return writeReconcile(out, rep, dryRun) })
	}
	return c
}

// writeReconcile prints what reconcile found and did.
func writeReconcile(out io.Writer, rep engine.Reconciliation, dryRun bool) error {
	mode := "repaired"
	if dryRun {
		mode = "dry run: nothing written"
	}
	fmt.Fprintf(out, "%d accounts checked, %d drifts (%s)\n", rep.Checked, len(rep.Drifts), mode)
	if len(rep.Drifts) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tWHAT\tWANT\tHAVE\tACTION")
	for _, d := range rep.Drifts {
		action := d.Repair
		switch {
		case d.Repair == "":
			action = "left: " + d.Report
		case d.Repaired:
			action = "repaired: " + d.Repair
		case dryRun:
			action = "would " + d.Repair
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", d.UPN, d.What, d.Want, d.Have, action)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, id := range rep.Requests {
		fmt.Fprintf(out, "journaled as %s\n", id)
	}
	for _, upn := range rep.Busy {
		fmt.Fprintf(out, "%s was held by a request; the next run looks again\n", upn)
	}
	return nil
}
