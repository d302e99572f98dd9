package tenantsim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestTokenize(t *testing.T) {
	type tok struct {
		Kind tokKind
		Text string
	}
	tests := []struct {
		name string
		src  string
		want []tok
		err  string
	}{
		{"comparison", "userPrincipalName eq 'a@b.com'", []tok{{tkIdent, "userPrincipalName"}, {tkIdent, "eq"}, {tkString, "a@b.com"}, {tkEOF, ""}}, ""},
		{"doubled quote", "surname eq 'O''Brien'", []tok{{tkIdent, "surname"}, {tkIdent, "eq"}, {tkString, "O'Brien"}, {tkEOF, ""}}, ""},
		{"only quotes", "x eq ''''", []tok{{tkIdent, "x"}, {tkIdent, "eq"}, {tkString, "'"}, {tkEOF, ""}}, ""},
		{"empty string", "x eq ''", []tok{{tkIdent, "x"}, {tkIdent, "eq"}, {tkString, ""}, {tkEOF, ""}}, ""},
		{"datetime", "employeeLeaveDateTime le 2026-01-01T00:00:00Z", []tok{{tkIdent, "employeeLeaveDateTime"}, {tkIdent, "le"}, {tkDateTime, "2026-01-01T00:00:00Z"}, {tkEOF, ""}}, ""},
		{"datetime offset", "d ge 2026-01-01T00:00:00.5+02:00", []tok{{tkIdent, "d"}, {tkIdent, "ge"}, {tkDateTime, "2026-01-01T00:00:00.5+02:00"}, {tkEOF, ""}}, ""},
		{"guid with letter", "s/skuId eq e48328a2-8e98-4484-a70f-a99f8ac9ec89", []tok{{tkIdent, "s"}, {tkSlash, "/"}, {tkIdent, "skuId"}, {tkIdent, "eq"}, {tkGUID, "e48328a2-8e98-4484-a70f-a99f8ac9ec89"}, {tkEOF, ""}}, ""},
		{"guid with digit", "x eq 7a551360-26c4-4f61-84e6-ef715673e083", []tok{{tkIdent, "x"}, {tkIdent, "eq"}, {tkGUID, "7a551360-26c4-4f61-84e6-ef715673e083"}, {tkEOF, ""}}, ""},
		{"lambda", "otherMails/any(m:m eq 'a@b')", []tok{{tkIdent, "otherMails"}, {tkSlash, "/"}, {tkIdent, "any"}, {tkLParen, "("}, {tkIdent, "m"}, {tkColon, ":"}, {tkIdent, "m"}, {tkIdent, "eq"}, {tkString, "a@b"}, {tkRParen, ")"}, {tkEOF, ""}}, ""},
		{"number", "x eq -12", []tok{{tkIdent, "x"}, {tkIdent, "eq"}, {tkNumber, "-12"}, {tkEOF, ""}}, ""},
		{"unterminated", "userPrincipalName eq 'abc", nil, "There is an unterminated string literal at position 21 in 'userPrincipalName eq 'abc'."},
		{"injection leaves quote open", "userPrincipalName eq 'x' or 'y", nil, "There is an unterminated string literal at position 28 in 'userPrincipalName eq 'x' or 'y'."},
		{"bad character", "x eq \"a\"", nil, "Syntax error: character '\"' is not valid at position 5 in 'x eq \"a\"'."},
		{"bad literal", "x eq 12ab", nil, "Syntax error at position 5 in 'x eq 12ab'."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			toks, err := tokenize(tt.src)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("tokenize: %v", err)
			}
			var got []tok
			for _, k := range toks {
				got = append(got, tok{k.kind, k.text})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("tokens (-want +got):\n%s", diff)
			}
		})
	}
}

// render prints an AST in a canonical prefix form for comparison.
func render(n fnode) string {
	switch n := n.(type) {
	case *fLogical:
		return "(" + n.op + " " + render(n.l) + " " + render(n.r) + ")"
	case *fNot:
		return "(not " + render(n.x) + ")"
	case *fCompare:
		if n.op == "in" {
			var parts []string
			for _, l := range n.list {
				parts = append(parts, renderLit(l))
			}
			return "(in " + strings.Join(n.path, "/") + " [" + strings.Join(parts, " ") + "])"
		}
		return "(" + n.op + " " + strings.Join(n.path, "/") + " " + renderLit(n.lit) + ")"
	case *fFunc:
		return "(" + n.name + " " + strings.Join(n.path, "/") + " " + renderLit(n.lit) + ")"
	case *fAny:
		return "(any " + strings.Join(n.path, "/") + " " + n.v + " " + render(n.body) + ")"
	}
	return "?"
}

func renderLit(l fLiteral) string {
	switch l.kind {
	case litNull:
		return "null"
	case litString:
		return "'" + l.s + "'"
	case litBool:
		if l.b {
			return "true"
		}
		return "false"
	case litDateTime:
		return l.t.UTC().Format(time.RFC3339)
	case litGUID:
		return "guid:" + l.s
	}
	return l.raw
}

func TestParseFilter(t *testing.T) {
	tests := []struct {
		src  string
		want string
		err  string
	}{
		{src: "a eq 'x'", want: "(eq a 'x')"},
		{src: "a eq 'x' and b eq 'y' or c eq 'z'", want: "(or (and (eq a 'x') (eq b 'y')) (eq c 'z'))"},
		{src: "a eq 'x' and (b eq 'y' or c eq 'z')", want: "(and (eq a 'x') (or (eq b 'y') (eq c 'z')))"},
		{src: "not (a eq 'x')", want: "(not (eq a 'x'))"},
		{src: "not startsWith(a,'x')", want: "(not (startswith a 'x'))"},
		{src: "NOT a ne null", want: "(not (ne a null))"},
		{src: "startswith(displayName, 'Ven')", want: "(startswith displayName 'Ven')"},
		{src: "endsWith(mail,'@vendor1.com')", want: "(endswith mail '@vendor1.com')"},
		{src: "onPremisesExtensionAttributes/extensionAttribute3 eq 'Vendor1'", want: "(eq onPremisesExtensionAttributes/extensionAttribute3 'Vendor1')"},
		{src: "otherMails/any(x:x eq 'a@b.com')", want: "(any otherMails x (eq x 'a@b.com'))"},
		{src: "assignedLicenses/any(s:s/skuId eq 7a551360-26c4-4f61-84e6-ef715673e083)", want: "(any assignedLicenses s (eq s/skuId guid:7a551360-26c4-4f61-84e6-ef715673e083))"},
		{src: "employeeLeaveDateTime le 2026-01-01T00:00:00Z and accountEnabled eq true", want: "(and (le employeeLeaveDateTime 2026-01-01T00:00:00Z) (eq accountEnabled true))"},
		{src: "userPrincipalName in ('a@x.com', 'b@x.com')", want: "(in userPrincipalName ['a@x.com' 'b@x.com'])"},
		{src: "surname eq 'O''Brien'", want: "(eq surname 'O'Brien')"},
		// An injection attempt that doubles its quotes stays one literal.
		{src: "userPrincipalName eq 'x'' or ''1'' eq ''1'", want: "(eq userPrincipalName 'x' or '1' eq '1')"},
		// Undoubled quotes: the "injected" clause is parsed as real syntax —
		// which is why callers must escape.
		{src: "userPrincipalName eq 'x' or displayName eq 'y'", want: "(or (eq userPrincipalName 'x') (eq displayName 'y'))"},
		{src: "", err: "Expression expected at position 0 in ''."},
		{src: "a eq", err: "Syntax error at position 4 in 'a eq'."},
		{src: "a eq 'x' b", err: "Syntax error at position 9 in 'a eq 'x' b'."},
		{src: "(a eq 'x'", err: "Syntax error at position 9 in '(a eq 'x''."},
		{src: "a like 'x'", err: "Syntax error at position 2 in 'a like 'x''."},
		{src: "contains(a,'x')", err: "An unknown function with name 'contains' was found. This may also be a function import or a key lookup on a navigation property, which is not allowed."},
		{src: "otherMails/all(x:x eq 'a')", err: "The 'all' lambda operator is not supported at position 11 in 'otherMails/all(x:x eq 'a')'."},
		{src: "a eq 'x' and", err: "Syntax error at position 12 in 'a eq 'x' and'."},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			n, err := parseFilter(tt.src)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if got := render(n); got != tt.want {
				t.Errorf("AST = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestCompileFilterErrors(t *testing.T) {
	tests := []struct {
		src      string
		msg      string
		advanced string
	}{
		{src: "foo eq 'x'", msg: "Could not find a property named 'foo' on type 'microsoft.graph.user'."},
		{src: "onPremisesExtensionAttributes/extensionAttribute16 eq 'x'", msg: "Could not find a property named 'extensionAttribute16' on type 'microsoft.graph.onPremisesExtensionAttributes'."},
		{src: "employeeLeaveDateTime le '2026-01-01'", msg: "Invalid filter clause: A binary operator with incompatible types was detected. Found operand types 'Edm.DateTimeOffset' and 'Edm.String' for operator kind 'LessThanOrEqual'."},
		{src: "accountEnabled eq 'true'", msg: "Invalid filter clause: A binary operator with incompatible types was detected. Found operand types 'Edm.Boolean' and 'Edm.String' for operator kind 'Equal'."},
		{src: "displayName eq 5", msg: "Invalid filter clause: A binary operator with incompatible types was detected. Found operand types 'Edm.String' and 'Edm.Int32' for operator kind 'Equal'."},
		{src: "assignedLicenses/any(s:s/skuId eq '7a551360-26c4-4f61-84e6-ef715673e083')", msg: "Invalid filter clause: A binary operator with incompatible types was detected. Found operand types 'Edm.Guid' and 'Edm.String' for operator kind 'Equal'."},
		{src: "otherMails eq 'a@b'", msg: "Invalid filter clause: The operand for a binary operator 'Equal' is not a single value. Binary operators require both operands to be single values."},
		{src: "startsWith(accountEnabled,'t')", msg: "Invalid filter clause: No function signature for the function with name 'startswith' matches the specified arguments. The function signatures considered are: startswith(Edm.String Nullable=true, Edm.String Nullable=true)."},
		{src: "displayName/any(x:x eq 'a')", msg: "Invalid filter clause: Any/All may only be used following a collection."},
		{src: "userPrincipalName eq 'abc", msg: "Invalid filter clause: There is an unterminated string literal at position 21 in 'userPrincipalName eq 'abc'."},
		// Accepted, but only as advanced queries.
		{src: "companyName eq 'Vendor1'", advanced: "Unsupported or invalid query filter clause specified for property 'companyName' of resource 'User'."},
		{src: "employeeType eq 'Vendor'", advanced: "Unsupported or invalid query filter clause specified for property 'employeeType' of resource 'User'."},
		{src: "onPremisesExtensionAttributes/extensionAttribute1 eq 'x'", advanced: "Unsupported or invalid query filter clause specified for property 'onPremisesExtensionAttributes/extensionAttribute1' of resource 'User'."},
		{src: "employeeLeaveDateTime le 2026-01-01T00:00:00Z", advanced: "Unsupported or invalid query filter clause specified for property 'employeeLeaveDateTime' of resource 'User'."},
		{src: "otherMails/any(x:x eq 'a@b.com')", advanced: "Unsupported or invalid query filter clause specified for property 'otherMails' of resource 'User'."},
		{src: "department ne 'Experts'", advanced: "Filter operator 'NotEqualsMatch' is not supported."},
		{src: "not (department eq 'Experts')", advanced: "Filter operator 'Not' is not supported."},
		{src: "endsWith(userPrincipalName,'@ABC.com')", advanced: "Filter operator 'EndsWith' is not supported."},
		{src: "department eq null", advanced: "Unsupported or invalid query filter clause specified for property 'department' of resource 'User'."},
		// Default queries.
		{src: "userPrincipalName eq 'a@ABC.com'"},
		{src: "employeeId eq '42' and department eq 'Experts'"},
		{src: "startsWith(displayName,'Ven')"},
		{src: "assignedLicenses/any(s:s/skuId eq 7a551360-26c4-4f61-84e6-ef715673e083)"},
	}
	schema := userSchema()
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			cf, err := compileFilter(tt.src, schema)
			if tt.msg != "" {
				if err == nil {
					t.Fatalf("compiled; want error %q", tt.msg)
				}
				if diff := cmp.Diff([]any{http.StatusBadRequest, CodeBadRequest, tt.msg}, []any{err.status, err.code, err.message}); diff != "" {
					t.Errorf("error (-want +got):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			if cf.advanced != tt.advanced {
				t.Errorf("advanced = %q, want %q", cf.advanced, tt.advanced)
			}
		})
	}
}

func TestFilterMatch(t *testing.T) {
	leave := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	users := []User{
		{ID: "1", UserPrincipalName: "Vendor1_A_SA@ABC.com", DisplayName: "Vendor1 A", CompanyName: "Vendor1", Department: "Vendors",
			AccountEnabled: true, EmployeeLeaveDateTime: leave, OtherMails: []string{"Vendor1_A@Vendor1.com"},
			AssignedLicenses: []AssignedLicense{{SkuID: SKURemoteAssist}}},
		{ID: "2", UserPrincipalName: "O'Brien_SA@ABC.com", DisplayName: "Pat O'Brien", CompanyName: "Vendor2", AccountEnabled: false},
		{ID: "3", UserPrincipalName: "ava.expert@ABC.com", DisplayName: "Ava Expert", Department: "Experts", AccountEnabled: true,
			EmployeeLeaveDateTime: leave.AddDate(1, 0, 0)},
	}
	users[0].OnPremisesExtensionAttributes.Set(3, "vendorflow")
	tests := []struct {
		src  string
		want []string
	}{
		{"userPrincipalName eq 'vendor1_a_sa@abc.com'", []string{"1"}},
		{"userPrincipalName eq 'O''Brien_SA@ABC.com'", []string{"2"}},
		{"userPrincipalName eq 'x'' or ''1'' eq ''1'", nil},
		{"startsWith(displayName,'pat')", []string{"2"}},
		{"endsWith(userPrincipalName,'_SA@ABC.com')", []string{"1", "2"}},
		{"companyName eq 'Vendor1' or companyName eq 'Vendor2'", []string{"1", "2"}},
		{"department eq null", []string{"2"}},
		{"department ne null", []string{"1", "3"}},
		{"department ne 'Experts'", []string{"1", "2"}},
		{"not (department eq 'Experts')", []string{"1", "2"}},
		{"accountEnabled eq false", []string{"2"}},
		{"employeeLeaveDateTime le 2026-03-01T00:00:00Z", []string{"1"}},
		{"employeeLeaveDateTime gt 2026-03-01T00:00:00Z", []string{"3"}},
		{"onPremisesExtensionAttributes/extensionAttribute3 eq 'VendorFlow'", []string{"1"}},
		{"otherMails/any(m:m eq 'vendor1_a@vendor1.com')", []string{"1"}},
		{"assignedLicenses/any(s:s/skuId eq 7a551360-26c4-4f61-84e6-ef715673e083)", []string{"1"}},
		{"id in ('2', '3')", []string{"2", "3"}},
		{"displayName lt 'B'", []string{"3"}},
	}
	schema := userSchema()
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			cf, err := compileFilter(tt.src, schema)
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			var got []string
			for i := range users {
				if cf.match(userGetter(&users[i])) {
					got = append(got, users[i].ID)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("matches (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFilterOverHTTP checks that a filter survives URL encoding and that an
// unbalanced quote is a 400 BadRequest on the wire.
func TestFilterOverHTTP(t *testing.T) {
	h := newHarness(t)
	h.createUser("O'Brien_SA", nil)
	r := h.do(http.MethodGet, "/users?$filter="+url.QueryEscape("userPrincipalName eq 'O''Brien_SA@ABC.com'"), nil).mustStatus(t, http.StatusOK)
	if vs := r.values(t); len(vs) != 1 || vs[0]["userPrincipalName"] != "O'Brien_SA@ABC.com" {
		t.Fatalf("values = %v", vs)
	}
	r = h.do(http.MethodGet, "/users?$filter="+url.QueryEscape("userPrincipalName eq 'O'Brien_SA@ABC.com'"), nil)
	status, code, msg := r.graphErr(t)
	if diff := cmp.Diff([]any{400, CodeBadRequest, "Invalid filter clause: Syntax error: character '@' is not valid at position 32 in 'userPrincipalName eq 'O'Brien_SA@ABC.com''."}, []any{status, code, msg}); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
	r = h.do(http.MethodGet, "/users?$filter="+url.QueryEscape("userPrincipalName eq 'O"), nil)
	status, code, msg = r.graphErr(t)
	if diff := cmp.Diff([]any{400, CodeBadRequest, "Invalid filter clause: There is an unterminated string literal at position 21 in 'userPrincipalName eq 'O'."}, []any{status, code, msg}); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
}
