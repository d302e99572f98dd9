package tenantsim

import (
	"fmt"
	"strings"
	"time"
)

// fieldKind is the EDM type of a filterable property.
type fieldKind int

const (
	kString fieldKind = iota
	kBool
	kDateTime
	kGUID
	kStringList  // Collection(Edm.String), e.g. otherMails
	kLicenseList // Collection(microsoft.graph.assignedLicense)
)

func (k fieldKind) edm() string {
	switch k {
	case kBool:
		return "Edm.Boolean"
	case kDateTime:
		return "Edm.DateTimeOffset"
	case kGUID:
		return "Edm.Guid"
	case kStringList:
		return "Collection(Edm.String)"
	case kLicenseList:
		return "Collection(microsoft.graph.assignedLicense)"
	}
	return "Edm.String"
}

func (k fieldKind) isList() bool { return k == kStringList || k == kLicenseList }

// field is one filterable property of an entity.
type field struct {
	name string // canonical path, e.g. "onPremisesExtensionAttributes/extensionAttribute1"
	kind fieldKind
	// advanced marks properties that Graph filters only as an advanced query
	// (ConsistencyLevel: eventual and $count=true; REFERENCE.md §2 Queries).
	advanced bool
	// ext is N of onPremisesExtensionAttributes/extensionAttributeN, else 0.
	ext int
}

// entitySchema lists the filterable properties of an entity type.
type entitySchema struct {
	typeName string // "microsoft.graph.user"
	resource string // "User", for error messages
	fields   map[string]field
	// complexTypes maps the lower-cased first segment of a nested path to its
	// type name, for error messages.
	complexTypes map[string]string
}

func newSchema(typeName, resource string, fields []field, complex map[string]string) *entitySchema {
	s := &entitySchema{typeName: typeName, resource: resource, fields: map[string]field{}, complexTypes: complex}
	for _, f := range fields {
		s.fields[strings.ToLower(f.name)] = f
	}
	return s
}

// licenseElemField resolves a filterable member of an assignedLicense.
func licenseElemField(name string) (field, bool) {
	if strings.EqualFold(name, "skuId") {
		return field{name: "skuId", kind: kGUID}, true
	}
	return field{}, false
}

// fieldRef is a bound property reference: a top-level property, or inside a
// lambda the element itself (sub == "") or a member of it.
type fieldRef struct {
	f      field
	lambda bool
	sub    string
	// count is a collection's /$count (assignedLicenses/$count eq 0).
	count bool
}

// compiledFilter is a parsed, type-checked $filter.
type compiledFilter struct {
	root fnode
	// advanced is the Request_UnsupportedQuery message to answer when the
	// request is not an advanced query; "" if the filter needs none.
	advanced string
}

// requiredEq returns the string of a `prop eq 'string'` comparison that
// every match satisfies: the filter's root, or a term of a chain of ands.
// A nil filter requires nothing.
func (f *compiledFilter) requiredEq(prop string) (string, bool) {
	if f == nil {
		return "", false
	}
	var walk func(n fnode) (string, bool)
	walk = func(n fnode) (string, bool) {
		switch n := n.(type) {
		case *fCompare:
			if n.op == "eq" && len(n.path) == 1 && strings.EqualFold(n.path[0], prop) && n.lit.kind == litString {
				return n.lit.s, true
			}
		case *fLogical:
			if n.op == "and" {
				if v, ok := walk(n.l); ok {
					return v, true
				}
				return walk(n.r)
			}
		}
		return "", false
	}
	return walk(f.root)
}

// getter returns the value of a top-level property: nil (null), string,
// bool, time.Time, []string or []AssignedLicense.
type getter func(f field) any

// compileFilter parses and binds src against schema. Errors are Graph's 400s.
func compileFilter(src string, schema *entitySchema) (*compiledFilter, *graphError) {
	root, err := parseFilter(src)
	if err != nil {
		return nil, badRequest("Invalid filter clause: " + err.Error())
	}
	b := &binder{schema: schema, src: src}
	if err := b.bind(root, nil); err != nil {
		return nil, err
	}
	return &compiledFilter{root: root, advanced: b.advanced}, nil
}

type lambdaScope struct {
	v    string
	kind fieldKind
}

type binder struct {
	schema   *entitySchema
	src      string
	advanced string
}

func (b *binder) needAdvanced(msg string) {
	if b.advanced == "" {
		b.advanced = msg
	}
}

func (b *binder) propertyClause(name string) string {
	return fmt.Sprintf("Unsupported or invalid query filter clause specified for property '%s' of resource '%s'.", name, b.schema.resource)
}

func (b *binder) bind(n fnode, scope *lambdaScope) *graphError {
	switch n := n.(type) {
	case *fLogical:
		if err := b.bind(n.l, scope); err != nil {
			return err
		}
		return b.bind(n.r, scope)
	case *fNot:
		// Wording modelled on the verified NotEqualsMatch message.
		b.needAdvanced("Filter operator 'Not' is not supported.")
		return b.bind(n.x, scope)
	case *fCompare:
		ref, err := b.resolve(n.path, scope)
		if err != nil {
			return err
		}
		n.ref = ref
		if ref.count {
			// concepts/aad-advanced-queries.md: counting a collection in a
			// filter (/$count eq 0, ne 0, eq 1, ne 1) is an advanced query.
			b.needAdvanced(b.propertyClause(ref.f.name))
			if n.op == "in" || n.lit.kind != litNumber || n.lit.num != float64(int(n.lit.num)) {
				return badRequest(fmt.Sprintf("Invalid filter clause: A binary operator with incompatible types was detected. Found operand types 'Edm.Int32' and '%s' for operator kind '%s'.", litEDM(n.lit), opKind(n.op)))
			}
			return nil
		}
		if ref.f.kind.isList() && !ref.lambda {
			return badRequest(fmt.Sprintf("Invalid filter clause: The operand for a binary operator '%s' is not a single value. Binary operators require both operands to be single values.", opKind(n.op)))
		}
		if ref.f.advanced {
			b.needAdvanced(b.propertyClause(ref.f.name))
		}
		if n.op == "ne" {
			// Verified wording: microsoftgraph/microsoft-graph-docs#22101.
			b.needAdvanced("Filter operator 'NotEqualsMatch' is not supported.")
		}
		lits := n.list
		if n.op != "in" {
			lits = []fLiteral{n.lit}
		}
		for _, lit := range lits {
			if lit.kind == litNull {
				// Filtering on null values is an advanced query (Graph docs,
				// "Advanced query capabilities on Microsoft Entra ID objects").
				b.needAdvanced(b.propertyClause(ref.f.name))
				continue
			}
			if !compatible(ref.elemKind(), lit.kind) {
				return badRequest(fmt.Sprintf("Invalid filter clause: A binary operator with incompatible types was detected. Found operand types '%s' and '%s' for operator kind '%s'.", ref.elemKind().edm(), litEDM(lit), opKind(n.op)))
			}
		}
		return nil
	case *fFunc:
		ref, err := b.resolve(n.path, scope)
		if err != nil {
			return err
		}
		n.ref = ref
		if ref.elemKind() != kString || n.lit.kind != litString {
			return badRequest(fmt.Sprintf("Invalid filter clause: No function signature for the function with name '%s' matches the specified arguments. The function signatures considered are: %s(Edm.String Nullable=true, Edm.String Nullable=true).", n.name, n.name))
		}
		if ref.f.advanced {
			b.needAdvanced(b.propertyClause(ref.f.name))
		}
		if n.name == "endswith" {
			// Wording not verified; endsWith is an advanced query (REFERENCE.md §2).
			b.needAdvanced("Filter operator 'EndsWith' is not supported.")
		}
		return nil
	case *fAny:
		if scope != nil {
			return badRequest("Invalid filter clause: Nested lambda expressions are not supported.")
		}
		ref, err := b.resolve(n.path, nil)
		if err != nil {
			return err
		}
		if !ref.f.kind.isList() {
			return badRequest("Invalid filter clause: Any/All may only be used following a collection.")
		}
		n.ref = ref
		if ref.f.advanced {
			b.needAdvanced(b.propertyClause(ref.f.name))
		}
		return b.bind(n.body, &lambdaScope{v: n.v, kind: ref.f.kind})
	}
	return badRequest("Invalid filter clause.")
}

// elemKind is the kind a comparison sees: inside a lambda, the element's.
func (r fieldRef) elemKind() fieldKind {
	if !r.lambda {
		return r.f.kind
	}
	if r.sub != "" {
		f, _ := licenseElemField(r.sub)
		return f.kind
	}
	if r.f.kind == kStringList {
		return kString
	}
	return kLicenseList
}

func (b *binder) resolve(path []string, scope *lambdaScope) (fieldRef, *graphError) {
	if scope != nil && path[0] == scope.v {
		switch {
		case len(path) == 1 && scope.kind == kStringList:
			return fieldRef{f: field{name: scope.v, kind: kStringList}, lambda: true}, nil
		case len(path) == 2 && scope.kind == kLicenseList:
			ef, ok := licenseElemField(path[1])
			if !ok {
				return fieldRef{}, badRequest(fmt.Sprintf("Could not find a property named '%s' on type 'microsoft.graph.assignedLicense'.", path[1]))
			}
			return fieldRef{f: field{name: scope.v, kind: kLicenseList}, lambda: true, sub: ef.name}, nil
		}
		return fieldRef{}, badRequest("Invalid filter clause: The lambda variable is used in an unsupported way.")
	}
	if len(path) > 1 && strings.EqualFold(path[len(path)-1], "$count") {
		ref, err := b.resolve(path[:len(path)-1], scope)
		if err != nil {
			return ref, err
		}
		if !ref.f.kind.isList() || ref.lambda {
			return fieldRef{}, badRequest("Invalid filter clause: $count may only follow a collection.")
		}
		ref.count = true
		return ref, nil
	}
	f, ok := b.schema.fields[strings.ToLower(strings.Join(path, "/"))]
	if !ok {
		typ := b.schema.typeName
		if len(path) > 1 {
			if t, ok := b.schema.complexTypes[strings.ToLower(path[0])]; ok {
				typ = t
			}
		}
		return fieldRef{}, badRequest(fmt.Sprintf("Could not find a property named '%s' on type '%s'.", path[len(path)-1], typ))
	}
	return fieldRef{f: f}, nil
}

func compatible(k fieldKind, l litKind) bool {
	switch k {
	case kString:
		return l == litString
	case kGUID:
		return l == litGUID
	case kDateTime:
		return l == litDateTime
	case kBool:
		return l == litBool
	}
	return false
}

func litEDM(l fLiteral) string {
	switch l.kind {
	case litString:
		return "Edm.String"
	case litBool:
		return "Edm.Boolean"
	case litDateTime:
		return "Edm.DateTimeOffset"
	case litGUID:
		return "Edm.Guid"
	case litNumber:
		if strings.Contains(l.raw, ".") {
			return "Edm.Double"
		}
		return "Edm.Int32"
	}
	return "null"
}

func opKind(op string) string {
	switch op {
	case "eq":
		return "Equal"
	case "ne":
		return "NotEqual"
	case "lt":
		return "LessThan"
	case "le":
		return "LessThanOrEqual"
	case "gt":
		return "GreaterThan"
	case "ge":
		return "GreaterThanOrEqual"
	case "in":
		return "In"
	}
	return op
}

// match evaluates the filter against one entity.
func (cf *compiledFilter) match(get getter) bool {
	return eval(cf.root, get, nil)
}

func eval(n fnode, get getter, elem any) bool {
	switch n := n.(type) {
	case *fLogical:
		if n.op == "and" {
			return eval(n.l, get, elem) && eval(n.r, get, elem)
		}
		return eval(n.l, get, elem) || eval(n.r, get, elem)
	case *fNot:
		return !eval(n.x, get, elem)
	case *fCompare:
		if n.ref.count {
			return compareCount(collectionLen(get(n.ref.f)), n.op, int(n.lit.num))
		}
		v := n.ref.value(get, elem)
		if n.op == "in" {
			for _, lit := range n.list {
				if compareValue(v, "eq", lit) {
					return true
				}
			}
			return false
		}
		return compareValue(v, n.op, n.lit)
	case *fFunc:
		s, _ := n.ref.value(get, elem).(string)
		if s == "" {
			return false
		}
		ls, lp := strings.ToLower(s), strings.ToLower(n.lit.s)
		if n.name == "startswith" {
			return strings.HasPrefix(ls, lp)
		}
		return strings.HasSuffix(ls, lp)
	case *fAny:
		switch list := get(n.ref.f).(type) {
		case []string:
			for _, e := range list {
				if eval(n.body, get, e) {
					return true
				}
			}
		case []AssignedLicense:
			for _, e := range list {
				if eval(n.body, get, e) {
					return true
				}
			}
		}
		return false
	}
	return false
}

func (r fieldRef) value(get getter, elem any) any {
	if !r.lambda {
		return get(r.f)
	}
	if l, ok := elem.(AssignedLicense); ok && strings.EqualFold(r.sub, "skuId") {
		return l.SkuID
	}
	return elem
}

func isNullValue(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case time.Time:
		return x.IsZero()
	}
	return false
}

// compareValue applies op to a property value and a literal. Directory
// string comparisons ignore case; a null property equals only null.
func compareValue(v any, op string, lit fLiteral) bool {
	if lit.kind == litNull {
		switch op {
		case "eq":
			return isNullValue(v)
		case "ne":
			return !isNullValue(v)
		}
		return false
	}
	if isNullValue(v) {
		return op == "ne"
	}
	var c int
	switch x := v.(type) {
	case string:
		c = strings.Compare(strings.ToLower(x), strings.ToLower(lit.s))
	case bool:
		if op != "eq" && op != "ne" {
			return false
		}
		if x == lit.b {
			c = 0
		} else {
			c = 1
		}
	case time.Time:
		c = x.Compare(lit.t)
	default:
		return false
	}
	switch op {
	case "eq":
		return c == 0
	case "ne":
		return c != 0
	case "lt":
		return c < 0
	case "le":
		return c <= 0
	case "gt":
		return c > 0
	case "ge":
		return c >= 0
	}
	return false
}

func collectionLen(v any) int {
	switch l := v.(type) {
	case []string:
		return len(l)
	case []AssignedLicense:
		return len(l)
	}
	return 0
}

func compareCount(n int, op string, lit int) bool {
	switch op {
	case "eq":
		return n == lit
	case "ne":
		return n != lit
	case "lt":
		return n < lit
	case "le":
		return n <= lit
	case "gt":
		return n > lit
	case "ge":
		return n >= lit
	}
	return false
}
