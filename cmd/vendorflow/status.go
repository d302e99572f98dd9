package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/vendorflow/vendorflow/pkg/app"
)

func (m *Main) statusCommand(g *globals) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "status REQUEST_ID",
		Short: "Show a request and its steps from the journal",
		Long: `status reads a request and its steps from the configured journal: the
embedded SQLite file (journal.path), or the Table Storage journal that every
instance in Azure shares (VENDORFLOW_JOURNAL_TABLE_ENDPOINT with the app's
identity, or VENDORFLOW_JOURNAL_TABLE_CONNECTION_STRING).`,
		Example: `  vendorflow status req-42
  VENDORFLOW_JOURNAL_TABLE_ENDPOINT=https://contosovf.table.core.windows.net \
    VENDORFLOW_MANAGED_IDENTITY=true vendorflow status req-42 --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := m.loadConfig(g)
			if err != nil {
				return err
			}
			j, err := app.OpenJournalReadOnly(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer j.Close()
			req, err := j.Request(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			steps, err := j.Steps(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				req.Payload = nil
				return enc.Encode(map[string]any{"request": req, "steps": steps})
			}
			fmt.Fprintf(out, "request %s (%s) %s", req.ID, req.Kind, req.Status)
			if req.UPN != "" {
				fmt.Fprintf(out, " — %s", req.UPN)
			}
			fmt.Fprintln(out)
			if req.Reason != "" {
				fmt.Fprintf(out, "reason: [%s] %s\n", req.ReasonCode, req.Reason)
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "STEP\tSTATUS\tATTEMPTS\tFINISHED\tLAST ERROR")
			for _, s := range steps {
				fin := ""
				if !s.FinishedAt.IsZero() {
					fin = s.FinishedAt.Format("2006-01-02 15:04:05")
				}
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", s.Step, s.Status, s.Attempts, fin, s.Error)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			for _, s := range steps {
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
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return c
}
