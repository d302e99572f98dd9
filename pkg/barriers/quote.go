package barriers

import (
	"strings"
	"unicode"
)

// isPSSingleQuote reports whether PowerShell treats r as a single quotation
// mark: the ASCII apostrophe and the typographic ones U+2018–U+201B.
func isPSSingleQuote(r rune) bool {
	switch r {
	case '\'', '\u2018', '\u2019', '\u201A', '\u201B':
		return true
	}
	return false
}

// psQuote returns s as a PowerShell single-quoted string literal. Inside such
// a literal nothing expands ($, backtick and " are plain characters); the
// only escape is doubling a quotation mark, which covers every character
// PowerShell reads as one.
func psQuote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for _, r := range s {
		if isPSSingleQuote(r) {
			b.WriteRune(r)
		}
		b.WriteRune(r)
	}
	b.WriteByte('\'')
	return b.String()
}

// opathQuote returns s as an OPATH text value in a UserGroupFilter: in single
// quotes, with ' doubled (New-OrganizationSegment, -UserGroupFilter: "If a
// variable value contains single quotation marks, you need to … escape the
// single quotation marks", by replacing each with two). Validation refuses
// typographic quotes in values, whose meaning in OPATH is undocumented.
func opathQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// psList returns a PowerShell array of quoted strings: @('a', 'b').
func psList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = psQuote(s)
	}
	return "@(" + strings.Join(q, ", ") + ")"
}

// lineSafe replaces control characters and Unicode line separators so that
// text can go into a script comment or a plan line without starting a new
// line.
func lineSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return '?'
		}
		return r
	}, s)
}

// hasControl reports whether s holds a control character or a line separator.
func hasControl(s string) bool { return lineSafe(s) != s }

// hasTypographicQuote reports whether s holds a quotation mark other than the
// ASCII apostrophe that PowerShell would also treat as a single quote.
func hasTypographicQuote(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r != '\'' && isPSSingleQuote(r) })
}
