package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vendorflow/vendorflow/pkg/domain"
)

// exitMeaning is what the exit code of one error code means.
type exitMeaning struct {
	code  domain.Code
	means string
}

// What each exit code means. The numbers come from domain.OutcomeOf, the
// one table that also decides retry or park and the HTTP status; only the
// words are here, so --help cannot drift from what the binary returns.
var exitMeanings = []exitMeaning{
	{"", "done"},
	{domain.Internal, "anything else: a failure vendorflow could not classify (the message says what failed)"},
	{domain.Invalid, "invalid: a usage error (unknown command or flag, wrong number of arguments, a bad flag value), " +
		"an invalid request, or a setting that is missing or wrong (the message names it)"},
	{domain.Conflict, "conflict: the account exists and is not vendorflow's, or a request id was reused for other content"},
	{domain.NotFound, "not found: no such request, account, message or journal"},
	{domain.Business, "business failure: the tenant refused, e.g. no free seat (doctor: a check failed)"},
	{domain.Transient, "transient: throttled, or a service was unreachable; try again later"},
}

// exitCodeHelp is the exit-code table of `vendorflow --help`, ordered by
// code.
func exitCodeHelp() string {
	rows := slices.Clone(exitMeanings)
	slices.SortFunc(rows, func(a, b exitMeaning) int {
		return domain.OutcomeOf(a.code).ExitCode - domain.OutcomeOf(b.code).ExitCode
	})
	var b strings.Builder
	b.WriteString("Exit codes, the same for every command:\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "  %d  %s\n", domain.OutcomeOf(r.code).ExitCode, r.means)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// Examples of the commands cobra adds itself.
const (
	helpExample       = `  vendorflow help requests list`
	completionExample = `  vendorflow completion bash > /etc/bash_completion.d/vendorflow
  vendorflow completion zsh > "${fpath[1]}/_vendorflow"`
)

var completionExamples = map[string]string{
	"bash":       `  vendorflow completion bash > /etc/bash_completion.d/vendorflow`,
	"zsh":        `  vendorflow completion zsh > "${fpath[1]}/_vendorflow"`,
	"fish":       `  vendorflow completion fish > ~/.config/fish/completions/vendorflow.fish`,
	"powershell": `  vendorflow completion powershell | Out-String | Invoke-Expression`,
}

// applyConventions makes the whole command tree behave alike, whoever
// wrote a command:
//   - cobra's help and completion commands exist up front, with examples;
//   - a usage error (an unknown command or flag, a bad flag value, the
//     wrong number of arguments) is Invalid, so it exits 2, and says how
//     the command is used;
//   - a command that only groups others prints its help when run alone
//     and refuses an unknown subcommand (exit 2) instead of printing help
//     and exiting 0.
func applyConventions(root *cobra.Command) {
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return domain.Errorf(domain.Invalid, "%w; see `%s --help`", err, c.CommandPath())
	})
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		switch c.Name() {
		case "help":
			c.Example = helpExample
		case "completion":
			c.Example = completionExample
			for _, sub := range c.Commands() {
				sub.Example = completionExamples[sub.Name()]
			}
		}
	}
	classifyUsage(root)
}

// classifyUsage applies the usage conventions to c and its subcommands.
func classifyUsage(c *cobra.Command) {
	switch {
	case c.HasSubCommands() && c.Run == nil && c.RunE == nil:
		c.SuggestionsMinimumDistance = 2 // "lst" suggests list
		c.Args = unknownSubcommand
		c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	case c.Args != nil:
		check := c.Args
		c.Args = func(cmd *cobra.Command, args []string) error {
			err := check(cmd, args)
			if err == nil || domain.ErrorCode(err) != domain.Internal {
				return err // nil, or classified by the command itself
			}
			return domain.Errorf(domain.Invalid, "%w; usage: %s", err, cmd.UseLine())
		}
	}
	for _, sub := range c.Commands() {
		classifyUsage(sub)
	}
}

// unknownSubcommand refuses arguments to a command that only groups
// others: the first one is a subcommand it does not have.
func unknownSubcommand(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	hint := ""
	if s := c.SuggestionsFor(args[0]); len(s) > 0 {
		hint = fmt.Sprintf(" (did you mean %s?)", strings.Join(s, " or "))
	}
	return domain.Errorf(domain.Invalid, "unknown command %q for %q%s; `%s --help` lists its commands", args[0], c.CommandPath(), hint, c.CommandPath())
}
