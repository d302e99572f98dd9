package tenantsim

import (
	"maps"
	"strconv"
)

// Stats is the emulator's request log. Inner $batch requests count like
// top-level requests; the $batch envelope counts as "POST /$batch"; a batch
// step not run because its dependency failed (424) is not counted. The
// /_sim/ admin API is not counted.
type Stats struct {
	// Requests is the number of Graph requests answered.
	Requests int `json:"requests"`
	// Routes counts requests per route template ("GET /users/{id}");
	// requests that matched no route count under "unmatched".
	Routes map[string]int `json:"routes"`
	// Statuses counts responses per HTTP status.
	Statuses map[int]int `json:"statuses"`
	// RouteStatuses counts responses per route template and status,
	// keyed "GET /users/{id} 404".
	RouteStatuses map[string]int `json:"routeStatuses"`
	// Writes is the number of writes admitted by the write quota (all writes
	// when there is no quota), whatever their outcome.
	Writes int `json:"writes"`
	// Faults counts injected conditions per kind.
	Faults map[FaultKind]int `json:"faults"`
}

// unmatchedRoute is the Stats.Routes key of requests that matched no route.
const unmatchedRoute = "unmatched"

func newStats() Stats {
	return Stats{Routes: map[string]int{}, Statuses: map[int]int{}, RouteStatuses: map[string]int{}, Faults: map[FaultKind]int{}}
}

func (st *Stats) record(route string, status int) {
	if route == "" {
		route = unmatchedRoute
	}
	st.Requests++
	st.Routes[route]++
	st.Statuses[status]++
	st.RouteStatuses[route+" "+strconv.Itoa(status)]++
}

func (st Stats) clone() Stats {
	return Stats{
		Requests:      st.Requests,
		Routes:        maps.Clone(st.Routes),
		Statuses:      maps.Clone(st.Statuses),
		RouteStatuses: maps.Clone(st.RouteStatuses),
		Writes:        st.Writes,
		Faults:        maps.Clone(st.Faults),
	}
}
