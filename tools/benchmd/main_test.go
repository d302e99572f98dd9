package main

import (
	"bytes"
	"os"

	"github.com/vendorflow/vendorflow/pkg/benchreport"
	"strings"
	"testing"
	"time"
)

func TestRender(t *testing.T) {
	raw := []byte(`{"figure":"graph-requests-per-onboarding","value":5,"unit":"requests","floor":5,"naive":13,"vsNaive":2.6,"target":"at most 5","met":true,"detail":"happy path"}
{"figure":"quota-share","value":88.5123,"unit":"% of the write quota","target":"at least 90 %","met":false}
{"figure":"p50","value":364,"unit":"ms","met":false}
{"figure":"p99","value":900,"unit":"ms","met":false,"detail":"paced run"}
{"figure":"p90","value":700,"unit":"ms","met":false,"detail":"paced run"}
`)
	figs, err := parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	render(&b, figs, raw, []profile{{name: "handler-cpu-0ms", top: "flat  flat%"}, {name: "other", top: "after top", before: "before top", beforeNote: "at commit abc"}}, map[string]string{"quota-share": "Because."}, []string{"CPU: test"}, "scripts/bench.sh report", 90*time.Second, time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC))
	for _, want := range []string{
		"Written by `scripts/bench.sh report` on 2026-12-02 03:00 UTC (the benchmarks took 1m30s)",
		"- CPU: test",
		"| graph-requests-per-onboarding | 5 requests | 5 | 13 | 2.60× | at most 5 | yes |",
		"| quota-share | 88.51 % of the write quota | – | – | – | at least 90 % | **no** |",
		"| p50 | 364 ms | – | – | – | – | – |",
		"- **graph-requests-per-onboarding**: happy path.",
		"- **p99**, **p90**: paced run.",
		"## Targets missed, and why", "- **quota-share**: 88.51 % of the write quota against at least 90 %. Because.",
		"## CPU profile: handler-cpu-0ms\n", "flat  flat%",
		"## CPU profile: other, before and after", "after top", "Before: at commit abc", "before top",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for _, bad := range []string{`{"figure":"x","shoe":1}`, `{"value":1}`, `not json`} {
		if _, err := parse([]byte(bad)); err == nil {
			t.Errorf("parse(%s) accepted it", bad)
		}
	}
}

func TestWithBefore(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := dir + "/" + name
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("cpu-before.txt", "# at commit abc\nflat top\n")
	got, err := withBefore([]profile{{name: "cpu", top: "now"}}, good)
	if err != nil || got[0].before != "flat top" || got[0].beforeNote != "at commit abc" {
		t.Fatalf("withBefore = %+v, %v", got, err)
	}
	if _, err := withBefore([]profile{{name: "other"}}, good); err == nil {
		t.Error("a before without its profile in the run was accepted")
	}
	if _, err := withBefore([]profile{{name: "cpu"}}, write("cpu-before.txt", "flat top\n")); err == nil {
		t.Error("a before without its note was accepted")
	}
}

func TestReadWhy(t *testing.T) {
	dir := t.TempDir()
	p := dir + "/why.md"
	if err := os.WriteFile(p, []byte("# Title\n\nintro\n\n## a\n\nFirst line\nsecond.\n\n## b\nOther.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := readWhy(p)
	if err != nil || got["a"] != "First line second." || got["b"] != "Other." || len(got) != 2 {
		t.Fatalf("readWhy = %q, %v", got, err)
	}
	if err := os.WriteFile(p, []byte("## a\nx\n## a\ny\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readWhy(p); err == nil {
		t.Error("two sections for one figure were accepted")
	}
	var b bytes.Buffer
	render(&b, []benchreport.Figure{{Figure: "x", Value: 1, Unit: "s", Target: "at most 2 s", Met: true}}, nil, nil, nil, nil, "cmd", 0, time.Now())
	if !strings.Contains(b.String(), "Every target was met.") {
		t.Errorf("a report with no miss does not say so:\n%s", b.String())
	}
	b.Reset()
	render(&b, []benchreport.Figure{{Figure: "x", Value: 3, Unit: "s", Target: "at most 2 s"}}, nil, nil, nil, nil, "cmd", 0, time.Now())
	if !strings.Contains(b.String(), "- **x**: 3 s against at most 2 s. No explanation is recorded for this figure.") {
		t.Errorf("an unexplained miss is not reported as such:\n%s", b.String())
	}
}
