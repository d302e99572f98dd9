package metrics

import "strings"

// graphSegments are the literal path segments of the Graph routes
// vendorflow calls (pkg/graph; tenantsim's route table), keyed in lower
// case, with their spelling in a route template. Graph matches them
// without regard to case.
var graphSegments = func() map[string]string {
	m := map[string]string{}
	for _, s := range []string{
		"users", "groups", "members", "memberOf", "transitiveMemberOf", "$ref", "$count", "$batch",
		"assignLicense", "revokeSignInSessions", "sendMail",
		"authentication", "temporaryAccessPassMethods",
		"subscribedSkus", "policies", "authenticationMethodsPolicy", "authenticationMethodConfigurations",
		"directory", "deletedItems", "restore", "directoryObjects", "organization",
		"microsoft.graph.user", "microsoft.graph.group", "graph.user", "graph.group",
	} {
		m[strings.ToLower(s)] = s
	}
	return m
}()

// graphVersions are the version segments a Graph path starts with.
var graphVersions = map[string]bool{"v1.0": true, "beta": true}

// maxRouteSegments bounds a route template's length.
const maxRouteSegments = 8

// GraphRoute is the route template of a Graph URL path, the route label
// of vendorflow_graph_requests_total: the version segment and anything
// before it are dropped, the literal segments of Graph's routes are kept
// (in their canonical spelling), and every other segment, an object id, a
// UPN, a pass id or anything unknown, becomes "{id}". So
// "/v1.0/users/ada_SA@ABC.com/assignLicense" is "/users/{id}/assignLicense":
// no request data reaches a label, and the routes are a small bounded set.
func GraphRoute(path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i, s := range segs {
		if graphVersions[strings.ToLower(s)] {
			segs = segs[i+1:]
			break
		}
	}
	var b strings.Builder
	for i, s := range segs {
		if s == "" {
			continue
		}
		if i == maxRouteSegments {
			b.WriteString("/…")
			break
		}
		b.WriteByte('/')
		if lit, ok := graphSegments[strings.ToLower(s)]; ok {
			b.WriteString(lit)
		} else {
			b.WriteString("{id}")
		}
	}
	if b.Len() == 0 {
		return "/"
	}
	return b.String()
}
