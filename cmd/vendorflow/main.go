// Command vendorflow automates the lifecycle of vendor service accounts in a
// Microsoft Entra ID tenant so that outside technicians can use Dynamics 365
// Remote Assist with the company's experts. Run `vendorflow --help`.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/vendorflow/vendorflow/pkg/domain"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain(os.Stdout, os.Stderr, os.LookupEnv)
	if err := m.Run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "vendorflow:", err)
		os.Exit(exitCode(err))
	}
}

// exitCode maps an error to the process exit code through the one table in
// domain (OutcomeOf).
func exitCode(err error) int {
	var ec *exitError
	if asExit(err, &ec) {
		return ec.code
	}
	return domain.OutcomeOf(domain.ErrorCode(err)).ExitCode
}
