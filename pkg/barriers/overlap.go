package barriers

import (
	"slices"
	"strings"
)

// maxTerms bounds the disjunctive normal form of one filter. Beyond it the
// overlap check gives up and assumes the filters may overlap.
const maxTerms = 256

// literal is one comparison in normal form.
type literal struct {
	attr  string // canonical attribute
	ne    bool
	value string
}

// term is a conjunction of literals; a filter in normal form is a
// disjunction of terms.
type term []literal

// dnf rewrites the filter as a disjunction of conjunctions. ok is false when
// the form would exceed maxTerms.
func (f Filter) dnf() ([]term, bool) {
	switch {
	case len(f.AllOf) > 0:
		acc := []term{{}}
		for _, c := range f.AllOf {
			ct, ok := c.dnf()
			if !ok || len(acc)*len(ct) > maxTerms {
				return nil, false
			}
			next := make([]term, 0, len(acc)*len(ct))
			for _, a := range acc {
				for _, b := range ct {
					next = append(next, append(slices.Clip(a), b...))
				}
			}
			acc = next
		}
		return acc, true
	case len(f.AnyOf) > 0:
		var acc []term
		for _, c := range f.AnyOf {
			ct, ok := c.dnf()
			if !ok || len(acc)+len(ct) > maxTerms {
				return nil, false
			}
			acc = append(acc, ct...)
		}
		return acc, true
	case f.MemberOf != "":
		return []term{{{attr: "MemberOf", value: f.MemberOf}}}, true
	}
	return []term{{{attr: f.attribute(), ne: f.op() == OpNe, value: f.Value}}}, true
}

// overlap reports whether one user could match both filters, judged from
// the filters alone (not from the directory's data). It never misses an
// overlap: values are assumed to exist; two -eq values of a single-valued
// attribute conflict only when they differ ignoring case; -eq v and -ne v
// conflict only when v is spelled identically. witness describes such a
// user; analysed is false when the filters were too complex to analyse, in
// which case overlap is reported.
func overlap(a, b Filter) (witness string, overlaps, analysed bool) {
	ta, okA := a.dnf()
	tb, okB := b.dnf()
	if !okA || !okB {
		return "", true, false
	}
	for _, x := range ta {
		for _, y := range tb {
			both := append(slices.Clip(x), y...)
			if w, ok := satisfiable(both); ok {
				return w, true, true
			}
		}
	}
	return "", false, true
}

// satisfiable reports whether some user matches every literal of t, and
// describes one.
func satisfiable(t term) (string, bool) {
	type facts struct {
		attr string
		eqs  []string
		nes  []string
	}
	var byAttr []*facts
	find := func(attr string) *facts {
		for _, f := range byAttr {
			if f.attr == attr {
				return f
			}
		}
		f := &facts{attr: attr}
		byAttr = append(byAttr, f)
		return f
	}
	for _, l := range t {
		f := find(l.attr)
		if l.ne {
			f.nes = appendUnique(f.nes, l.value, false)
		} else {
			f.eqs = appendUnique(f.eqs, l.value, true)
		}
	}
	slices.SortFunc(byAttr, func(a, b *facts) int { return compareNames(a.attr, b.attr) })
	var parts []string
	for _, f := range byAttr {
		if len(f.eqs) > 1 && !multiValued(f.attr) {
			return "", false
		}
		for _, e := range f.eqs {
			if slices.Contains(f.nes, e) {
				return "", false
			}
		}
		parts = append(parts, describeFacts(f.attr, f.eqs, f.nes))
	}
	return strings.Join(parts, ", "), true
}

// appendUnique adds v unless present (ignoring case when fold is set).
func appendUnique(list []string, v string, fold bool) []string {
	for _, x := range list {
		if x == v || (fold && strings.EqualFold(x, v)) {
			return list
		}
	}
	return append(list, v)
}

func quoteAll(vs []string, sep string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = opathQuote(v)
	}
	return strings.Join(q, sep)
}

func describeFacts(attr string, eqs, nes []string) string {
	switch {
	case len(eqs) > 0 && multiValued(attr):
		return attr + " includes " + quoteAll(eqs, " and ")
	case len(eqs) > 0:
		return attr + " = " + opathQuote(eqs[0])
	case multiValued(attr):
		return attr + " excludes " + quoteAll(nes, ", ")
	}
	return attr + " empty or other than " + quoteAll(nes, ", ")
}
