package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vendorflow/vendorflow/pkg/app"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/history"
)

func (m *Main) accountsCommand(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "accounts",
		Short: "An account's lifecycle from the journal: history, and an export for auditors",
		Long: `accounts reads the configured journal (SQLite, or the Table Storage journal
every instance in Azure shares); it never calls Graph.`,
	}
	c.AddCommand(m.accountsHistory(g), m.accountsExport(g))
	return c
}

func (m *Main) accountsHistory(g *globals) *cobra.Command {
	var output string
	c := &cobra.Command{
		Use:   "history UPN",
		Short: "Every request that touched an account, with its steps, times and outcomes",
		Long: `history lists, oldest first, every request the journal holds for the
account (onboards, contract changes, offboards, expiry offboards, drift
repairs), each followed by its steps: when, status, who asked for it (the
sponsor of an onboard, the expiry sweep, reconcile) and what changed or why it
stopped.`,
		Example: `  vendorflow accounts history Vendor1_A_SA@ABC.com
  vendorflow accounts history Vendor1_A_SA@ABC.com -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if output != "table" && output != "json" {
				return fmt.Errorf("-o must be table or json, not %q", output)
			}
			events, err := m.events(cmd, g, history.Filter{UPN: args[0]})
			if err != nil {
				return err
			}
			if len(events) == 0 {
				return &exitError{code: domain.OutcomeOf(domain.NotFound).ExitCode, err: fmt.Errorf("the journal holds no request for %s", args[0])}
			}
			if output == "json" {
				return writeJSON(cmd.OutOrStdout(), events)
			}
			return writeEvents(cmd.OutOrStdout(), events, false)
		},
	}
	c.Flags().StringVarP(&output, "output", "o", "table", "table or json")
	return c
}

func (m *Main) accountsExport(g *globals) *cobra.Command {
	var output, since, until string
	c := &cobra.Command{
		Use:   "export",
		Short: "Every lifecycle event of every account in a date range (JSON or CSV)",
		Long: `export writes every lifecycle event of every account whose requests were
created in [--since, --until): who requested it (the sponsor of an onboard,
the expiry sweep, reconcile), when, what changed (contract old end → new end)
and why a request stopped. CSV has a header row; a cell a spreadsheet would
read as a formula is prefixed with an apostrophe. Dates are YYYY-MM-DD (UTC)
or RFC 3339.`,
		Example: `  vendorflow accounts export --since 2026-01-01 --until 2027-01-01 -o csv > audit.csv
  vendorflow accounts export --since 2026-11-01 -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "json" && output != "csv" && output != "table" {
				return fmt.Errorf("-o must be json, csv or table, not %q", output)
			}
			var f history.Filter
			var err error
			if f.Since, err = parseDay("--since", since); err != nil {
				return err
			}
			if f.Until, err = parseDay("--until", until); err != nil {
				return err
			}
			if !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since) {
				return fmt.Errorf("--until %s is not after --since %s", until, since)
			}
			events, err := m.events(cmd, g, f)
			if err != nil {
				return err
			}
			switch output {
			case "csv":
				return history.WriteCSV(cmd.OutOrStdout(), events)
			case "table":
				return writeEvents(cmd.OutOrStdout(), events, true)
			}
			return writeJSON(cmd.OutOrStdout(), events)
		},
	}
	c.Flags().StringVar(&since, "since", "", "first day (YYYY-MM-DD, UTC) or instant (RFC 3339); default: the beginning")
	c.Flags().StringVar(&until, "until", "", "end, exclusive (YYYY-MM-DD, UTC) or RFC 3339; default: now")
	c.Flags().StringVarP(&output, "output", "o", "json", "json, csv or table")
	return c
}

func (m *Main) events(cmd *cobra.Command, g *globals, f history.Filter) ([]history.Event, error) {
	cfg, err := m.loadConfig(g)
	if err != nil {
		return nil, err
	}
	j, err := app.OpenJournalReadOnly(cmd.Context(), cfg)
	if err != nil {
		return nil, err
	}
	defer j.Close()
	return history.Events(cmd.Context(), j, f)
}

// parseDay reads a date (midnight UTC) or an RFC 3339 instant; "" is zero.
func parseDay(flag, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q: want YYYY-MM-DD or an RFC 3339 time", flag, s)
	}
	return t.UTC(), nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func writeEvents(w io.Writer, events []history.Event, withUPN bool) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if withUPN {
		fmt.Fprintln(tw, "AT\tACCOUNT\tREQUEST\tEVENT\tSTATUS\tREQUESTED BY\tDETAIL")
	} else {
		fmt.Fprintln(tw, "AT\tREQUEST\tEVENT\tSTATUS\tREQUESTED BY\tDETAIL")
	}
	for _, e := range events {
		ev := "  " + e.Event
		if e.Event == "request" {
			ev = e.Kind
		}
		at := e.At.UTC().Format("2006-01-02 15:04:05")
		if withUPN {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", at, e.UPN, e.RequestID, ev, e.Status, e.RequestedBy, e.Detail)
		} else {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", at, e.RequestID, ev, e.Status, e.RequestedBy, e.Detail)
		}
	}
	return tw.Flush()
}
