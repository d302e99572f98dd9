// Command benchmd writes BENCHMARKS.md from the JSON lines the benchmarks
// append to $VENDORFLOW_BENCH_OUT (pkg/benchreport), with the machine they
// ran on read from the machine itself. scripts/bench.sh report runs it.
//
// Usage:
//
//	go run ./tools/benchmd -in figures.jsonl -o BENCHMARKS.md -cmd "scripts/bench.sh report" -took 312s
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vendorflow/vendorflow/pkg/benchreport"
)

func main() {
	in := flag.String("in", "", "JSON lines written by the benchmarks (required)")
	out := flag.String("o", "BENCHMARKS.md", "report to write")
	cmd := flag.String("cmd", "scripts/bench.sh report", "the command that produced the figures, for the report")
	took := flag.Duration("took", 0, "how long the benchmarks ran")
	profiles := flag.String("profiles", "", "directory of CPU profile tops (<name>.txt) to include")
	before := flag.String("before", "", "a profile top recorded before a change, <name>-before.txt, its first line a '# ' note saying when: shown beside <name> from -profiles")
	why := flag.String("why", "", "markdown whose '## <figure>' sections say why a figure misses its target")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: benchmd -in FIGURES.jsonl [-profiles DIR] [-before FILE] [-why FILE] [-o BENCHMARKS.md] [-cmd CMD] [-took D]\nexample: go run ./tools/benchmd -in /tmp/figures.jsonl -profiles /tmp/profiles -before docs/profiles/handler-cpu-0ms-before.txt -why docs/benchmarks-why.md -o BENCHMARKS.md -took 5m12s")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *in == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*in, *profiles, *before, *why, *out, *cmd, *took, time.Now()); err != nil {
		fmt.Fprintln(os.Stderr, "benchmd:", err)
		os.Exit(1)
	}
}

func run(in, profileDir, beforeFile, whyFile, out, cmd string, took time.Duration, now time.Time) error {
	raw, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	figs, err := parse(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	if len(figs) == 0 {
		return fmt.Errorf("%s: no figures", in)
	}
	var profiles []profile
	if profileDir != "" {
		if profiles, err = readProfiles(profileDir); err != nil {
			return err
		}
	}
	if beforeFile != "" {
		if profiles, err = withBefore(profiles, beforeFile); err != nil {
			return err
		}
	}
	why := map[string]string{}
	if whyFile != "" {
		if why, err = readWhy(whyFile); err != nil {
			return err
		}
	}
	var b bytes.Buffer
	render(&b, figs, raw, profiles, why, machine(), cmd, took, now)
	return os.WriteFile(out, b.Bytes(), 0o644)
}

// readWhy reads the "## <figure>" sections of a markdown file: figure
// name to its text (paragraphs joined).
func readWhy(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	name := ""
	var text []string
	flush := func() {
		if name != "" {
			out[name] = strings.Join(strings.Fields(strings.Join(text, " ")), " ")
		}
	}
	for _, line := range strings.Split(string(b), "\n") {
		if h, ok := strings.CutPrefix(line, "## "); ok {
			flush()
			name, text = strings.TrimSpace(h), nil
			if _, dup := out[name]; dup {
				return nil, fmt.Errorf("%s: figure %s has two sections", path, name)
			}
			continue
		}
		text = append(text, line)
	}
	flush()
	return out, nil
}

// profile is the top of one CPU profile (`go tool pprof -top`), with the
// top recorded before a change when there is one.
type profile struct {
	name, top string
	// before is the earlier top, and beforeNote says when it was recorded.
	before, beforeNote string
}

// withBefore attaches the top in path (<name>-before.txt, its first line a
// "# " note) to the profile <name>.
func withBefore(profiles []profile, path string) ([]profile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	note, top, ok := strings.Cut(string(b), "\n")
	if !strings.HasPrefix(note, "# ") || !ok {
		return nil, fmt.Errorf("%s: the first line must be a \"# \" note saying when the profile was recorded", path)
	}
	name := strings.TrimSuffix(filepath.Base(path), "-before.txt")
	for i := range profiles {
		if profiles[i].name == name {
			profiles[i].before, profiles[i].beforeNote = strings.TrimSpace(top), strings.TrimPrefix(note, "# ")
			return profiles, nil
		}
	}
	return nil, fmt.Errorf("%s: no profile %s in this run to set it beside", path, name)
}

// readProfiles reads dir/*.txt in name order.
func readProfiles(dir string) ([]profile, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var out []profile
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		out = append(out, profile{name: strings.TrimSuffix(filepath.Base(p), ".txt"), top: strings.TrimSpace(string(b))})
	}
	return out, nil
}

// parse reads one Figure per line, refusing unknown fields.
func parse(raw []byte) ([]benchreport.Figure, error) {
	var figs []benchreport.Figure
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		var f benchreport.Figure
		if err := dec.Decode(&f); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if f.Figure == "" {
			return nil, fmt.Errorf("line %d: no figure name", n)
		}
		figs = append(figs, f)
	}
	return figs, sc.Err()
}

// machine describes this machine from /proc (Linux) and the Go runtime.
func machine() []string {
	lines := []string{
		fmt.Sprintf("CPU: %s, %d logical cores (GOMAXPROCS %d)", procField("/proc/cpuinfo", "model name"), runtime.NumCPU(), runtime.GOMAXPROCS(0)),
	}
	if kb, err := strconv.ParseFloat(strings.Fields(procField("/proc/meminfo", "MemTotal") + " 0")[0], 64); err == nil && kb > 0 {
		lines = append(lines, fmt.Sprintf("Memory: %.1f GiB", kb/(1<<20)))
	}
	kernel := "unknown"
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = strings.TrimSpace(string(b))
	}
	lines = append(lines, fmt.Sprintf("OS: %s/%s, kernel %s", runtime.GOOS, runtime.GOARCH, kernel), "Go: "+runtime.Version())
	return lines
}

// procField returns the value of the first "key : value" line of a /proc file.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func render(w io.Writer, figs []benchreport.Figure, raw []byte, profiles []profile, why map[string]string, mach []string, cmd string, took time.Duration, now time.Time) {
	fmt.Fprintf(w, "# Benchmarks\n\nWritten by `%s` on %s", cmd, now.UTC().Format("2006-01-02 15:04 MST"))
	if took > 0 {
		fmt.Fprintf(w, " (the benchmarks took %s)", took.Round(time.Second))
	}
	fmt.Fprint(w, ". Every figure is read back from the system it describes (the emulator's request log, the journal) by the benchmark named in its detail; ratios to the naive baseline are measured in the same run. Rerun the command to refresh this file; do not edit it.\n\n## Machine\n\n")
	for _, m := range mach {
		fmt.Fprintf(w, "- %s\n", m)
	}
	fmt.Fprint(w, "\n## Figures\n\n| figure | value | floor | naive | naive ÷ value | target | met |\n|---|---|---|---|---|---|---|\n")
	for _, f := range figs {
		met, target := yes(f.Met), f.Target
		if target == "" {
			met, target = "–", "–" // a figure reported for information
		}
		fmt.Fprintf(w, "| %s | %s %s | %s | %s | %s | %s | %s |\n", f.Figure, num(f.Value), f.Unit, opt(f.Floor), opt(f.Naive), ratio(f.VsNaive), target, met)
	}
	fmt.Fprint(w, "\n## Targets missed, and why\n\n")
	missed := 0
	for _, f := range figs {
		if f.Target == "" || f.Met {
			continue
		}
		missed++
		reason := why[f.Figure]
		if reason == "" {
			reason = "No explanation is recorded for this figure."
		}
		fmt.Fprintf(w, "- **%s**: %s %s against %s. %s\n", f.Figure, num(f.Value), f.Unit, f.Target, reason)
	}
	if missed == 0 {
		fmt.Fprint(w, "Every target was met.\n")
	}
	fmt.Fprint(w, "\n## How each was measured\n\n")
	// figures measured together share one line
	var order []string
	names := map[string][]string{}
	for _, f := range figs {
		if f.Detail == "" {
			continue
		}
		if _, ok := names[f.Detail]; !ok {
			order = append(order, f.Detail)
		}
		names[f.Detail] = append(names[f.Detail], "**"+f.Figure+"**")
	}
	for _, d := range order {
		fmt.Fprintf(w, "- %s: %s.\n", strings.Join(names[d], ", "), d)
	}
	for _, p := range profiles {
		if p.before == "" {
			fmt.Fprintf(w, "\n## CPU profile: %s\n\nThe top of `go tool pprof -top` for the profile the benchmark took:\n\n```\n%s\n```\n", p.name, p.top)
			continue
		}
		fmt.Fprintf(w, "\n## CPU profile: %s, before and after\n\nThe top of `go tool pprof -top` for the profile the benchmark took in this run:\n\n```\n%s\n```\n\nBefore: %s\n\n```\n%s\n```\n", p.name, p.top, p.beforeNote, p.before)
	}
	fmt.Fprintf(w, "\n## The figures as JSON lines\n\n```json\n%s\n```\n", bytes.TrimSpace(raw))
}

// num writes a whole number as such and anything else to two decimals.
func num(v float64) string {
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

func opt(v float64) string {
	if v == 0 {
		return "–"
	}
	return num(v)
}

func ratio(v float64) string {
	if v == 0 {
		return "–"
	}
	return strconv.FormatFloat(v, 'f', 2, 64) + "×"
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "**no**"
}
