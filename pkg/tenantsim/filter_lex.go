package tenantsim

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The $filter tokenizer: identifiers, '-quoted strings with '' for a quote,
// and unquoted GUID, datetime and number literals.

type tokKind int

const (
	tkEOF tokKind = iota
	tkIdent
	tkString
	tkNumber
	tkDateTime
	tkGUID
	tkLParen
	tkRParen
	tkComma
	tkSlash
	tkColon
)

type token struct {
	kind tokKind
	text string // identifier, unescaped string, or raw literal text
	pos  int
	t    time.Time
	num  float64
}

// filterSyntaxError is a $filter the parser rejects.
type filterSyntaxError struct{ msg string }

func (e *filterSyntaxError) Error() string { return e.msg }

func syntaxErr(format string, args ...any) *filterSyntaxError {
	return &filterSyntaxError{msg: fmt.Sprintf(format, args...)}
}

func isDigit(c byte) bool     { return c >= '0' && c <= '9' }
func isLetter(c byte) bool    { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isIdentChar(c byte) bool { return isLetter(c) || isDigit(c) || c == '_' }
func isLiteralChar(c byte) bool {
	return isIdentChar(c) || c == '-' || c == ':' || c == '.' || c == '+'
}

func isHex(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// guidAt reports whether s starts with a GUID (8-4-4-4-12 hex digits) that is
// not followed by another identifier character.
func guidAt(s string) bool {
	if len(s) < 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !isHex(s[i]) {
				return false
			}
		}
	}
	return len(s) == 36 || !isLiteralChar(s[36])
}

// tokenize splits a $filter into tokens.
func tokenize(src string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case c == '(':
			toks = append(toks, token{kind: tkLParen, text: "(", pos: i})
			i++
		case c == ')':
			toks = append(toks, token{kind: tkRParen, text: ")", pos: i})
			i++
		case c == ',':
			toks = append(toks, token{kind: tkComma, text: ",", pos: i})
			i++
		case c == '/':
			toks = append(toks, token{kind: tkSlash, text: "/", pos: i})
			i++
		case c == ':':
			toks = append(toks, token{kind: tkColon, text: ":", pos: i})
			i++
		case c == '\'':
			start := i
			var b strings.Builder
			i++
			closed := false
			for i < len(src) {
				if src[i] == '\'' {
					if i+1 < len(src) && src[i+1] == '\'' {
						b.WriteByte('\'')
						i += 2
						continue
					}
					i++
					closed = true
					break
				}
				b.WriteByte(src[i])
				i++
			}
			if !closed {
				return nil, syntaxErr("There is an unterminated string literal at position %d in '%s'.", start, src)
			}
			toks = append(toks, token{kind: tkString, text: b.String(), pos: start})
		case isLetter(c) && guidAt(src[i:]):
			toks = append(toks, token{kind: tkGUID, text: src[i : i+36], pos: i})
			i += 36
		case c == '$' && strings.HasPrefix(strings.ToLower(src[i:]), "$count") && (i+6 == len(src) || !isIdentChar(src[i+6])):
			// the $count path segment (collection/$count eq 0)
			toks = append(toks, token{kind: tkIdent, text: src[i : i+6], pos: i})
			i += 6
		case isLetter(c) || c == '_':
			start := i
			for i < len(src) && isIdentChar(src[i]) {
				i++
			}
			toks = append(toks, token{kind: tkIdent, text: src[start:i], pos: start})
		case isDigit(c) || c == '-':
			start := i
			i++
			for i < len(src) && isLiteralChar(src[i]) {
				i++
			}
			tok, err := classifyLiteral(src, start, src[start:i])
			if err != nil {
				return nil, err
			}
			toks = append(toks, tok)
		default:
			return nil, syntaxErr("Syntax error: character '%c' is not valid at position %d in '%s'.", c, i, src)
		}
	}
	return append(toks, token{kind: tkEOF, pos: len(src)}), nil
}

// classifyLiteral turns an unquoted word that starts with a digit or '-'
// into a GUID, datetime or number token.
func classifyLiteral(src string, pos int, word string) (token, error) {
	if guidAt(word) && len(word) == 36 {
		return token{kind: tkGUID, text: word, pos: pos}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, word); err == nil {
		return token{kind: tkDateTime, text: word, pos: pos, t: t}, nil
	}
	if n, err := strconv.ParseFloat(word, 64); err == nil && !strings.ContainsAny(word, "eEinfINFxX") {
		return token{kind: tkNumber, text: word, pos: pos, num: n}, nil
	}
	return token{}, syntaxErr("Syntax error at position %d in '%s'.", pos, src)
}
