// Package odata holds the one rule vendorflow needs for writing OData
// query options by hand: how a value becomes a string literal. It has no
// dependencies, so that the Graph adapter uses it and the emulator's
// fuzz test checks it without building the Graph SDK.
package odata

import "strings"

// String returns s as an OData string literal: quoted with ' and every '
// inside doubled, so that request data can never end the literal and
// inject filter syntax (REFERENCE §2 "Queries";
// docs.oasis-open.org/odata/odata/v4.01 ABNF SQUOTE-in-string).
//
//	String("o'brien@x")                 == "'o''brien@x'"
//	String("x' or 1 eq 1 or a eq 'y")   == "'x'' or 1 eq 1 or a eq ''y'"
func String(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
