// Package domain is vendorflow's centre: onboard and offboard requests, the
// tenant's settings that shape a service account, the lifecycle and its
// steps, and the one coded error type every other package speaks.
//
// It performs no I/O. Packages around it (tenantsim, graph, journal, engine,
// funchost, queue) import it; it imports none of them.
package domain
