package main

import (
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/vendorflow/vendorflow/pkg/domain"
)

// withoutOutput lists the runnable commands that have no -o, each with
// why: they serve, or print a file or script rather than a report. A
// command that reports must not be added here; give it outputFlag.
var withoutOutput = map[string]string{
	"vendorflow dev":                   "serves the local Functions host until stopped (its --demo --json prints the demo's summary)",
	"vendorflow serve":                 "the custom handler the Functions host starts: a server",
	"vendorflow tenantsim":             "serves the tenant emulator until stopped",
	"vendorflow config sample":         "prints the sample configuration, a YAML file to edit",
	"vendorflow barriers script":       "prints a PowerShell script",
	"vendorflow help":                  "cobra's help: prints help",
	"vendorflow completion bash":       "prints a shell completion script",
	"vendorflow completion zsh":        "prints a shell completion script",
	"vendorflow completion fish":       "prints a shell completion script",
	"vendorflow completion powershell": "prints a shell completion script",
}

// envAssignment is a leading NAME=value of a shell command line: a value
// without spaces, or one in quotes (no nested quotes: keep examples simple).
var envAssignment = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=(?:"[^"]*"|'[^']*'|[^\s"']+)\s+`)

// exampleProblems checks an Example: every line is a comment (#) or a
// command that, after any NAME=value assignments, runs vendorflow (a line
// ending in a backslash goes on on the next one); at least one runs the
// command itself (its whole path).
func exampleProblems(c *cobra.Command) []string {
	if strings.TrimSpace(c.Example) == "" {
		return []string{"has no Example: add one whose lines run `" + c.CommandPath() + " ...`"}
	}
	var problems []string
	runsItself, command := false, ""
	for _, line := range strings.Split(c.Example, "\n") {
		l := strings.TrimSpace(line)
		if command == "" && (l == "" || strings.HasPrefix(l, "#")) {
			continue
		}
		if cont, ok := strings.CutSuffix(l, `\`); ok {
			command += cont + " "
			continue
		}
		command += l
		for envAssignment.MatchString(command) {
			command = envAssignment.ReplaceAllString(command, "")
		}
		switch {
		case command != "vendorflow" && !strings.HasPrefix(command, "vendorflow "):
			problems = append(problems, "has an Example line that does not run vendorflow (or is no # comment): "+l)
		case command == c.CommandPath() || strings.HasPrefix(command, c.CommandPath()+" "):
			runsItself = true
		}
		command = ""
	}
	if !runsItself {
		problems = append(problems, "has an Example that never runs `"+c.CommandPath()+"` itself")
	}
	return problems
}

// walk calls fn on c and every command under it.
func walk(c *cobra.Command, fn func(*cobra.Command)) {
	fn(c)
	for _, sub := range c.Commands() {
		walk(sub, fn)
	}
}

// TestEveryCommandFollowsTheConventions walks the whole command tree: every
// command has a Short and an Example that runs it; every runnable command
// that is not a group of others says which arguments it takes (Args) and
// reports with -o table|json (outputFlag), unless withoutOutput says why
// not.
func TestEveryCommandFollowsTheConventions(t *testing.T) {
	root := NewMain(io.Discard, io.Discard, testEnv(nil)).rootCommand()
	seen := map[string]bool{}
	walk(root, func(c *cobra.Command) {
		path := c.CommandPath()
		if strings.HasPrefix(c.Name(), "__") {
			return // cobra's hidden shell-completion requests
		}
		seen[path] = true
		if strings.TrimSpace(c.Short) == "" {
			t.Errorf("%s has no Short: add a one-line description", path)
		}
		for _, p := range exampleProblems(c) {
			t.Errorf("%s %s", path, p)
		}
		if !c.Runnable() || c.HasSubCommands() {
			return // a group: it prints its help
		}
		// cobra's help takes any topic; every other command says what it takes
		if c.Args == nil && c.Name() != "help" {
			t.Errorf("%s has no Args: set it (cobra.NoArgs, cobra.ExactArgs(n), ...), or it takes any arguments silently", path)
		}
		out := c.Flags().Lookup("output")
		why, exempt := withoutOutput[path]
		switch {
		case exempt && out != nil:
			t.Errorf("%s has -o now: remove it from withoutOutput (%q)", path, why)
		case exempt:
		case out == nil:
			t.Errorf("%s has no -o: register it with outputFlag(c) (table or json), or, if it reports nothing, add it to withoutOutput with the reason", path)
		case out.Shorthand != "o" || !strings.Contains(out.Usage, formatTable) || !strings.Contains(out.Usage, formatJSON):
			t.Errorf("%s has -o %q (shorthand %q), which does not offer table and json: use outputFlag", path, out.Usage, out.Shorthand)
		}
	})
	for path := range withoutOutput {
		if !seen[path] {
			t.Errorf("withoutOutput names %s, which is no command: remove the entry", path)
		}
	}
	// The walk must have found the tree, not an empty root.
	for _, path := range []string{"vendorflow requests list", "vendorflow accounts list", "vendorflow deadletters replay", "vendorflow completion bash"} {
		if !seen[path] {
			t.Errorf("the walk did not reach %s", path)
		}
	}
}

// TestExampleProblems pins the Example rules on made-up commands, so that
// the walk above cannot pass by checking nothing.
func TestExampleProblems(t *testing.T) {
	parent := &cobra.Command{Use: "vendorflow"}
	for _, tc := range []struct {
		example string
		want    []string
	}{
		{"  vendorflow thing --x\n  # a comment\n  vendorflow thing -o json | jq .", nil},
		{"  VENDORFLOW_A=1 B=2 vendorflow thing", nil},
		{`  A="$(x | y)" B='a b' C=c vendorflow thing`, nil},
		{"  X=1 \\\n    vendorflow other \\\n    --flag\n  vendorflow thing", nil},
		{"  X=1 \\\n    vendorflow thing --flag", nil},
		{"  X=1 \\\n    curl thing", []string{"has an Example line that does not run vendorflow (or is no # comment): curl thing", "has an Example that never runs `vendorflow thing` itself"}},
		{"", []string{"has no Example: add one whose lines run `vendorflow thing ...`"}},
		{"  vendorflow other", []string{"has an Example that never runs `vendorflow thing` itself"}},
		{"  vendorflow thingy", []string{"has an Example that never runs `vendorflow thing` itself"}},
		{"  curl localhost\n  vendorflow thing", []string{"has an Example line that does not run vendorflow (or is no # comment): curl localhost"}},
	} {
		c := &cobra.Command{Use: "thing", Example: tc.example}
		parent.AddCommand(c)
		got := exampleProblems(c)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("Example %q: problems %q, want %q", tc.example, got, tc.want)
		}
		parent.RemoveCommand(c)
	}
}

// TestExitCodeHelp: the table in --help comes from domain.OutcomeOf, one
// line per exit code, and process --help shows the same table.
func TestExitCodeHelp(t *testing.T) {
	h := exitCodeHelp()
	codes := map[int]bool{}
	for _, r := range exitMeanings {
		n := domain.OutcomeOf(r.code).ExitCode
		if codes[n] {
			t.Errorf("exit code %d is listed twice", n)
		}
		codes[n] = true
		if !strings.Contains(h, "\n  "+strconv.Itoa(n)+"  "+r.means) {
			t.Errorf("the exit-code help lacks %d (%s):\n%s", n, r.code, h)
		}
	}
	for n := range 7 {
		if !codes[n] {
			t.Errorf("exit code %d is not explained", n)
		}
	}
	for _, args := range [][]string{{"--help"}, {"process", "--help"}} {
		out, _, err := run(t, nil, args...)
		if err != nil || !strings.Contains(out, h) {
			t.Errorf("vendorflow %s: err %v, and the help lacks the exit codes:\n%s", strings.Join(args, " "), err, out)
		}
	}
}
