package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vendorflow/vendorflow/pkg/app"
	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/ops"
)

func (m *Main) statusCommand(g *globals) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "status REQUEST_ID",
		Short: "Show a request and its steps from the journal (the same as requests show)",
		Long: `status prints a request and its steps from the configured journal; it is
` + "`vendorflow requests show REQUEST_ID`" + ` under its first name.

` + journalHelp,
		Example: `  vendorflow status req-42
  VENDORFLOW_JOURNAL_TABLE_ENDPOINT=https://contosovf.table.core.windows.net \
    VENDORFLOW_MANAGED_IDENTITY=true vendorflow status req-42 -o json`,
		Args: cobra.ExactArgs(1),
	}
	o := outputFlag(c)
	// --json was status's switch before -o existed; it stays for scripts
	// that use it, hidden from --help.
	c.Flags().BoolVar(&asJSON, "json", false, "deprecated: use -o json")
	c.Flags().Lookup("json").Hidden = true
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if asJSON {
			if cmd.Flags().Changed("output") && !o.json() {
				return domain.Errorf(domain.Invalid, "--json and -o %s contradict each other; give -o json alone", o.format)
			}
			// stderr: stdout holds the JSON document alone
			fmt.Fprintln(cmd.ErrOrStderr(), "vendorflow: --json is deprecated; use -o json")
			o.format = formatJSON
		}
		return m.showRequest(cmd, g, args[0], o)
	}
	return c
}

// showRequest prints one request and its steps (status, requests show).
func (m *Main) showRequest(cmd *cobra.Command, g *globals, id string, o *output) error {
	return m.withJournal(cmd.Context(), g, func(_ config.Config, j app.Journal) error {
		d, err := ops.Request(cmd.Context(), j, id)
		if err != nil {
			return err
		}
		return o.write(cmd.OutOrStdout(), d, func(w io.Writer) error { return writeRequestDetail(w, d) })
	})
}

// writeRequestDetail prints a request, its steps, and what the steps
// changed that a person should know.
func writeRequestDetail(out io.Writer, d ops.RequestDetail) error {
	r := d.Request
	fmt.Fprintf(out, "request %s (%s) %s", r.ID, r.Kind, r.Status)
	if r.UPN != "" {
		fmt.Fprintf(out, " — %s", r.UPN)
	}
	fmt.Fprintln(out)
	fmt.Fprintf(out, "vendor %s, person %s; created %s, updated %s; %d attempt(s)\n",
		dash(r.Vendor), dash(r.Email), formatTime(r.CreatedAt), formatTime(r.UpdatedAt), r.Attempts)
	if r.Reason != "" {
		fmt.Fprintf(out, "reason: [%s] %s\n", r.ReasonCode, r.Reason)
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STEP\tSTATUS\tATTEMPTS\tFINISHED\tLAST ERROR")
	for _, s := range d.Steps {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", s.Step, s.Status, s.Attempts, formatTime(s.FinishedAt), s.Error)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range d.Steps {
		if note := s.Outputs["barrier"]; note != "" {
			fmt.Fprintf(out, "%s: %s\n", s.Step, note)
		}
		if c := s.Outputs["contractChange"]; c != "" {
			fmt.Fprintf(out, "%s: contract %s: ends %s → %s\n", s.Step, c, s.Outputs["previousEnd"], s.Outputs["contractEnd"])
		}
		if s.Outputs["credentialKept"] == "true" {
			fmt.Fprintf(out, "%s: no new credential: the person keeps the one they have (reissueCredential asks for a new one)\n", s.Step)
		}
	}
	return nil
}

// formatTime prints an instant for a table: UTC, to the second; "" for
// the zero time.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}
