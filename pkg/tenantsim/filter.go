package tenantsim

import (
	"strings"
	"time"
)

// This file parses OData $filter expressions (the subset Graph's directory
// supports): comparisons (eq ne lt le gt ge in), and/or/not, parentheses,
// startsWith/endsWith, and any() lambdas over collections. String literals
// are quoted with ' and a ' inside is doubled (REFERENCE.md §2 Queries);
// datetimes and GUIDs are unquoted. Syntax errors use the OData library's
// wording behind Graph's "Invalid filter clause: " prefix.

// Filter AST. Nodes carry the position of their first token for errors, and
// the binder (filter_eval.go) fills in resolved property references.

type fnode interface{ position() int }

type fLogical struct {
	op   string // "and" | "or"
	l, r fnode
	pos  int
}

type fNot struct {
	x   fnode
	pos int
}

type fCompare struct {
	path []string
	op   string // eq ne lt le gt ge in
	lit  fLiteral
	list []fLiteral // for "in"
	pos  int
	ref  fieldRef
}

type fFunc struct {
	name string // lower case: startswith | endswith
	path []string
	lit  fLiteral
	pos  int
	ref  fieldRef
}

type fAny struct {
	path []string
	v    string
	body fnode
	pos  int
	ref  fieldRef
}

type litKind int

const (
	litNull litKind = iota
	litString
	litBool
	litDateTime
	litGUID
	litNumber
)

type fLiteral struct {
	kind litKind
	s    string
	b    bool
	t    time.Time
	num  float64
	raw  string
	pos  int
}

func (n *fLogical) position() int { return n.pos }
func (n *fNot) position() int     { return n.pos }
func (n *fCompare) position() int { return n.pos }
func (n *fFunc) position() int    { return n.pos }
func (n *fAny) position() int     { return n.pos }

type parser struct {
	src  string
	toks []token
	i    int
}

// parseFilter parses a $filter expression into an AST.
func parseFilter(src string) (fnode, error) {
	toks, err := tokenize(src)
	if err != nil {
		return nil, err
	}
	p := &parser{src: src, toks: toks}
	if p.peek().kind == tkEOF {
		return nil, syntaxErr("Expression expected at position %d in '%s'.", 0, src)
	}
	n, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tkEOF {
		return nil, p.errAt(t)
	}
	return n, nil
}

func (p *parser) peek() token        { return p.toks[p.i] }
func (p *parser) peekAt(k int) token { return p.toks[min(p.i+k, len(p.toks)-1)] }
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tkEOF {
		p.i++
	}
	return t
}

func (p *parser) errAt(t token) error {
	return syntaxErr("Syntax error at position %d in '%s'.", t.pos, p.src)
}

func (p *parser) expect(k tokKind) (token, error) {
	t := p.next()
	if t.kind != k {
		return t, p.errAt(t)
	}
	return t, nil
}

func (p *parser) isKeyword(t token, kw string) bool {
	return t.kind == tkIdent && strings.EqualFold(t.text, kw)
}

func (p *parser) parseOr() (fnode, error) {
	l, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.isKeyword(p.peek(), "or") {
		t := p.next()
		r, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		l = &fLogical{op: "or", l: l, r: r, pos: t.pos}
	}
	return l, nil
}

func (p *parser) parseAnd() (fnode, error) {
	l, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	for p.isKeyword(p.peek(), "and") {
		t := p.next()
		r, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		l = &fLogical{op: "and", l: l, r: r, pos: t.pos}
	}
	return l, nil
}

func (p *parser) parseUnary() (fnode, error) {
	if t := p.peek(); p.isKeyword(t, "not") {
		p.next()
		x, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		return &fNot{x: x, pos: t.pos}, nil
	}
	return p.parsePrimary()
}

func (p *parser) parsePrimary() (fnode, error) {
	t := p.peek()
	switch {
	case t.kind == tkLParen:
		p.next()
		n, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tkRParen); err != nil {
			return nil, err
		}
		return n, nil
	case t.kind == tkIdent && p.peekAt(1).kind == tkLParen:
		return p.parseFunc()
	case t.kind == tkIdent:
		return p.parseComparison()
	}
	return nil, p.errAt(t)
}

func (p *parser) parseFunc() (fnode, error) {
	t := p.next()
	name := strings.ToLower(t.text)
	if name != "startswith" && name != "endswith" {
		return nil, syntaxErr("An unknown function with name '%s' was found. This may also be a function import or a key lookup on a navigation property, which is not allowed.", t.text)
	}
	p.next() // (
	path, lambda, err := p.parsePath()
	if err != nil {
		return nil, err
	}
	if lambda {
		return nil, p.errAt(p.peek())
	}
	if _, err := p.expect(tkComma); err != nil {
		return nil, err
	}
	lit, err := p.parseLiteral()
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tkRParen); err != nil {
		return nil, err
	}
	return &fFunc{name: name, path: path, lit: lit, pos: t.pos}, nil
}

// parsePath reads ident ('/' ident)*. It stops before "/any(" or "/all(" and
// then reports lambda=true.
func (p *parser) parsePath() ([]string, bool, error) {
	t, err := p.expect(tkIdent)
	if err != nil {
		return nil, false, err
	}
	path := []string{t.text}
	for p.peek().kind == tkSlash {
		seg := p.peekAt(1)
		if seg.kind == tkIdent && p.peekAt(2).kind == tkLParen && (strings.EqualFold(seg.text, "any") || strings.EqualFold(seg.text, "all")) {
			return path, true, nil
		}
		p.next()
		t, err := p.expect(tkIdent)
		if err != nil {
			return nil, false, err
		}
		path = append(path, t.text)
	}
	return path, false, nil
}

func (p *parser) parseComparison() (fnode, error) {
	start := p.peek()
	path, lambda, err := p.parsePath()
	if err != nil {
		return nil, err
	}
	if lambda {
		p.next() // /
		op := p.next()
		if strings.EqualFold(op.text, "all") {
			return nil, syntaxErr("The 'all' lambda operator is not supported at position %d in '%s'.", op.pos, p.src)
		}
		p.next() // (
		v, err := p.expect(tkIdent)
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tkColon); err != nil {
			return nil, err
		}
		body, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tkRParen); err != nil {
			return nil, err
		}
		return &fAny{path: path, v: v.text, body: body, pos: start.pos}, nil
	}
	opTok := p.next()
	op := strings.ToLower(opTok.text)
	if opTok.kind != tkIdent {
		return nil, p.errAt(opTok)
	}
	switch op {
	case "eq", "ne", "lt", "le", "gt", "ge":
		lit, err := p.parseLiteral()
		if err != nil {
			return nil, err
		}
		return &fCompare{path: path, op: op, lit: lit, pos: start.pos}, nil
	case "in":
		if _, err := p.expect(tkLParen); err != nil {
			return nil, err
		}
		var list []fLiteral
		for {
			lit, err := p.parseLiteral()
			if err != nil {
				return nil, err
			}
			list = append(list, lit)
			if p.peek().kind == tkComma {
				p.next()
				continue
			}
			break
		}
		if _, err := p.expect(tkRParen); err != nil {
			return nil, err
		}
		return &fCompare{path: path, op: op, list: list, pos: start.pos}, nil
	}
	return nil, p.errAt(opTok)
}

func (p *parser) parseLiteral() (fLiteral, error) {
	t := p.next()
	lit := fLiteral{raw: t.text, pos: t.pos}
	switch t.kind {
	case tkString:
		lit.kind, lit.s = litString, t.text
	case tkDateTime:
		lit.kind, lit.t = litDateTime, t.t
	case tkGUID:
		lit.kind, lit.s = litGUID, t.text
	case tkNumber:
		lit.kind, lit.num = litNumber, t.num
	case tkIdent:
		switch strings.ToLower(t.text) {
		case "null":
			lit.kind = litNull
		case "true":
			lit.kind, lit.b = litBool, true
		case "false":
			lit.kind, lit.b = litBool, false
		default:
			return lit, p.errAt(t)
		}
	default:
		return lit, p.errAt(t)
	}
	return lit, nil
}
