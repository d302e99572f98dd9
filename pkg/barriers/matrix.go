package barriers

import (
	"strings"
	"unicode/utf8"
)

// NoSegmentLabel labels users in no segment in a Matrix.
const NoSegmentLabel = "(none)"

// Cell texts of Matrix.String.
const (
	CellAllow    = "allow"
	CellBlock    = "BLOCK"
	CellRowBlock = "block->" // only the row segment's policy blocks (one-way)
	CellColBlock = "<-block" // only the column segment's policy blocks (one-way)
)

// Matrix is Check for every pair of segments, plus users in no segment.
type Matrix struct {
	Mode Mode `json:"mode"`
	// Segments is the row and column order: segments by name, then ""
	// (users in no segment).
	Segments []string `json:"segments"`
	// Cells[i][j] is Check(Segments[i], Segments[j]).
	Cells [][]Verdict `json:"cells"`
}

// Matrix evaluates Check for every pair of segments and users in no segment.
func (p Policy) Matrix() Matrix {
	names := append(p.segmentNames(), "")
	m := Matrix{Mode: p.Mode, Segments: names, Cells: make([][]Verdict, len(names))}
	for i, a := range names {
		m.Cells[i] = make([]Verdict, len(names))
		for j, b := range names {
			m.Cells[i][j] = p.Check(a, b)
		}
	}
	return m
}

// Verdict returns the cell for segments a and b ("" = no segment).
func (m Matrix) Verdict(a, b string) (Verdict, bool) {
	i, j := index(m.Segments, a), index(m.Segments, b)
	if i < 0 || j < 0 {
		return Verdict{}, false
	}
	return m.Cells[i][j], true
}

// Cell returns the text String shows for row a, column b.
func (m Matrix) Cell(a, b string) string {
	v, ok := m.Verdict(a, b)
	if !ok {
		return ""
	}
	return cellText(a, v)
}

func cellText(row string, v Verdict) string {
	switch {
	case v.Allowed:
		return CellAllow
	case !v.OneWay || len(v.BlockedBy) != 1:
		return CellBlock
	case v.BlockedBy[0] == row:
		return CellRowBlock
	}
	return CellColBlock
}

// String renders the matrix as a fixed-width table followed by a legend
// that states the evaluation rule. Rows are the first segment of Check,
// columns the second.
func (m Matrix) String() string {
	labels := make([]string, len(m.Segments))
	for i, s := range m.Segments {
		labels[i] = s
		if s == "" {
			labels[i] = NoSegmentLabel
		}
		labels[i] = lineSafe(labels[i])
	}
	first := 0
	for _, l := range labels {
		first = max(first, utf8.RuneCountInString(l))
	}
	widths := make([]int, len(labels))
	for j, l := range labels {
		widths[j] = max(utf8.RuneCountInString(l), len(CellRowBlock))
	}
	var b strings.Builder
	row := func(head string, cells []string) {
		var line strings.Builder
		line.WriteString(pad(head, first))
		for j, c := range cells {
			line.WriteString("  ")
			line.WriteString(pad(c, widths[j]))
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
	row("", labels)
	for i, a := range m.Segments {
		cells := make([]string, len(m.Segments))
		for j := range m.Segments {
			cells[j] = cellText(a, m.Cells[i][j])
		}
		row(labels[i], cells)
	}
	b.WriteString("\n")
	b.WriteString(CellAllow + "    both sides' active policies (if any) permit the other\n")
	b.WriteString(CellBlock + "    blocked by the policies of both sides\n")
	b.WriteString(CellRowBlock + "  one-way: only the row segment's policy blocks the column\n")
	b.WriteString(CellColBlock + "  one-way: only the column segment's policy blocks the row\n")
	b.WriteString("rule: A and B may communicate only if A's active policy (if any) permits B and B's permits A;\n")
	b.WriteString("      one-way cells count as blocked (REFERENCE §3: the one-sided case is not settled)\n")
	b.WriteString(NoSegmentLabel + ": users in no segment; " + m.Mode.unsegmentedRule() + "\n")
	return b.String()
}

// unsegmentedRule states how users in no segment are treated in the mode.
func (m Mode) unsegmentedRule() string {
	if m == ModeLegacy {
		return "legacy mode hides them from segments with an allow policy"
	}
	return string(m) + " mode keeps them visible to every segment"
}

func pad(s string, w int) string {
	if n := utf8.RuneCountInString(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}

func index(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}
