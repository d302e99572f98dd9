package funcapp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadHost(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name, path string
		want       int
		err        string
	}{
		{"the repository's host.json", filepath.Join("..", "..", HostFile), 8, ""},
		{"no file: the extension's default", filepath.Join(dir, "missing.json"), DefaultMaxConcurrentCalls(), ""},
		{"unset", write("unset.json", `{"version":"2.0","extensions":{"serviceBus":{"prefetchCount":0}}}`), DefaultMaxConcurrentCalls(), ""},
		{"set", write("set.json", `{"version":"2.0","extensions":{"serviceBus":{"maxConcurrentCalls":3}}}`), 3, ""},
		{"zero", write("zero.json", `{"extensions":{"serviceBus":{"maxConcurrentCalls":0}}}`), 0, "positive whole number"},
		{"fraction", write("frac.json", `{"extensions":{"serviceBus":{"maxConcurrentCalls":2.5}}}`), 0, "positive whole number"},
		// the host reads host.json through .NET configuration, where every
		// value is a string: "8" and 8 are the same setting
		{"a quoted number", write("str.json", `{"extensions":{"serviceBus":{"maxConcurrentCalls":"8"}}}`), 8, ""},
		{"a word", write("word.json", `{"extensions":{"serviceBus":{"maxConcurrentCalls":"many"}}}`), 0, "not valid JSON"},
		{"not JSON", write("bad.json", `{"extensions":`), 0, "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := ReadHost(tt.path)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ReadHost = %+v, %v; want an error with %q", h, err, tt.err)
				}
				return
			}
			if err != nil || h.MaxConcurrentCalls != tt.want {
				t.Fatalf("ReadHost = %+v, %v; want maxConcurrentCalls %d", h, err, tt.want)
			}
		})
	}
}
