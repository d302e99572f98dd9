package secret

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"unicode"
)

func TestValueNeverPrints(t *testing.T) {
	v := New("Sup3r-Secret!")
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	log.Info("x", "tap", v, "nested", struct{ P Value }{v})
	j, err := json.Marshal(struct{ P Value }{v})
	if err != nil {
		t.Fatal(err)
	}
	outs := map[string]string{
		"%s":    fmt.Sprintf("%s", v),
		"%v":    fmt.Sprintf("%v", v),
		"%+v":   fmt.Sprintf("%+v", struct{ P Value }{v}),
		"%#v":   fmt.Sprintf("%#v", v),
		"%q":    fmt.Sprintf("%q", v),
		"%x":    fmt.Sprintf("%x", v),
		"error": fmt.Errorf("wrapped: %v", v).Error(),
		"errs":  errors.Join(fmt.Errorf("%s", v)).Error(),
		"json":  string(j),
		"slog":  buf.String(),
	}
	for name, out := range outs {
		if strings.Contains(out, "Secret") || !strings.Contains(out, "redacted") {
			t.Errorf("%s: %q leaks or lost the marker", name, out)
		}
	}
	if v.Reveal() != "Sup3r-Secret!" {
		t.Fatalf("Reveal = %q", v.Reveal())
	}
}

func TestPasswordClasses(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		p, err := Password(16)
		if err != nil {
			t.Fatal(err)
		}
		s := p.Reveal()
		if len(s) != 16 {
			t.Fatalf("len %d", len(s))
		}
		var up, lo, di, sy bool
		for _, r := range s {
			switch {
			case unicode.IsUpper(r):
				up = true
			case unicode.IsLower(r):
				lo = true
			case unicode.IsDigit(r):
				di = true
			default:
				sy = true
			}
		}
		if !(up && lo && di && sy) {
			t.Fatalf("password %d lacks a class", i)
		}
		if seen[s] {
			t.Fatalf("repeated password")
		}
		seen[s] = true
	}
}
