package app

import (
	"net/http/httptest"
	"testing"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/tenantsim"
)

// demoEmulator is the embedded demo configuration pointed at an emulator of
// its tenant, on clk, served over HTTP until the test ends.
func demoEmulator(t *testing.T, clk clock.Clock) (config.Config, *tenantsim.Server) {
	t.Helper()
	cfg, err := config.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	sim, err := tenantsim.New(tenantsim.Config{Domain: cfg.Tenant.Domain, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Load(tenantsim.DemoSeed(cfg.Tenant.Domain)); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	cfg.Graph.BaseURL = srv.URL + "/v1.0"
	return cfg, sim
}

// DemoEmulator gives the package's external tests demoEmulator.
var DemoEmulator = demoEmulator
