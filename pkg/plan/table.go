package plan

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/vendorflow/vendorflow/pkg/barriers"
	"github.com/vendorflow/vendorflow/pkg/domain"
)

// WriteTable writes the report for people. With detail, every request's
// plan in full (steps, attribute changes, seats, segment, reachability,
// credential); without, one line per request. Both end with the totals:
// outcomes, seats per SKU, Graph reads made and writes the run would make,
// and the notes.
func (r Report) WriteTable(w io.Writer, detail bool) error {
	bw := bufio.NewWriter(w)
	if r.Directory != "" || r.Journal != "" {
		fmt.Fprintf(bw, "Plan against %s, with %s. Nothing is written.\n\n", orDash(r.Directory), orDash(r.Journal))
	}
	if detail {
		for _, p := range r.Requests {
			writeRequest(bw, p)
			bw.WriteString("\n")
		}
	} else {
		writeSummary(bw, r.Requests)
		bw.WriteString("\n")
	}
	writeTotals(bw, r)
	return bw.Flush()
}

const stepWidth = 21

func writeRequest(w *bufio.Writer, p RequestPlan) {
	head := p.Kind + " " + orDash(p.RequestID)
	if p.Label != "" {
		head += " (" + p.Label + ")"
	}
	if p.Account != "" {
		head += " → " + p.Account
	}
	fmt.Fprintln(w, head)
	fmt.Fprintf(w, "  %s\n", outcomeLine(p.Outcome))
	for _, pr := range p.Problems {
		fmt.Fprintf(w, "  problem: %s\n", pr)
	}
	w.WriteString("\n")
	for _, s := range p.Steps {
		lines := stepLines(s)
		for i, l := range lines {
			name := ""
			if i == 0 {
				name = string(s.Step)
			}
			fmt.Fprintf(w, "  %-*s%s\n", stepWidth, name, l)
		}
	}
	var tail [][2]string
	if len(p.Seats) > 0 {
		var parts []string
		for _, s := range p.Seats {
			parts = append(parts, fmt.Sprintf("%s %+d", s.SKU, s.Change))
		}
		tail = append(tail, [2]string{"seats", strings.Join(parts, ", ")})
	}
	if sp := p.Segment; sp != nil {
		seg := fmt.Sprintf("%s = %s", sp.Attribute, orNone(sp.Value))
		for _, g := range sp.Groups {
			seg += "; group " + groupName(g)
		}
		if len(sp.Segments) > 0 {
			seg += "; in policy segment " + strings.Join(sp.Segments, ", ")
		}
		tail = append(tail, [2]string{"segment", seg})
		if len(sp.Reaches) > 0 {
			tail = append(tail, [2]string{"reaches", reachList(sp.Reaches)})
		}
		if len(sp.Blocked) > 0 {
			tail = append(tail, [2]string{"blocked from", reachList(sp.Blocked)})
		}
		if sp.Note != "" {
			tail = append(tail, [2]string{"", sp.Note})
		}
	}
	if c := p.Credential; c != nil {
		tail = append(tail, [2]string{"credential", credentialLine(*c)})
	}
	if len(tail) > 0 {
		w.WriteString("\n")
	}
	for _, kv := range tail {
		fmt.Fprintf(w, "  %-*s%s\n", stepWidth, kv[0], kv[1])
	}
}

func outcomeLine(o Outcome) string {
	switch {
	case o.AlreadyDone && o.Done():
		return "already done: nothing would run (exit 0)"
	case o.Done():
		return "would reach done (exit 0)"
	case o.AlreadyDone:
		return fmt.Sprintf("already %s: nothing would run (exit %d): %s", o.Status, o.ExitCode, o.Reason)
	}
	at := ""
	if o.Step != "" {
		at = " at " + string(o.Step)
	}
	return fmt.Sprintf("would stop%s, %s (%s, exit %d): %s", at, o.Status, o.Code, o.ExitCode, o.Reason)
}

// stepLines is what one step would do, one line each.
func stepLines(s StepPlan) []string {
	var out []string
	switch s.Status {
	case StepWouldFail:
		out = append(out, "FAILS: "+s.Error)
	case StepNotReached, StepNothingToDo:
		out = append(out, s.Status)
	case StepDoneBefore:
		out = append(out, "done before, by an earlier run of this request")
	}
	for _, c := range s.Changes {
		out = append(out, changeLines(c)...)
	}
	out = append(out, s.Notes...)
	if len(out) == 0 {
		out = append(out, s.Status)
	}
	return out
}

// changeLines describes one recorded write.
func changeLines(c Change) []string {
	var out []string
	switch c.Action {
	case ActionCreateUser:
		out = append(out, "create user "+c.Account+" "+c.Note)
		for _, a := range c.Attributes {
			out = append(out, fmt.Sprintf("  %-23s %s", a.Name, a.New))
		}
		return out
	case ActionUpdateUser:
		out = append(out, "update "+c.Account)
		for _, a := range c.Attributes {
			out = append(out, fmt.Sprintf("  %-23s %s → %s", a.Name, orNone(a.Old), orNone(a.New)))
		}
		return out
	case ActionAssignLicenses:
		if len(c.LicensesAdded) > 0 {
			out = append(out, "assign "+strings.Join(c.LicensesAdded, ", "))
		}
		if len(c.LicensesRemoved) > 0 {
			out = append(out, "remove licences "+strings.Join(c.LicensesRemoved, ", "))
		}
		return out
	case ActionAddMember:
		return []string{"add to group " + groupName(*c.Group)}
	case ActionRemoveMember:
		return []string{"remove from group " + groupName(*c.Group)}
	case ActionCreateTAP:
		return []string{"create a Temporary Access Pass valid " + c.TAPLifetime + " (no value is made or shown)"}
	case ActionDeleteTAP:
		return []string{"remove Temporary Access Pass " + c.TAPID}
	case ActionSendMail:
		return []string{fmt.Sprintf("mail %q to %s (the body is never shown)", c.MailSubject, strings.Join(c.MailTo, ", "))}
	case ActionSetPassword:
		return []string{"set " + c.Note}
	case ActionRevokeSessions:
		return []string{"revoke sign-in sessions: " + c.Note}
	case ActionRestoreUser:
		l := "restore " + c.Account + " from the deleted items"
		if len(c.LicensesAdded) > 0 {
			l += " with " + strings.Join(c.LicensesAdded, ", ")
		}
		if c.Note != "" {
			l += " " + c.Note
		}
		return []string{l}
	case ActionDeleteUser:
		return []string{"delete " + c.Account + " (" + c.Note + ")"}
	}
	return []string{c.Action + " " + c.Account}
}

func credentialLine(c CredentialPlan) string {
	switch {
	case c.Kept:
		return "no new credential: the person keeps the one they have"
	case c.Kind == domain.CredentialPassword:
		return "a temporary password would be mailed to " + strings.Join(c.MailedTo, ", ") + " (never shown)"
	}
	return fmt.Sprintf("a Temporary Access Pass valid %s would be mailed to %s (its value is never shown)", c.ValidFor, strings.Join(c.MailedTo, ", "))
}

func reachList(rs []Reach) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		seg := r.Segment
		if seg == barriers.NoSegmentLabel {
			seg = "users in no segment"
		}
		parts[i] = seg + " (" + r.Decider + ")"
	}
	return strings.Join(parts, ", ")
}

func groupName(g GroupRef) string {
	if g.Name == "" {
		return g.ID
	}
	return g.Name + " (" + g.ID + ")"
}

func writeSummary(w *bufio.Writer, ps []RequestPlan) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "INPUT\tKIND\tREQUEST\tACCOUNT\tWOULD\tEXIT\tWHY")
	for _, p := range ps {
		would, why := string(p.Outcome.Status), p.Outcome.Reason
		switch {
		case p.Outcome.AlreadyDone:
			would = "already " + would
		case !p.Outcome.Done() && p.Outcome.Step != "":
			would += " at " + string(p.Outcome.Step)
		}
		if why == "" && p.Credential != nil {
			why = credentialLine(*p.Credential)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", orDash(p.Label), p.Kind, orDash(p.RequestID), orDash(p.Account), would, p.Outcome.ExitCode, oneLine(why))
	}
	_ = tw.Flush()
}

func writeTotals(w *bufio.Writer, r Report) {
	t := r.Totals
	fmt.Fprintf(w, "%d request(s): %d would reach done, %d would not", t.Requests, t.WouldSucceed, t.WouldFail)
	if t.WouldFail > 0 {
		var parts []string
		for _, c := range []domain.Code{domain.Invalid, domain.Conflict, domain.NotFound, domain.Business, domain.Transient, domain.Internal} {
			if n := t.ByCode[c]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, c))
			}
		}
		fmt.Fprintf(w, " (%s)", strings.Join(parts, ", "))
	}
	w.WriteString("\n")
	if len(t.Seats) > 0 {
		w.WriteString("\n")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SKU\tFREE BEFORE\tASSIGNED\tRELEASED\tFREE AFTER\tNEEDED\tSHORT")
		for _, s := range t.Seats {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\n", s.SKU, s.FreeBefore, s.Assigned, s.Released, s.FreeAfter, s.Needed, s.Short)
		}
		_ = tw.Flush()
	}
	fmt.Fprintf(w, "\nGraph: the plan made %d read(s) and no write; the run would make %d write(s).\n", t.GraphReads, t.GraphWrites)
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "(not set)"
	}
	return s
}

// oneLine keeps a table cell on one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
