package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vendorflow/vendorflow/pkg/app"
	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
	"github.com/vendorflow/vendorflow/pkg/funcapp"
	"github.com/vendorflow/vendorflow/pkg/queue"
)

// Requests as procurement sends them, and the request's state as the status
// front door and the journal report it.

// tenantDomain is the built-in demo configuration's tenant.
const tenantDomain = "ABC.com"

// vendorDomains are the demo registry's allowed email domains.
var vendorDomains = map[string]string{"Vendor1": "vendor1.com", "Vendor2": "vendor2.com", "Contractor": "outlook.com"}

// person is one vendor person to onboard.
type person struct {
	vendor, local string
}

// email is the person's external address.
func (p person) email() string {
	d, ok := vendorDomains[p.vendor]
	if !ok {
		d = "example.com"
	}
	return p.local + "@" + d
}

// upn is the service account README's UPN convention gives the person
// ({local}_SA@domain, as the seed names them), written out here rather than
// derived with the product's code. The e2e people's local parts are unique.
func (p person) upn() string { return fmt.Sprintf("%s_SA@%s", p.local, tenantDomain) }

// onboardRequest is a valid onboard request for p whose contract ends at end
// (a date means the end of that day).
func onboardRequest(id string, p person, end string) domain.OnboardRequest {
	return domain.OnboardRequest{
		SchemaVersion: 1,
		RequestID:     id,
		Vendor:        p.vendor,
		Person:        domain.Person{GivenName: "Test", Surname: "Person", Email: p.email()},
		Contract:      domain.Period{Start: time.Now().UTC().Format(time.DateOnly), End: end},
		Sponsor:       "pat.sponsor@" + tenantDomain,
	}
}

// inQuarter is a contract end three months from now, as a date.
func inQuarter() string { return time.Now().UTC().AddDate(0, 3, 0).Format(time.DateOnly) }

// offboardRequest ends p's account.
func offboardRequest(id string, p person) domain.OffboardRequest {
	return domain.OffboardRequest{
		SchemaVersion: 1,
		RequestID:     id,
		Account:       domain.AccountRef{Vendor: p.vendor, Email: p.email()},
		Reason:        "end-to-end test",
	}
}

// enqueue writes the request to a file and sends it with `vendorflow
// enqueue KIND FILE`.
func (s *stack) enqueue(kind, id string, request any) {
	s.t.Helper()
	b, err := json.Marshal(request)
	if err != nil {
		s.t.Fatal(err)
	}
	file := filepath.Join(s.dir, "req-"+id+".json")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		s.t.Fatal(err)
	}
	out := s.mustCLI("enqueue", kind, file)
	if !strings.Contains(out, "enqueued "+kind+" request "+id) {
		s.t.Fatalf("enqueue %s: unexpected output %q", id, out)
	}
}

// statusReply is the body of GET /api/status/{requestId}.
type statusReply struct {
	Request domain.RequestRecord `json:"request"`
	Steps   []domain.StepRecord  `json:"steps"`
}

// step returns the named step, or a zero record.
func (r statusReply) step(name domain.Step) domain.StepRecord {
	for _, s := range r.Steps {
		if s.Step == name {
			return s
		}
	}
	return domain.StepRecord{}
}

// status asks the front door for a request's state: the HTTP status and the
// reply (valid when 200).
func (s *stack) status(id string) (int, statusReply, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.frontDoor+"/api/status/"+id, nil)
	if err != nil {
		return 0, statusReply{}, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, statusReply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, statusReply{}, err
	}
	var r statusReply
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(b, &r); err != nil {
			return resp.StatusCode, r, fmt.Errorf("status %s: %w: %s", id, err, b)
		}
	}
	return resp.StatusCode, r, nil
}

// waitStatus polls the front door until request id has status want, and
// fails early when it settles on another final status (parked or done).
func (s *stack) waitStatus(id string, want domain.RequestStatus, timeout time.Duration) statusReply {
	s.t.Helper()
	return s.waitRun(id, want, 0, timeout)
}

// waitRun is waitStatus for a request's run number run and later (a replay
// starts run 2): a final status of an earlier run is not a failure.
func (s *stack) waitRun(id string, want domain.RequestStatus, run int, timeout time.Duration) statusReply {
	s.t.Helper()
	var last statusReply
	waitFor(s.t, timeout, fmt.Sprintf("request %s to be %s", id, want), func() (bool, string) {
		code, r, err := s.status(id)
		switch {
		case err != nil:
			return false, err.Error()
		case code != http.StatusOK:
			return false, fmt.Sprintf("HTTP %d", code)
		}
		last = r
		got := r.Request.Status
		if got != want && r.Request.Attempts >= run && (got == domain.RequestParked || got == domain.RequestDone) {
			s.t.Fatalf("request %s is %s (%s: %s), want %s", id, got, r.Request.ReasonCode, r.Request.Reason, want)
		}
		return got == want && r.Request.Attempts >= run, fmt.Sprintf("status %s after %d runs, reason %q", got, r.Request.Attempts, r.Request.Reason)
	})
	return last
}

// requests are the journal's requests of one kind, read from the journal
// the stack's environment names (the file the handlers keep open, or
// Table Storage).
func (s *stack) requests(kind string) []domain.RequestRecord {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cfg, err := config.Load("", envLookup(s.env))
	if err != nil {
		s.t.Fatal(err)
	}
	j, err := app.OpenJournal(ctx, cfg, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	defer j.Close()
	rs, err := j.Requests(ctx, engine.RequestFilter{Kind: kind, Limit: 1000})
	if err != nil {
		s.t.Fatal(err)
	}
	return rs
}

// invocation is one "invocation finished" line of the host's JSON log: one
// delivery of a message (or one timer run) to the handler.
type invocation struct {
	Time          time.Time `json:"time"`
	Function      string    `json:"function"`
	MessageID     string    `json:"messageId"`
	DeliveryCount int       `json:"deliveryCount"`
	Status        int       `json:"status"`
	Outcome       string    `json:"outcome"`
}

// invocations reads the host's log: the Service Bus deliveries and the timer
// runs, in order.
func (s *stack) invocations() []invocation {
	s.t.Helper()
	b, err := os.ReadFile(s.dev.stderr)
	if err != nil {
		s.t.Fatal(err)
	}
	var out []invocation
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var l struct {
			Msg string `json:"msg"`
			invocation
		}
		if json.Unmarshal([]byte(line), &l) != nil {
			continue
		}
		if l.Msg == "invocation finished" || l.Msg == "timer invocation finished" {
			out = append(out, l.invocation)
		}
	}
	return out
}

// logged returns the JSON log lines of the host and its handlers (the
// handlers' go to the host's stderr) whose msg is msg.
func (s *stack) logged(msg string) []map[string]any {
	s.t.Helper()
	b, err := os.ReadFile(s.dev.stderr)
	if err != nil {
		s.t.Fatal(err)
	}
	var out []map[string]any
	for _, line := range strings.Split(string(b), "\n") {
		var l map[string]any
		if strings.HasPrefix(line, "{") && json.Unmarshal([]byte(line), &l) == nil && l["msg"] == msg {
			out = append(out, l)
		}
	}
	return out
}

// deliveriesOf are the invocations of one message id.
func deliveriesOf(invs []invocation, messageID string) []invocation {
	var out []invocation
	for _, in := range invs {
		if in.MessageID == messageID {
			out = append(out, in)
		}
	}
	return out
}

// queueCounts reads the message counts of the onboard and offboard queues
// from the queue file (pkg/queue, as `vendorflow dev` opens it).
func (s *stack) queueCounts() map[string]queue.Counts {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	q, err := queue.Open(ctx, queue.Config{Path: filepath.Join(s.dir, "queue.db")})
	if err != nil {
		s.t.Fatal(err)
	}
	defer q.Close()
	names := funcapp.QueuesFrom(nil)
	out := map[string]queue.Counts{}
	for _, name := range []string{names.Onboard, names.Offboard} {
		c, err := q.Counts(ctx, name)
		if err != nil {
			s.t.Fatal(err)
		}
		out[name] = c
	}
	return out
}

// waitDrained waits until the onboard and offboard queues hold no message
// at all: none waiting, scheduled (a rescheduled retry) or locked (a
// delivery the host has not settled yet). A dead-lettered message fails the
// test at once. Once drained, the host has settled, and so logged, every
// delivery but possibly the very last one (it logs just after settling).
func (s *stack) waitDrained() {
	s.t.Helper()
	waitFor(s.t, 20*time.Second, "the queues to drain", func() (bool, string) {
		for name, c := range s.queueCounts() {
			if c.DeadLettered != 0 {
				s.t.Fatalf("queue %s has dead-lettered messages: %+v", name, c)
			}
			if c != (queue.Counts{}) {
				return false, fmt.Sprintf("queue %s: %+v", name, c)
			}
		}
		return true, ""
	})
}

// envLookup looks variables up in a KEY=VALUE list (the last one wins).
func envLookup(env []string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := "", false
		for _, kv := range env {
			if key, val, found := strings.Cut(kv, "="); found && key == k {
				v, ok = val, true
			}
		}
		return v, ok
	}
}
