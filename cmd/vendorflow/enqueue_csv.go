package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"unicode"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/vendorflow/vendorflow/pkg/app"
	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/plan"
	"github.com/vendorflow/vendorflow/pkg/producer"
	"github.com/vendorflow/vendorflow/pkg/roster"
)

// Progress modes of --progress.
const (
	progressAuto  = "auto"
	progressBar   = "bar"
	progressLines = "lines"
	progressNone  = "none"
)

// rosterFlags are enqueue's flags for a roster.
type rosterFlags struct {
	csv         string
	skipInvalid bool
	progress    string
	plan        bool
}

func (f *rosterFlags) register(c *cobra.Command) {
	c.Flags().StringVar(&f.csv, "csv", "", `a CSV roster of people to onboard ("-": stdin); columns in docs/roster.md`)
	c.Flags().BoolVar(&f.skipInvalid, "skip-invalid", false, "with --csv: send the valid rows even when others are invalid (they are reported; exit code 0)")
	c.Flags().StringVar(&f.progress, "progress", progressAuto, "with --csv: auto (a bar on a terminal, else lines), bar, lines or none; on stderr")
	c.Flags().BoolVar(&f.plan, "plan", false, "with --csv: send nothing; plan the valid rows against the configured tenant instead (as `vendorflow plan`, seats counted down the roster)")
}

// enqueueRoster validates a roster and sends its valid rows.
func (m *Main) enqueueRoster(cmd *cobra.Command, g *globals, f rosterFlags, out *output) error {
	ctx := cmd.Context()
	prog, err := m.rosterProgress(f.progress)
	if err != nil {
		return err
	}
	cfg, log, err := m.setup(g)
	if err != nil {
		return err
	}
	b, err := producer.NewBuilder(cfg.Tenant, nil)
	if err != nil {
		return err
	}
	ro, err := readRoster(cmd.InOrStdin(), f.csv, b)
	if err != nil {
		return err
	}
	if f.plan {
		return m.planRoster(cmd, cfg, log, f, out, ro)
	}
	if bad := len(ro.Invalid()); bad > 0 && !f.skipInvalid {
		// all or nothing: the queue and the journal are not even opened
		rep := ro.Report()
		if err := writeRosterReport(cmd.OutOrStdout(), out, f.csv, "", rep); err != nil {
			return err
		}
		return domain.Errorf(domain.Invalid, "%s: %d of %d rows are invalid; nothing was sent (fix them, or pass --skip-invalid to send the %d valid rows)",
			f.csv, bad, len(ro.Rows), rep.Summary.Valid)
	}
	known, closeJournal, err := openKnown(cmd, cfg)
	if err != nil {
		return err
	}
	defer closeJournal()
	p, err := producer.Open(ctx, producer.Config{Config: cfg, Logger: log})
	if err != nil {
		return err
	}
	defer p.Close()
	rep, sendErr := ro.Enqueue(ctx, p, roster.Options{SkipInvalid: f.skipInvalid, Journal: known, Progress: prog})
	if err := writeRosterReport(cmd.OutOrStdout(), out, f.csv, p.Where(), rep); err != nil {
		return errors.Join(sendErr, err)
	}
	if sendErr != nil {
		return fmt.Errorf("%s: %w (running the same roster again sends only what was not sent)", f.csv, sendErr)
	}
	return nil
}

// rosterPlan is the -o json report of enqueue --csv --plan: the rows that
// were not planned (invalid ones, with their reasons) and the plan of the
// others.
type rosterPlan struct {
	Roster  string          `json:"roster"`
	Invalid []roster.Result `json:"invalid"`
	Plan    plan.Report     `json:"plan"`
}

// planRoster plans the roster's valid rows in file order, with one shared
// overlay so that seats and names accumulate down the roster, and sends
// nothing. Invalid rows are reported as enqueue reports them; without
// --skip-invalid they make the exit code 2, as they would stop the send.
func (m *Main) planRoster(cmd *cobra.Command, cfg config.Config, log *slog.Logger, f rosterFlags, out *output, ro *roster.Roster) error {
	if cmd.Flags().Changed("progress") {
		return domain.Errorf(domain.Invalid, "--progress goes with sending; --plan sends nothing")
	}
	var in []plan.Input
	for _, row := range ro.Valid() {
		in = append(in, plan.Input{Kind: domain.KindOnboard, Body: row.Message.Body, Label: fmt.Sprintf("line %d", row.Line)})
	}
	var rep plan.Report // no valid row: nothing to plan, no tenant to read
	if len(in) > 0 {
		p, err := app.OpenPlanner(cmd.Context(), cfg, app.PlannerOptions{Logger: log})
		if err != nil {
			return err
		}
		defer p.Close()
		if rep, err = p.Plan(cmd.Context(), in); err != nil {
			return err
		}
	}
	invalid := []roster.Result{}
	for _, r := range ro.Report().Rows {
		if r.Outcome == roster.OutcomeInvalid {
			invalid = append(invalid, r)
		}
	}
	err := out.write(cmd.OutOrStdout(), rosterPlan{Roster: f.csv, Invalid: invalid, Plan: rep}, func(w io.Writer) error {
		if len(invalid) > 0 {
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "LINE\tEMAIL\tVENDOR\tNOT PLANNED: INVALID")
			for _, r := range invalid {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", r.Line, orDash(printable(r.Email)), orDash(printable(r.Vendor)), printable(r.Reason))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintln(w)
		}
		if err := rep.WriteTable(w, false); err != nil {
			return err
		}
		_, err := fmt.Fprintf(w, "\n%s: %d valid rows planned, %d invalid rows not planned; nothing was sent.\n", f.csv, len(in), len(invalid))
		return err
	})
	if err != nil {
		return err
	}
	if len(invalid) > 0 && !f.skipInvalid {
		return domain.Errorf(domain.Invalid, "%s: %d of %d rows are invalid; enqueue would send nothing (fix them, or pass --skip-invalid to plan and send the %d valid rows)",
			f.csv, len(invalid), len(ro.Rows), len(in))
	}
	if code := rep.ExitCode(); code != 0 {
		return &exitError{code: code, err: fmt.Errorf("%s: %d of %d planned requests would not reach done", f.csv, rep.Totals.WouldFail, rep.Totals.Requests)}
	}
	return nil
}

// readRoster reads and validates the roster at path ("-": stdin) with b,
// without sending anything: the valid rows, with their lines and requests,
// are ro.Valid().
func readRoster(stdin io.Reader, path string, b *producer.Builder) (*roster.Roster, error) {
	r := stdin
	if path != "-" {
		f, err := os.Open(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, domain.Errorf(domain.NotFound, "--csv %s: no such file", path)
		}
		if err != nil {
			return nil, fmt.Errorf("--csv %s: %w", path, err)
		}
		defer f.Close()
		r = f
	}
	ro, err := roster.Read(r, b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ro, nil
}

// openKnown opens the configured journal read-only, so that requests it
// knows are not sent again. A journal that does not exist yet knows none.
func openKnown(cmd *cobra.Command, cfg config.Config) (roster.Known, func(), error) {
	j, err := app.OpenJournalReadOnly(cmd.Context(), cfg)
	if domain.ErrorCode(err) == domain.NotFound {
		return nil, func() {}, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("the journal, asked which requests it already has: %w", err)
	}
	return j, func() { j.Close() }, nil
}

// rosterProgress is the --progress reporter on stderr (nil: none).
func (m *Main) rosterProgress(mode string) (roster.Progress, error) {
	switch mode {
	case progressAuto:
		if isTerminal(m.Stderr) {
			return roster.NewBar(m.Stderr), nil
		}
		return roster.NewLines(m.Stderr, nil), nil
	case progressBar:
		return roster.NewBar(m.Stderr), nil
	case progressLines:
		return roster.NewLines(m.Stderr, nil), nil
	case progressNone:
		return nil, nil
	}
	return nil, domain.Errorf(domain.Invalid, "--progress must be auto, bar, lines or none, not %q", mode)
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// rosterView is the -o json report.
type rosterView struct {
	Roster string `json:"roster"`
	// Where is the queue file or Service Bus namespace; empty when nothing
	// was opened.
	Where string `json:"where,omitempty"`
	roster.Report
}

// writeRosterReport prints every row and the summary.
func writeRosterReport(w io.Writer, out *output, path, where string, rep roster.Report) error {
	return out.write(w, rosterView{Roster: path, Where: where, Report: rep}, func(w io.Writer) error {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "LINE\tREQUEST ID\tEMAIL\tVENDOR\tOUTCOME\tREASON")
		for _, r := range rep.Rows {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", r.Line, orDash(r.RequestID), orDash(printable(r.Email)), orDash(printable(r.Vendor)), r.Outcome, printable(r.Reason))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		_, err := fmt.Fprintln(w, rosterSummary(rep.Summary))
		return err
	})
}

// rosterSummary is the report's last line: "190 sent, 10 invalid
// (skipped), 0 already known".
func rosterSummary(s roster.Summary) string {
	invalid := fmt.Sprintf("%d invalid", s.Invalid)
	switch {
	case s.SkippedInvalid:
		invalid += " (skipped)"
	case s.Invalid > 0:
		invalid += " (nothing sent)"
	}
	parts := []string{fmt.Sprintf("%d sent", s.Sent), invalid, fmt.Sprintf("%d already known", s.Known)}
	for _, p := range []struct {
		n    int
		what string
	}{
		{s.Duplicates, "dropped by the queue as duplicates"},
		{s.Repeats, "repeated rows"},
		{s.Valid, "valid, not sent"},
		{s.NotSent, "perhaps not sent (the send failed)"},
		{s.Conflicts, "not sent: their requestId has other content in the journal"},
	} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.what))
		}
	}
	return strings.Join(parts, ", ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// printable replaces control characters (a tab or line break in a quoted
// CSV field) so that each row stays one line of the table.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}
