// Package e2e holds the end-to-end tests of the local Functions app: they
// build the real vendorflow binary once, start `vendorflow tenantsim` and
// `vendorflow dev` as processes (dev starts `vendorflow serve` as its child),
// drive them with `vendorflow enqueue` and `vendorflow deadletters`, and read
// the outcome from the status front door, the emulator's /_sim/ admin API,
// the journal and the host's JSON log. The package has no non-test code
// besides this comment; run it with `go test ./e2e/`.
package e2e
