package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestRender(t *testing.T) {
	raw := []byte(`{"figure":"graph-requests-per-onboarding","value":5,"unit":"requests","floor":5,"naive":13,"vsNaive":2.6,"target":"at most 5","met":true,"detail":"happy path"}
{"figure":"quota-share","value":88.5123,"unit":"% of the write quota","target":"at least 90 %","met":false}
{"figure":"p50","value":364,"unit":"ms","met":false}
`)
	figs, err := parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	render(&b, figs, raw, []profile{{"handler-cpu-0ms", "flat  flat%"}}, []string{"CPU: test"}, "scripts/bench.sh report", 90*time.Second, time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC))
	for _, want := range []string{
		"Written by `scripts/bench.sh report` on 2026-12-02 03:00 UTC (the benchmarks took 1m30s)",
		"- CPU: test",
		"| graph-requests-per-onboarding | 5 requests | 5 | 13 | 2.60× | at most 5 | yes |",
		"| quota-share | 88.51 % of the write quota | – | – | – | at least 90 % | **no** |",
		"| p50 | 364 ms | – | – | – | – | – |",
		"- **graph-requests-per-onboarding**: happy path.",
		"## CPU profile: handler-cpu-0ms", "flat  flat%",
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
