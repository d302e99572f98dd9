// Package roster reads a CSV roster of vendor people into onboard
// requests, validated as the handler validates them (pkg/producer), each
// with a deterministic request id, and enqueues the valid ones: the whole
// file is checked before anything is sent. docs/roster.md describes the
// columns.
package roster

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/producer"
)

// MaxBytes bounds a roster file: 4 MiB is some 25,000 rows, far more than
// one run should enqueue. A larger roster is refused; split it.
const MaxBytes = 4 << 20

// Column names, as docs/roster.md spells them.
const (
	ColVendor            = "vendor"
	ColGivenName         = "givenName"
	ColSurname           = "surname"
	ColEmail             = "email"
	ColContractStart     = "contractStart"
	ColContractEnd       = "contractEnd"
	ColSponsor           = "sponsor"
	ColServiceAccount    = "serviceAccount"
	ColReissueCredential = "reissueCredential"
	ColRequestID         = "requestId"
)

// column is one field a roster may have.
type column struct {
	name string
	// aliases are the other names accepted for it (compared as key does).
	aliases  []string
	required bool
	// path is the request field it fills, as validation problems name it.
	path string
}

// columns are the roster's fields in the order docs/roster.md lists them.
var columns = []column{
	{ColVendor, []string{"vendorKey"}, true, "vendor"},
	{ColGivenName, []string{"firstName", "forename", "person.givenName"}, true, "person.givenName"},
	{ColSurname, []string{"lastName", "familyName", "person.surname"}, true, "person.surname"},
	{ColEmail, []string{"emailAddress", "mail", "person.email"}, true, "person.email"},
	{ColContractStart, []string{"start", "startDate"}, true, "contract.start"},
	{ColContractEnd, []string{"end", "endDate"}, true, "contract.end"},
	{ColSponsor, []string{"sponsorUpn"}, true, "sponsor"},
	{ColServiceAccount, []string{"account"}, false, "serviceAccount"},
	{ColReissueCredential, []string{"reissue"}, false, "reissueCredential"},
	{ColRequestID, nil, false, "requestId"}, // no bare "id" alias: an export's ID column (an employee number) is no request id
}

// key is a header name as it is matched: letter case, spaces, '_', '-' and
// '.' aside ("First name", "first_name" and "FirstName" are one).
func key(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		switch r {
		case ' ', '_', '-', '.', '\t':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// byKey maps every accepted header name to its column.
var byKey = func() map[string]*column {
	m := map[string]*column{}
	for i := range columns {
		c := &columns[i]
		for _, n := range append([]string{c.name}, c.aliases...) {
			if _, dup := m[key(n)]; dup {
				panic("roster: header name " + n + " given twice")
			}
			m[key(n)] = c
		}
	}
	return m
}()

// Row is one record of a roster.
type Row struct {
	// Line is the file's line where the record starts (the header is
	// line 1, or later after blank lines).
	Line int `json:"line"`
	// Vendor and Email are the row's cells, trimmed, for reports.
	Vendor string `json:"vendor"`
	Email  string `json:"email"`
	// RequestID is the request's id (the requestId cell, else derived);
	// empty for an invalid row without a requestId cell.
	RequestID string `json:"requestId,omitempty"`
	// Problems is every reason the row is invalid, each with the column
	// it is about as the header names it ("row" for the record itself).
	Problems []domain.Problem `json:"problems,omitempty"`
	// RepeatOf is the line of an earlier row with the very same request:
	// this one adds nothing and is not sent.
	RepeatOf int `json:"repeatOf,omitempty"`
	// Message is a valid row's request, ready to send.
	Message producer.Message `json:"-"`
}

// Valid reports whether the row has no problem.
func (r Row) Valid() bool { return len(r.Problems) == 0 }

// Reason is the row's problems in one line.
func (r Row) Reason() string {
	parts := make([]string, len(r.Problems))
	for i, p := range r.Problems {
		parts[i] = p.String()
	}
	return strings.Join(parts, "; ")
}

// Roster is a read and validated roster.
type Roster struct {
	// Rows are every record under the header, in file order.
	Rows []Row
}

// Valid returns the rows to send: valid, and not a repeat of an earlier
// row. Each has its Line and its Message (Message.Onboard is the request,
// Message.Body its JSON).
func (ro *Roster) Valid() []Row {
	var out []Row
	for _, r := range ro.Rows {
		if r.Valid() && r.RepeatOf == 0 {
			out = append(out, r)
		}
	}
	return out
}

// Invalid returns the rows with problems.
func (ro *Roster) Invalid() []Row {
	var out []Row
	for _, r := range ro.Rows {
		if !r.Valid() {
			out = append(out, r)
		}
	}
	return out
}

// Read reads a CSV roster from r and validates every row with b, the
// handler's rules (producer.Builder.Onboard). A problem with the file as a
// whole (too large, not CSV, a header that names unknown columns, twice
// the same column or not every required one, no rows) is a *domain.Error
// with Code Invalid; a problem with a row is in that row's Problems, and
// every row is checked. Rows with the same request are repeats
// (Row.RepeatOf); one person (email) on rows with different requests, or
// one requestId for different requests, makes each of those rows invalid.
func Read(r io.Reader, b *producer.Builder) (*Roster, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("roster: read: %w", err)
	}
	if len(data) > MaxBytes {
		return nil, domain.Errorf(domain.Invalid, "the roster is larger than %d MiB; split it into smaller files", MaxBytes>>20)
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF")) // Excel's UTF-8 byte order mark
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1 // a row of the wrong width is that row's problem
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, domain.Errorf(domain.Invalid, "the roster is empty: it needs a header line naming its columns (see docs/roster.md)")
	}
	if err != nil {
		return nil, notCSV(err)
	}
	hline, _ := cr.FieldPos(0)
	h, err := mapHeader(header, hline)
	if err != nil {
		return nil, err
	}
	ro := &Roster{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, notCSV(err)
		}
		line, _ := cr.FieldPos(0)
		if blank(rec) {
			continue
		}
		ro.Rows = append(ro.Rows, h.row(rec, line, b))
	}
	if len(ro.Rows) == 0 {
		return nil, domain.Errorf(domain.Invalid, "the roster has a header but no rows")
	}
	ro.markDuplicates(h)
	return ro, nil
}

// notCSV words a CSV syntax error: the file as a whole cannot be trusted
// past it.
func notCSV(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return domain.Errorf(domain.Invalid, "the roster is not valid CSV: line %d, column %d: %v (a field with a comma, a quote or a line break must be in double quotes, with its quotes doubled)", pe.Line, pe.Column, pe.Err)
	}
	return domain.Errorf(domain.Invalid, "the roster is not valid CSV: %v", err)
}

// blank reports whether every field of rec is empty (a line of commas).
func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// header is a roster's mapped header.
type header struct {
	width int
	// at is each column's index in a record (absent: not in the file).
	at map[string]int
	// names is each column's name as the file's header spells it.
	names map[string]string
	// unnamed are the indices of columns without a name: a value in them
	// is a problem of its row.
	unnamed []int
}

// mapHeader maps the header's names to columns, reporting every problem
// at once.
func mapHeader(cells []string, line int) (*header, error) {
	h := &header{width: len(cells), at: map[string]int{}, names: map[string]string{}}
	var ps []domain.Problem
	add := func(format string, args ...any) {
		ps = append(ps, domain.Problem{Field: "header", Message: fmt.Sprintf(format, args...)})
	}
	for i, cell := range cells {
		name := strings.TrimSpace(cell)
		switch {
		case name == "":
			h.unnamed = append(h.unnamed, i)
			continue
		case strings.HasPrefix(name, "#"):
			continue // a note column, ignored
		}
		c, ok := byKey[key(name)]
		if !ok {
			add("column %d (%q) is not a roster column; the columns are %s, and a column whose name starts with # is ignored", i+1, domain.Clip(name), columnList())
			continue
		}
		if j, dup := h.at[c.name]; dup {
			add("columns %d (%q) and %d (%q) both give %s; keep one", j+1, h.names[c.name], i+1, name, c.name)
			continue
		}
		h.at[c.name], h.names[c.name] = i, name
	}
	var missing []string
	for _, c := range columns {
		if _, ok := h.at[c.name]; c.required && !ok {
			missing = append(missing, c.name)
		}
	}
	if len(missing) > 0 {
		add("required columns missing: %s", strings.Join(missing, ", "))
	}
	if len(cells) == 1 && strings.Contains(cells[0], ";") {
		add("the header is one column holding ';': save the roster with commas between its fields")
	}
	if len(ps) > 0 {
		return nil, &domain.Error{Code: domain.Invalid, Message: fmt.Sprintf("the roster's header (line %d) is not usable", line), Problems: ps}
	}
	return h, nil
}

// columnList names the roster's columns, the optional ones marked.
func columnList() string {
	names := make([]string, len(columns))
	for i, c := range columns {
		names[i] = c.name
		if !c.required {
			names[i] += " (optional)"
		}
	}
	return strings.Join(names, ", ")
}

// cell is the record's trimmed value of column name ("" when absent).
func (h *header) cell(rec []string, name string) string {
	i, ok := h.at[name]
	if !ok || i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[i])
}

// field is how a problem about the request field at path is reported: the
// header's name of the column that filled it.
func (h *header) field(path string) string {
	for _, c := range columns {
		if c.path == path {
			if n, ok := h.names[c.name]; ok {
				return n
			}
		}
	}
	return path
}

// row builds and validates one record's request.
func (h *header) row(rec []string, line int, b *producer.Builder) Row {
	row := Row{Line: line, Vendor: h.cell(rec, ColVendor), Email: h.cell(rec, ColEmail), RequestID: h.cell(rec, ColRequestID)}
	if len(rec) != h.width {
		row.Problems = append(row.Problems, domain.Problem{Field: "row", Message: fmt.Sprintf("has %d fields; the header has %d", len(rec), h.width)})
		return row
	}
	for _, i := range h.unnamed {
		if strings.TrimSpace(rec[i]) != "" {
			row.Problems = append(row.Problems, domain.Problem{Field: "row", Message: fmt.Sprintf("column %d has no name in the header, but a value here", i+1)})
		}
	}
	req := domain.OnboardRequest{
		RequestID: row.RequestID,
		Vendor:    row.Vendor,
		Person: domain.Person{
			GivenName: h.cell(rec, ColGivenName),
			Surname:   h.cell(rec, ColSurname),
			Email:     row.Email,
		},
		Contract:       domain.Period{Start: h.cell(rec, ColContractStart), End: h.cell(rec, ColContractEnd)},
		Sponsor:        h.cell(rec, ColSponsor),
		ServiceAccount: h.cell(rec, ColServiceAccount),
	}
	if v := h.cell(rec, ColReissueCredential); v != "" {
		on, ok := parseBool(v)
		if !ok {
			row.Problems = append(row.Problems, domain.Problem{Field: h.names[ColReissueCredential], Message: fmt.Sprintf("must be true or false (yes/no, 1/0), not %q", domain.Clip(v))})
		}
		req.ReissueCredential = on
	}
	m, err := b.Onboard(req)
	if err != nil {
		var de *domain.Error
		if !errors.As(err, &de) || len(de.Problems) == 0 {
			row.Problems = append(row.Problems, domain.Problem{Field: "row", Message: domain.ErrorMessage(err)})
		}
		if de != nil {
			for _, p := range de.Problems {
				row.Problems = append(row.Problems, domain.Problem{Field: h.field(p.Field), Message: p.Message})
			}
		}
	}
	if len(row.Problems) > 0 {
		return row
	}
	row.Message, row.RequestID = m, m.RequestID
	return row
}

// parseBool reads a reissueCredential cell.
func parseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "true", "yes", "y", "1":
		return true, true
	case "false", "no", "n", "0":
		return false, true
	}
	return false, false
}

// markDuplicates finds the rows that repeat an earlier one, and the rows
// that contradict each other: one person with different requests, or one
// requestId for different requests.
func (ro *Roster) markDuplicates(h *header) {
	byID := map[string][]int{}     // request id -> indices of its valid rows
	byEmail := map[string][]int{}  // lower-cased email -> indices of its rows
	conflict := map[int][]string{} // index -> problems to add
	var ids []string               // request ids in file order
	for i, r := range ro.Rows {
		if r.Email != "" {
			e := strings.ToLower(r.Email)
			byEmail[e] = append(byEmail[e], i)
		}
		if !r.Valid() {
			continue
		}
		if _, seen := byID[r.RequestID]; !seen {
			ids = append(ids, r.RequestID)
		}
		byID[r.RequestID] = append(byID[r.RequestID], i)
	}
	for _, id := range ids {
		idx := byID[id]
		if oneRequest(ro.Rows, idx) {
			// the same request again: sent once, for its first line
			for _, i := range idx[1:] {
				ro.Rows[i].RepeatOf = ro.Rows[idx[0]].Line
			}
			continue
		}
		// one id for different requests: every row of it is invalid, the
		// copies of one of them too (none may go out under a contested id)
		for _, i := range idx {
			var others []string
			for _, j := range idx {
				if !bytes.Equal(ro.Rows[j].Message.Body, ro.Rows[i].Message.Body) {
					others = append(others, strconv.Itoa(ro.Rows[j].Line))
				}
			}
			conflict[i] = append(conflict[i], fmt.Sprintf("%s is also the requestId of %s, for another request; give each request its own", id, lines(others)))
		}
	}
	emailField := h.field("person.email")
	for _, idx := range byEmail {
		if len(idx) < 2 || oneRequest(ro.Rows, idx) {
			continue
		}
		for _, i := range idx {
			var others []string
			for _, j := range idx {
				if j != i {
					others = append(others, strconv.Itoa(ro.Rows[j].Line))
				}
			}
			ro.Rows[i].Problems = append(ro.Rows[i].Problems, domain.Problem{Field: emailField, Message: fmt.Sprintf(
				"%s is also on %s with another request; a roster has one row per person", ro.Rows[i].Email, lines(others))})
		}
	}
	// after the email check, which compares the same rows as they were
	idField := h.field("requestId")
	for i, msgs := range conflict {
		for _, m := range msgs {
			ro.Rows[i].Problems = append(ro.Rows[i].Problems, domain.Problem{Field: idField, Message: m})
		}
	}
	for i := range ro.Rows {
		if r := &ro.Rows[i]; !r.Valid() {
			// nothing of it is sent: no repeat, no request, no derived id
			if r.Message.Derived {
				r.RequestID = ""
			}
			r.RepeatOf, r.Message = 0, producer.Message{}
		}
	}
}

// oneRequest reports whether the rows at idx are all valid and all the
// same request.
func oneRequest(rows []Row, idx []int) bool {
	for _, i := range idx {
		if !rows[i].Valid() || !bytes.Equal(rows[i].Message.Body, rows[idx[0]].Message.Body) {
			return false
		}
	}
	return true
}

// lines names line numbers: "line 3", "lines 3, 9".
func lines(ns []string) string {
	if len(ns) == 1 {
		return "line " + ns[0]
	}
	return "lines " + strings.Join(ns, ", ")
}
