package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/vendorflow/vendorflow/pkg/app"
	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/history"
	"github.com/vendorflow/vendorflow/pkg/ops"
)

func (m *Main) accountsCommand(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "accounts",
		Short: "Accounts from the journal: list them, an account's history, an export for auditors",
		Long: `accounts reads the configured journal (SQLite, or the Table Storage journal
every instance in Azure shares); it never calls Graph.`,
		Example: `  vendorflow accounts list --expiring-within 14d
  vendorflow accounts history Vendor1_A_SA@ABC.com
  vendorflow accounts export --since 2026-01-01 -o csv > audit.csv`,
	}
	c.AddCommand(m.accountsList(g), m.accountsHistory(g), m.accountsExport(g))
	return c
}

func (m *Main) accountsList(g *globals) *cobra.Command {
	var (
		state, within string
		f             ops.AccountFilter
	)
	c := &cobra.Command{
		Use:   "list",
		Short: "List accounts by vendor, state and contracts ending soon",
		Long: `list prints one line per account the journal knows, by UPN: its vendor,
state, when its contract ends (UTC; a contract that ends on a date ends at
the next midnight), and, for an active account, the segment and licences
its vendor's registry entry gives it, and the sponsor who is warned before
the contract ends.

--state is one of ` + joinList(ops.AccountStates()) + `.
--expiring-within keeps the active accounts whose contract ends between now
and then: a span such as 14d, 36h or 1d12h.

` + journalHelp,
		Example: `  vendorflow accounts list --vendor Vendor1
  vendorflow accounts list --expiring-within 14d
  vendorflow accounts list --state offboarded -o json`,
		Args: cobra.NoArgs,
	}
	c.Flags().StringVar(&f.Vendor, "vendor", "", "only accounts of this vendor (any letter case)")
	c.Flags().StringVar(&state, "state", "", "only accounts in this state: "+joinList(ops.AccountStates()))
	c.Flags().StringVar(&within, "expiring-within", "", "only active accounts whose contract ends within this span from now (14d, 36h)")
	o := outputFlag(c)
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		f.State = domain.AccountState(state)
		if within != "" {
			d, err := ops.ParseWindow(within)
			if err != nil {
				return domain.Errorf(domain.Invalid, "--expiring-within %w", err)
			}
			f.ExpiringWithin, f.Now = d, m.Clock.Now()
		}
		if err := checkFlags(
			flagCheck{"--state", ops.AccountFilter{State: f.State}.Validate()},
			flagCheck{"--expiring-within", f.Validate()},
		); err != nil {
			return err
		}
		return m.withJournal(cmd.Context(), g, func(cfg config.Config, j app.Journal) error {
			rows, err := ops.Accounts(cmd.Context(), j, cfg.Tenant, f)
			if err != nil {
				return err
			}
			return o.write(cmd.OutOrStdout(), rows, func(w io.Writer) error {
				return writeAccountRows(w, rows, f, within, cfg.Tenant)
			})
		})
	}
	return c
}

// writeAccountRows prints the account list, or says that nothing matched.
func writeAccountRows(w io.Writer, rows []ops.AccountRow, f ops.AccountFilter, within string, t domain.Tenant) error {
	if len(rows) == 0 {
		_, err := fmt.Fprintf(w, "no accounts in the journal match%s%s\n",
			describeFilter("vendor", f.Vendor, "state", string(f.State), "expiring within", within), unknownVendor(t, f.Vendor))
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	// CONTRACT ENDS is the instant access ends (UTC), as every time in the
	// tables: a contract that ends on a date ends at the next midnight.
	fmt.Fprintln(tw, "UPN\tVENDOR\tSTATE\tCONTRACT ENDS\tSEGMENT\tLICENCES\tSPONSOR")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.UPN, dash(r.Vendor), r.State, dash(formatTime(r.ContractEnd)), dash(r.Segment),
			dash(strings.Join(r.Licences, ", ")), dash(r.Sponsor))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d account(s); `vendorflow accounts history UPN` prints what happened to one\n", len(rows))
	return err
}

func (m *Main) accountsHistory(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "history UPN",
		Short: "Every request that touched an account, with its steps, times and outcomes",
		Long: `history lists, oldest first, every request the journal holds for the
account (onboards, contract changes, offboards, expiry offboards, drift
repairs), each followed by its steps: when, status, who asked for it (the
sponsor of an onboard, the expiry sweep, reconcile) and what changed or why it
stopped. An account the journal holds no request for is not found (exit 4).`,
		Example: `  vendorflow accounts history Vendor1_A_SA@ABC.com
  vendorflow accounts history Vendor1_A_SA@ABC.com -o json`,
		Args: cobra.ExactArgs(1),
	}
	o := outputFlag(c)
	c.RunE = func(cmd *cobra.Command, args []string) error {
		events, err := m.events(cmd, g, history.Filter{UPN: args[0]})
		if err != nil {
			return err
		}
		if len(events) == 0 {
			return domain.Errorf(domain.NotFound, "the journal holds no request for %s (`vendorflow accounts list` lists the accounts it knows)", args[0])
		}
		return o.write(cmd.OutOrStdout(), events, func(w io.Writer) error { return writeEvents(w, events, false) })
	}
	return c
}

func (m *Main) accountsExport(g *globals) *cobra.Command {
	var since, until string
	c := &cobra.Command{
		Use:   "export",
		Short: "Every lifecycle event of every account in a date range (JSON, CSV or a table)",
		Long: `export writes every lifecycle event of every account whose requests were
created in [--since, --until): who requested it (the sponsor of an onboard,
the expiry sweep, reconcile), when, what changed (contract old end → new end)
and why a request stopped. CSV has a header row; a cell a spreadsheet would
read as a formula is prefixed with an apostrophe. --since and --until are a
date (YYYY-MM-DD, UTC), an RFC 3339 time, or a span back from now (7d).`,
		Example: `  vendorflow accounts export --since 2026-01-01 --until 2027-01-01 -o csv > audit.csv
  vendorflow accounts export --since 30d -o json`,
		Args: cobra.NoArgs,
	}
	c.Flags().StringVar(&since, "since", "", "first instant: YYYY-MM-DD (UTC), RFC 3339, or a span back from now (7d); default: the beginning")
	c.Flags().StringVar(&until, "until", "", "end, exclusive: YYYY-MM-DD (UTC), RFC 3339, or a span back from now; default: now")
	o := outputFlag(c, formatJSON, "csv", formatTable)
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		now := m.Clock.Now()
		var f history.Filter
		var err error
		if f.Since, err = ops.ParseTime(since, now); err != nil {
			return domain.Errorf(domain.Invalid, "--since %w", err)
		}
		if f.Until, err = ops.ParseTime(until, now); err != nil {
			return domain.Errorf(domain.Invalid, "--until %w", err)
		}
		if !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since) {
			return domain.Errorf(domain.Invalid, "--until %s is not after --since %s", until, since)
		}
		events, err := m.events(cmd, g, f)
		if err != nil {
			return err
		}
		if o.format == "csv" {
			return history.WriteCSV(cmd.OutOrStdout(), events)
		}
		return o.write(cmd.OutOrStdout(), events, func(w io.Writer) error { return writeEvents(w, events, true) })
	}
	return c
}

// events reads the history f selects from the configured journal.
func (m *Main) events(cmd *cobra.Command, g *globals, f history.Filter) ([]history.Event, error) {
	var events []history.Event
	err := m.withJournal(cmd.Context(), g, func(_ config.Config, j app.Journal) error {
		var err error
		events, err = history.Events(cmd.Context(), j, f)
		return err
	})
	return events, err
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
