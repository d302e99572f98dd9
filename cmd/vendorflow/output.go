package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vendorflow/vendorflow/pkg/domain"
)

// Output formats of -o. Every command that reports something has -o: table
// for people (the default), json for scripts; a few add their own (csv).
// Under -o json, stdout holds one JSON document (an object or an array)
// and nothing else; progress and notices go to stderr.
const (
	formatTable = "table"
	formatJSON  = "json"
)

// output is the -o flag of one command. It is a pflag.Value: a format the
// command does not have is refused while the flags are parsed, as a usage
// error (exit code 2), before the command does anything.
type output struct {
	format  string
	allowed []string
}

// outputFlag registers -o/--output on c. The first of formats is the
// default; without formats it is table or json.
func outputFlag(c *cobra.Command, formats ...string) *output {
	if len(formats) == 0 {
		formats = []string{formatTable, formatJSON}
	}
	o := &output{format: formats[0], allowed: formats}
	c.Flags().VarP(o, "output", "o", strings.Join(formats, " or "))
	return o
}

// String is the format (pflag.Value).
func (o *output) String() string { return o.format }

// Type names the flag's value in --help (pflag.Value).
func (o *output) Type() string { return "format" }

// Set takes a format the command has (pflag.Value).
func (o *output) Set(s string) error {
	if !slices.Contains(o.allowed, s) {
		return fmt.Errorf("-o must be %s, not %q", strings.Join(o.allowed, " or "), s)
	}
	o.format = s
	return nil
}

// check refuses a format the command does not have (exit code 2). Set
// refuses one already; check stays for a caller that sets format itself.
func (o *output) check() error {
	if !slices.Contains(o.allowed, o.format) {
		return domain.Errorf(domain.Invalid, "-o must be %s, not %q", strings.Join(o.allowed, " or "), o.format)
	}
	return nil
}

// json reports whether -o json was asked for.
func (o *output) json() bool { return o.format == formatJSON }

// writeJSON prints v as one indented JSON document.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// write prints v as indented JSON under -o json, else runs table.
func (o *output) write(w io.Writer, v any, table func(io.Writer) error) error {
	if o.json() {
		return writeJSON(w, v)
	}
	if table == nil {
		return fmt.Errorf("no %s view", o.format)
	}
	return table(w)
}
