package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/vendorflow/vendorflow/pkg/app"
	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/ops"
)

// journalHelp says which journal the reading commands read.
const journalHelp = `It reads the configured journal and never writes it: the SQLite file at
journal.path (VENDORFLOW_JOURNAL_PATH), or the Table Storage journal that
every instance in Azure shares (VENDORFLOW_JOURNAL_TABLE_ENDPOINT with the
app's identity, or VENDORFLOW_JOURNAL_TABLE_CONNECTION_STRING).`

func (m *Main) requestsCommand(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "requests",
		Short: "The requests in the journal: list them, show one with its steps",
		Long: `requests lists the onboard, offboard and reconcile requests the journal
holds, newest first, and shows one with its steps.

` + journalHelp,
		Example: `  vendorflow requests list --state parked
  vendorflow requests show po-4711-ada`,
	}
	c.AddCommand(m.requestsList(g), m.requestsShow(g))
	return c
}

func (m *Main) requestsList(g *globals) *cobra.Command {
	var (
		state, since string
		f            ops.RequestFilter
	)
	c := &cobra.Command{
		Use:   "list",
		Args:  cobra.NoArgs,
		Short: "List requests, newest first, by state, vendor, kind and age",
		Long: `list prints one line per request, newest first: its id, kind, vendor, the
account (or, before the account is known, the person's email), status,
attempts, when it was created and why it stopped.

--state is one of ` + joinList(ops.RequestStates()) + `.
--kind is one of ` + joinList(ops.RequestKinds()) + `.
--since is a date (YYYY-MM-DD, UTC), an RFC 3339 time, or a span back from
now such as 36h or 7d.

` + journalHelp,
		Example: `  vendorflow requests list --state parked
  vendorflow requests list --vendor Vendor1 --since 7d
  vendorflow requests list --kind offboard --since 2026-12-01 -o json`,
	}
	c.Flags().StringVar(&state, "state", "", "only requests in this state: "+joinList(ops.RequestStates()))
	c.Flags().StringVar(&f.Vendor, "vendor", "", "only requests of this vendor (any letter case)")
	c.Flags().StringVar(&f.Kind, "kind", "", "only requests of this kind: "+joinList(ops.RequestKinds()))
	c.Flags().StringVar(&since, "since", "", "only requests created since: YYYY-MM-DD, RFC 3339, or a span back from now (36h, 7d)")
	c.Flags().IntVar(&f.Limit, "limit", ops.DefaultLimit, fmt.Sprintf("show at most this many (1 to %d)", ops.MaxLimit))
	o := outputFlag(c)
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		f.Status = domain.RequestStatus(state)
		var err error
		if f.Since, err = ops.ParseTime(since, m.Clock.Now()); err != nil {
			return domain.Errorf(domain.Invalid, "--since %w", err)
		}
		if f.Limit == 0 {
			return domain.Errorf(domain.Invalid, "--limit must be between 1 and %d, not 0", ops.MaxLimit)
		}
		if err := checkFlags(
			flagCheck{"--state", ops.RequestFilter{Status: f.Status}.Validate()},
			flagCheck{"--kind", ops.RequestFilter{Kind: f.Kind}.Validate()},
			flagCheck{"--limit", ops.RequestFilter{Limit: f.Limit}.Validate()},
		); err != nil {
			return err
		}
		return m.withJournal(cmd.Context(), g, func(cfg config.Config, j app.Journal) error {
			rows, err := ops.Requests(cmd.Context(), j, f)
			if err != nil {
				return err
			}
			return o.write(cmd.OutOrStdout(), rows, func(w io.Writer) error {
				return writeRequestRows(w, rows, f, cfg.Tenant)
			})
		})
	}
	return c
}

// flagCheck is the verdict of a filter's validation on one flag's part of
// it, checked on its own so that a refusal names the flag.
type flagCheck struct {
	flag string
	err  error
}

// checkFlags returns the first refusal, with the flag in front: ops speaks
// of "state", the command's flag is --state.
func checkFlags(checks ...flagCheck) error {
	for _, c := range checks {
		if c.err != nil {
			return domain.Errorf(domain.ErrorCode(c.err), "%s: %s", c.flag, domain.ErrorMessage(c.err))
		}
	}
	return nil
}

// writeRequestRows prints the request list, or says that nothing matched
// and, when the vendor filter names no vendor of the registry, says so.
func writeRequestRows(w io.Writer, rows []ops.RequestRow, f ops.RequestFilter, t domain.Tenant) error {
	if len(rows) == 0 {
		_, err := fmt.Fprintf(w, "no requests in the journal match%s%s\n", describeFilter(
			"state", string(f.Status), "vendor", f.Vendor, "kind", f.Kind, "since", formatTime(f.Since)), unknownVendor(t, f.Vendor))
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REQUEST\tKIND\tVENDOR\tACCOUNT\tSTATUS\tATTEMPTS\tCREATED\tREASON")
	for _, r := range rows {
		who := r.UPN
		if who == "" {
			who = r.Email
		}
		reason := r.Reason
		if r.ReasonCode != "" {
			reason = "[" + string(r.ReasonCode) + "] " + reason
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", r.ID, r.Kind, dash(r.Vendor), dash(who), r.Status, r.Attempts, formatTime(r.CreatedAt), reason)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	limit := f.Limit
	if limit == 0 {
		limit = ops.DefaultLimit
	}
	more := ""
	if len(rows) == limit {
		more = fmt.Sprintf("; the newest %d: --limit shows up to %d", limit, ops.MaxLimit)
	}
	_, err := fmt.Fprintf(w, "%d request(s)%s; `vendorflow requests show ID` prints one with its steps\n", len(rows), more)
	return err
}

func (m *Main) requestsShow(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "show REQUEST_ID",
		Short: "Show a request and its steps (the same as vendorflow status)",
		Long: `show prints a request (its kind, status, vendor, account, attempts and why it
stopped) and each of its steps: status, attempts, when it finished and its
last error, and what a step changed (a contract extension, a barrier note).
` + "`vendorflow status REQUEST_ID`" + ` is the same command.

` + journalHelp,
		Example: `  vendorflow requests show po-4711-ada
  vendorflow requests show po-4711-ada -o json`,
		Args: cobra.ExactArgs(1),
	}
	o := outputFlag(c)
	c.RunE = func(cmd *cobra.Command, args []string) error {
		return m.showRequest(cmd, g, args[0], o)
	}
	return c
}

// withJournal opens the configured journal read-only, runs fn on it and
// closes it.
func (m *Main) withJournal(ctx context.Context, g *globals, fn func(config.Config, app.Journal) error) error {
	cfg, err := m.loadConfig(g)
	if err != nil {
		return err
	}
	j, err := app.OpenJournalReadOnly(ctx, cfg)
	if err != nil {
		return err
	}
	defer j.Close()
	return fn(cfg, j)
}

// describeFilter renders the filters that are set, as " (state parked,
// vendor Vendor1)"; pairs are name, value.
func describeFilter(pairs ...string) string {
	var set []string
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			set = append(set, pairs[i]+" "+pairs[i+1])
		}
	}
	if len(set) == 0 {
		return ""
	}
	return " (" + strings.Join(set, ", ") + ")"
}

// unknownVendor says that vendor is not in the registry, when it is not:
// the likely reason a list by vendor is empty.
func unknownVendor(t domain.Tenant, vendor string) string {
	if vendor == "" {
		return ""
	}
	if _, ok := t.Vendor(vendor); ok {
		return ""
	}
	keys := make([]string, len(t.Vendors))
	for i, v := range t.Vendors {
		keys[i] = v.Key
	}
	return fmt.Sprintf("; the vendor registry has no %s (it has %s)", vendor, strings.Join(keys, ", "))
}

func joinList[S ~string](items []S) string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = string(s)
	}
	return strings.Join(out, ", ")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
