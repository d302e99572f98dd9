package domain

import "unicode/utf8"

// MaxMessageLen is the longest error or reason text a journal stores, in
// characters. CutMessage cuts a longer text to its first MaxMessageLen-1
// characters followed by "…". Classified errors carry short messages; the
// cut only bounds what a careless caller could write (such as a whole
// response body).
const MaxMessageLen = 2000

// CutMessage bounds s to MaxMessageLen characters (see MaxMessageLen).
func CutMessage(s string) string {
	if utf8.RuneCountInString(s) <= MaxMessageLen {
		return s
	}
	n := 0
	for i := range s {
		if n == MaxMessageLen-1 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}
