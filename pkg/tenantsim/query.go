package tenantsim

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// listQuery is a collection request's parsed OData query options.
type listQuery struct {
	filter  *compiledFilter
	sel     []string // canonical property names; nil = the default set
	top     int
	count   bool
	orderBy string // canonical property name; "" = by id
	desc    bool
	after   *pageToken
}

// collectionOptions describes what a collection supports.
type collectionOptions struct {
	schema     *entitySchema
	selectable []string // canonical names accepted by $select
	orderable  []string // canonical names accepted by $orderby
	// advancedOrder are the orderable names Graph sorts by only in an
	// advanced query (concepts/aad-advanced-queries.md, the $orderby table).
	advancedOrder []string
}

// advancedQuery reports whether the request is an advanced query: header
// ConsistencyLevel: eventual and $count=true (REFERENCE.md §2 Queries).
func (c *call) eventual() bool {
	return strings.EqualFold(strings.TrimSpace(c.r.Header.Get("ConsistencyLevel")), "eventual")
}

// listQuery parses $filter, $select, $top, $count, $orderby and $skiptoken.
// Advanced-query rules (concepts/aad-advanced-queries.md): a filter that
// needs one, or $orderby together with $filter, requires ConsistencyLevel:
// eventual and $count=true, else 400 Request_UnsupportedQuery. $count=true
// without the header fails silently, as the page's "get_users_silent_fail"
// example shows: 200, without @odata.count. A later page ($skiptoken, whose
// nextLink carries the whole query) is checked the same way, so a client
// that does not resend the header fails on page 2 as it would on Graph
// (concepts/paging.md); @odata.count comes on the first page only.
func (c *call) listQuery(o collectionOptions) (listQuery, *graphError) {
	q := listQuery{top: c.s.cfg.PageSize}
	for k := range c.query {
		switch strings.ToLower(k) {
		case "$filter", "$select", "$top", "$count", "$orderby", "$skiptoken":
		case "$skip":
			return q, badRequest("'$skip' is not supported by the service.")
		case "$search", "$expand":
			return q, unsupportedQuery(fmt.Sprintf("The query option '%s' is not supported by the emulator.", k))
		default:
			if strings.HasPrefix(k, "$") {
				return q, badRequest(fmt.Sprintf("The query parameter '%s' is not supported.", k))
			}
		}
	}
	get := func(name string) (string, bool) {
		for k, v := range c.query {
			if strings.EqualFold(k, name) && len(v) > 0 {
				return v[0], true
			}
		}
		return "", false
	}
	if v, ok := get("$filter"); ok {
		f, err := compileFilter(v, o.schema)
		if err != nil {
			return q, err
		}
		q.filter = f
	}
	if v, ok := get("$select"); ok {
		sel, err := c.parseSelect(v, o.selectable, o.schema.typeName)
		if err != nil {
			return q, err
		}
		q.sel = sel
	}
	if v, ok := get("$top"); ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 || n > MaxPageSize {
			return q, badRequest(fmt.Sprintf("Invalid page size specified: '%s'. Must be between 1 and %d inclusive.", v, MaxPageSize))
		}
		q.top = n
	}
	if v, ok := get("$count"); ok {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true":
			q.count = true
		case "false":
		default:
			return q, badRequest(fmt.Sprintf("Invalid value '%s' for $count query option found. Valid values are 'true' and 'false'.", v))
		}
	}
	if v, ok := get("$orderby"); ok {
		if err := q.parseOrderBy(v, o.orderable); err != nil {
			return q, err
		}
	}
	if v, ok := get("$skiptoken"); ok {
		t, err := decodePageToken(v)
		if err != nil {
			return q, err
		}
		q.after = t
	}
	eventual := c.eventual()
	if q.count && !eventual {
		q.count = false // ignored: 200 without @odata.count
	}
	if q.filter != nil && q.filter.advanced != "" && !(eventual && q.count) {
		return q, unsupportedQuery(q.filter.advanced)
	}
	if (q.filter != nil || slices.Contains(o.advancedOrder, q.orderBy)) && q.orderBy != "" && !(eventual && q.count) {
		return q, unsupportedQuery("Sorting not supported for current query.")
	}
	return q, nil
}

func (q *listQuery) parseOrderBy(v string, orderable []string) *graphError {
	fields := strings.Fields(v)
	if len(fields) == 0 || len(fields) > 2 {
		return unsupportedQuery("Sorting not supported for current query.")
	}
	i := slices.IndexFunc(orderable, func(s string) bool { return strings.EqualFold(s, fields[0]) })
	if i < 0 {
		return unsupportedQuery("Sorting not supported for current query.")
	}
	q.orderBy = orderable[i]
	if len(fields) == 2 {
		switch strings.ToLower(fields[1]) {
		case "asc":
		case "desc":
			q.desc = true
		default:
			return badRequest(fmt.Sprintf("Syntax error at position %d in '%s'.", len(fields[0])+1, v))
		}
	}
	return nil
}

// parseSelect maps a $select list onto canonical property names. An
// unknown name is a 400, or dropped when the server is lenient.
func (c *call) parseSelect(v string, selectable []string, typeName string) ([]string, *graphError) {
	var out []string
	for _, p := range strings.Split(v, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		i := slices.IndexFunc(selectable, func(s string) bool { return strings.EqualFold(s, p) })
		if i < 0 && c.s.cfg.Lenient {
			continue
		}
		if i < 0 {
			return nil, badRequest(fmt.Sprintf("Parsing OData Select and Expand failed: Could not find a property named '%s' on type '%s'.", p, typeName))
		}
		if !slices.Contains(out, selectable[i]) {
			out = append(out, selectable[i])
		}
	}
	return out, nil
}

// pageToken is the opaque $skiptoken: the sort key and id of the last item
// of the previous page. Paging by key, not offset, means that changes between
// pages neither repeat nor skip unchanged items.
type pageToken struct {
	Key string `json:"k"`
	ID  string `json:"i"`
}

func (t pageToken) encode() string {
	b, _ := json.Marshal(t)
	return "RFNwdAoAAQAAA" + base64.RawURLEncoding.EncodeToString(b)
}

func decodePageToken(s string) (*pageToken, *graphError) {
	bad := badRequest("The $skiptoken value is not valid.")
	rest, ok := strings.CutPrefix(s, "RFNwdAoAAQAAA")
	if !ok {
		return nil, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil {
		return nil, bad
	}
	var t pageToken
	if json.Unmarshal(b, &t) != nil || t.ID == "" {
		return nil, bad
	}
	return &t, nil
}

// listItem is one entity of a collection, rendered only if it lands on the page.
type listItem struct {
	key    string // sort key (lower-cased); "" when ordering by id
	id     string
	render func() jsonObject
}

// page sorts items, cuts the page after q.after, and answers Graph's
// collection envelope with @odata.count and an absolute @odata.nextLink.
// Only the page is sorted: the items after the token are narrowed to the
// first q.top (and the one after, which decides whether a next link is
// due) with a bounded heap, so paging through a large tenant costs each
// page one pass, not a sort of everything.
func (c *call) page(items []listItem, q listQuery, contextPath string) reply {
	return c.pageOf(items, len(items), q, contextPath)
}

// pageOf is page for items that may have been narrowed already (to those
// after the token, and the first q.top+1 of them: trimListing); total is
// how many matched, for @odata.count.
func (c *call) pageOf(items []listItem, total int, q listQuery, contextPath string) reply {
	cmpItems := func(a, b listItem) int { return q.compare(a.key, a.id, b.key, b.id) }
	if q.after != nil {
		after := listItem{key: q.after.Key, id: q.after.ID}
		rest := items[:0]
		for _, it := range items {
			if cmpItems(it, after) > 0 {
				rest = append(rest, it)
			}
		}
		items = rest
	}
	more := len(items) > q.top
	items = firstN(items, q.top, cmpItems)
	values := make([]jsonObject, 0, len(items))
	for _, it := range items {
		values = append(values, it.render())
	}
	ctx := c.base + "/$metadata#" + contextPath
	if q.sel != nil {
		ctx += "(" + strings.Join(q.sel, ",") + ")"
	}
	out := jsonObject{{"@odata.context", ctx}}
	if q.count && q.after == nil {
		out = append(out, jsonField{"@odata.count", total})
	}
	if more {
		last := items[len(items)-1]
		out = append(out, jsonField{"@odata.nextLink", c.nextLink(pageToken{last.key, last.id})})
	}
	return ok(append(out, jsonField{"value", values}))
}

// compare orders two entries of a listing by (key, id), descending with
// $orderby … desc.
func (q listQuery) compare(aKey, aID, bKey, bID string) int {
	r := cmp.Or(strings.Compare(aKey, bKey), strings.Compare(aID, bID))
	if q.desc {
		return -r
	}
	return r
}

// trimListing narrows a listing's candidates, before any is rendered, to
// those after q's token and the first q.top+1 of them (one more than the
// page, so pageOf knows whether a next link is due).
func trimListing[T any](cands []T, q listQuery, keyID func(T) (string, string)) []T {
	cmpC := func(a, b T) int {
		ak, ai := keyID(a)
		bk, bi := keyID(b)
		return q.compare(ak, ai, bk, bi)
	}
	if q.after != nil {
		rest := cands[:0]
		for _, x := range cands {
			if k, id := keyID(x); q.compare(k, id, q.after.Key, q.after.ID) > 0 {
				rest = append(rest, x)
			}
		}
		cands = rest
	}
	return firstN(cands, q.top+1, cmpC)
}

// firstN returns the n smallest items by cmp, sorted (all of them, sorted,
// when there are no more than n). It keeps a max-heap of n items.
func firstN[T any](items []T, n int, cmp func(a, b T) int) []T {
	if len(items) <= n || n <= 0 {
		if n <= 0 {
			items = items[:0]
		}
		slices.SortFunc(items, cmp)
		return items
	}
	h := slices.Clone(items[:n])
	less := func(i, j int) bool { return cmp(h[i], h[j]) > 0 } // max at the root
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= len(h) {
				return
			}
			m := l
			if r := l + 1; r < len(h) && less(r, l) {
				m = r
			}
			if !less(m, i) {
				return
			}
			h[i], h[m] = h[m], h[i]
			i = m
		}
	}
	for i := len(h)/2 - 1; i >= 0; i-- {
		down(i)
	}
	for _, it := range items[n:] {
		if cmp(it, h[0]) < 0 {
			h[0] = it
			down(0)
		}
	}
	slices.SortFunc(h, cmp)
	return h
}

// nextLink is the request's own absolute URL with $skiptoken replaced.
func (c *call) nextLink(t pageToken) string {
	keys := make([]string, 0, len(c.query))
	for k := range c.query {
		if !strings.EqualFold(k, "$skiptoken") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		for _, v := range c.query[k] {
			parts = append(parts, strings.ReplaceAll(url.QueryEscape(k), "%24", "$")+"="+url.QueryEscape(v))
		}
	}
	parts = append(parts, "$skiptoken="+t.encode())
	host := c.base[:len(c.base)-len("/v1.0")]
	return host + c.r.URL.EscapedPath() + "?" + strings.Join(parts, "&")
}

// project renders the selected properties of an entity from its property
// table; sel nil renders the default set.
func project(props []prop, sel []string, extra ...jsonField) jsonObject {
	out := jsonObject(extra)
	if sel == nil {
		for _, p := range props {
			if p.def {
				out = append(out, jsonField{p.name, p.get()})
			}
		}
		return out
	}
	for _, name := range sel {
		for _, p := range props {
			if p.name == name {
				out = append(out, jsonField{p.name, p.get()})
			}
		}
	}
	return out
}

// prop is one property of an entity's wire form.
type prop struct {
	name string
	def  bool // in the default set returned without $select
	get  func() any
}

func propNames(props []prop) []string {
	out := make([]string, len(props))
	for i, p := range props {
		out[i] = p.name
	}
	return out
}
