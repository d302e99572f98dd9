package app

import (
	"log/slog"

	"github.com/vendorflow/vendorflow/pkg/console"
	"github.com/vendorflow/vendorflow/pkg/reach"
)

// Console builds the ops console over the stack (pkg/console): the
// journal's read models, dls (the message system's dead letters and
// parked messages), the engine's sweep preview, "can A reach B" from the
// vendor-isolation barrier preset against the directory, and the
// authentication settings lookup finds in the environment
// (console.AuthFromEnv). A barrier policy the vendor registry cannot
// produce leaves the reach page answering why, and is logged; the rest of
// the console and the app work on.
func (s *Stack) Console(dls console.DeadLetterStore, lookup func(string) (string, bool), log *slog.Logger) (*console.Console, error) {
	var checker console.ReachChecker
	if p, err := reach.Policy(s.Config.Tenant, nil); err != nil {
		log.Warn("the console cannot answer reachability: the barrier policy cannot be built", "error", err)
		checker = reach.Unavailable{Err: err}
	} else {
		checker = reach.Checker{Tenant: s.Config.Tenant, Policy: p, Directory: s.Graph, Accounts: s.Engine}
	}
	return console.New(console.Config{
		Journal:     s.Journal,
		DeadLetters: dls,
		Sweep:       s.Engine,
		Reach:       checker,
		Tenant:      s.Config.Tenant,
		Auth:        console.AuthFromEnv(lookup),
		Logger:      log.With("component", "console"),
	})
}
