package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vendorflow/vendorflow/pkg/domain"
)

// Output formats of -o. Every command that reports something has -o: table
// for people (the default), json for scripts; a few add their own (csv).
const (
	formatTable = "table"
	formatJSON  = "json"
)

// output is the -o flag of one command.
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
	o := &output{allowed: formats}
	c.Flags().StringVarP(&o.format, "output", "o", formats[0], strings.Join(formats, " or "))
	return o
}

// check refuses a format the command does not have (exit code 2).
func (o *output) check() error {
	if !slices.Contains(o.allowed, o.format) {
		return domain.Errorf(domain.Invalid, "-o must be %s, not %q", strings.Join(o.allowed, " or "), o.format)
	}
	return nil
}

// json reports whether -o json was asked for.
func (o *output) json() bool { return o.format == formatJSON }

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
