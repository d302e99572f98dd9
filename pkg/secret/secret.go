// Package secret holds values that must never reach a log, the journal, an
// error or a dead-letter payload: Temporary Access Passes, passwords, client
// secrets, connection strings.
//
// A Value prints, formats, marshals and logs as "[redacted]"; only Reveal
// gives the text, and only the code that hands the secret to its one rightful
// recipient (Graph, the mail body) calls it.
package secret

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"math/big"
)

const redacted = "[redacted]"

// Value is a secret string.
type Value struct{ s string }

// New wraps s.
func New(s string) Value { return Value{s: s} }

// Reveal returns the secret text. Call it only where the secret is handed on.
func (v Value) Reveal() string { return v.s }

// IsZero reports whether v holds nothing.
func (v Value) IsZero() bool { return v.s == "" }

// String implements fmt.Stringer.
func (v Value) String() string { return redacted }

// GoString implements fmt.GoStringer (%#v).
func (v Value) GoString() string { return redacted }

// Format implements fmt.Formatter so that every verb redacts.
func (v Value) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue implements slog.LogValuer.
func (v Value) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON implements json.Marshaler.
func (v Value) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText implements encoding.TextMarshaler.
func (v Value) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// Password returns a random password of n characters (n ≥ 12) with all four
// character classes, which satisfies Entra's complexity rule (REFERENCE §2:
// 8–256 characters, 3 of 4 classes). It is drawn from crypto/rand.
func Password(n int) (Value, error) {
	if n < 12 {
		n = 12
	}
	classes := []string{"ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz", "23456789", "!#%+-=?@^_~"}
	all := classes[0] + classes[1] + classes[2] + classes[3]
	out := make([]byte, n)
	for i := range out {
		set := all
		if i < len(classes) {
			set = classes[i]
		}
		k, err := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
		if err != nil {
			return Value{}, fmt.Errorf("password: %w", err)
		}
		out[i] = set[k.Int64()]
	}
	// shuffle so that the class order is not predictable
	for i := len(out) - 1; i > 0; i-- {
		k, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		if err != nil {
			return Value{}, fmt.Errorf("password: %w", err)
		}
		j := k.Int64()
		out[i], out[j] = out[j], out[i]
	}
	return Value{s: string(out)}, nil
}
