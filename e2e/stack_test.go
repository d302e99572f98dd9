package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Bounds of the waits in this package. They are generous for two shared
// cores; a healthy run stays far below them.
const (
	startTimeout = 15 * time.Second // a process prints its address
	cliTimeout   = 30 * time.Second // one CLI command
	stopTimeout  = 5 * time.Second  // SIGTERM to exit, before SIGKILL
	pollEvery    = 100 * time.Millisecond
)

// stack is one tenant emulator and one local Functions host (with its
// handler child), with their own queue and journal in a temporary directory.
type stack struct {
	t   testing.TB
	dir string
	env []string
	// simURL is http://ADDR of the emulator (Graph under /v1.0, admin
	// under /_sim/); frontDoor is http://ADDR of the host's front door;
	// handlerURL is the handler child's base URL.
	simURL, frontDoor, handlerURL string
	// handlerURLs are every instance's (handlerURL is the first).
	handlerURLs []string
	sim, dev    *process
	client      *http.Client
	// devCmd are dev's arguments, for a restart (restartHost); restarts
	// counts them.
	devCmd   []string
	restarts int
}

// stackOptions tune a stack.
type stackOptions struct {
	// devArgs are extra flags for `vendorflow dev`, simArgs for
	// `vendorflow tenantsim`.
	devArgs, simArgs []string
	// env is added to the environment of every process of the stack.
	env []string
}

// process is a started vendorflow process in its own process group.
type process struct {
	cmd            *exec.Cmd
	stdout, stderr string // files
	exited         chan struct{}
}

var (
	simAddrRE     = regexp.MustCompile(`emulated at (http://127\.0\.0\.1:\d+)/v1\.0`)
	frontDoorRE   = regexp.MustCompile(`front door\s+(http://127\.0\.0\.1:\d+)/api/`)
	handlerAddrRE = regexp.MustCompile(`handler \d+\s+(http://127\.0\.0\.1:\d+) \(vendorflow serve`)
)

// startStack starts `vendorflow tenantsim` and `vendorflow dev` on free
// loopback ports (--addr 127.0.0.1:0; the printed addresses are read back) and
// waits until the handler answers. Everything is stopped by t.Cleanup.
func startStack(t testing.TB, o stackOptions) *stack {
	t.Helper()
	dir := t.TempDir()
	s := &stack{t: t, dir: dir, client: &http.Client{Timeout: 20 * time.Second, Transport: withAdminToken{http.DefaultTransport}}}
	base := append(cleanEnviron(), o.env...)
	// At debug level the emulator logs every Graph request and every one
	// whose client went away while its response was delayed.
	s.sim = s.start("tenantsim", base, append([]string{"tenantsim", "--addr", "127.0.0.1:0", "--log-level", "debug"}, o.simArgs...)...)
	s.simURL = waitMatch(t, s.sim, simAddrRE)

	s.env = append(base,
		"VENDORFLOW_GRAPH_BASE_URL="+s.simURL+"/v1.0",
		"VENDORFLOW_QUEUE_PATH="+filepath.Join(dir, "queue.db"),
		"VENDORFLOW_JOURNAL_PATH="+filepath.Join(dir, "journal.db"),
		// A killed handler's account leases lapse after this; its
		// redelivery waits that long before it takes over (default 1m).
		"VENDORFLOW_LEASE_TTL="+leaseTTL.String(),
		// the front door's ops routes need it; s.client sends it
		"VENDORFLOW_ADMIN_TOKEN="+adminToken,
	)
	// the app's own host.json sets how many invocations run at a time, as
	// in Azure (extensions.serviceBus.maxConcurrentCalls)
	hostJSON, err := filepath.Abs(filepath.Join("..", "host.json"))
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"dev", "--addr", "127.0.0.1:0", "--log-level", "info", "--host-json", hostJSON}, o.devArgs...)
	s.devCmd = args
	s.dev = s.start("dev", s.env, args...)
	s.frontDoor = waitMatch(t, s.dev, frontDoorRE)
	s.handlerURL = waitMatch(t, s.dev, handlerAddrRE)
	b, _ := os.ReadFile(s.dev.stdout)
	for _, m := range handlerAddrRE.FindAllSubmatch(b, -1) {
		s.handlerURLs = append(s.handlerURLs, string(m[1]))
	}
	s.waitHandlerUp()
	return s
}

// leaseTTL is the stacks' account lease: short, so that the crash tests'
// redeliveries take over a killed run's accounts within seconds.
const leaseTTL = 5 * time.Second

// adminToken is the stack's front-door admin token (VENDORFLOW_ADMIN_TOKEN).
const adminToken = "e2e-admin-token-0123456789"

// withAdminToken sends the admin token with every request, as the
// x-functions-key header.
type withAdminToken struct{ base http.RoundTripper }

func (t withAdminToken) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("x-functions-key", adminToken)
	return t.base.RoundTrip(r)
}

// cleanEnviron is our environment without vendorflow, Azure and Functions
// settings, so that the tests see the built-in demo configuration.
func cleanEnviron() []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "VENDORFLOW_") || strings.HasPrefix(kv, "AZURE_") ||
			strings.HasPrefix(kv, "FUNCTIONS_") || strings.HasPrefix(kv, "ServiceBusConnection") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// start runs the binary with args in a new process group, its output in
// files named after name. Cleanup sends SIGTERM to the group, then SIGKILL.
func (s *stack) start(name string, env []string, args ...string) *process {
	t := s.t
	t.Helper()
	p := &process{
		stdout: filepath.Join(s.dir, name+".out"),
		stderr: filepath.Join(s.dir, name+".log"),
		exited: make(chan struct{}),
	}
	out, err := os.Create(p.stdout)
	if err != nil {
		t.Fatal(err)
	}
	errf, err := os.Create(p.stderr)
	if err != nil {
		t.Fatal(err)
	}
	p.cmd = exec.Command(binary, args...)
	p.cmd.Env = env
	p.cmd.Dir = s.dir
	p.cmd.Stdout, p.cmd.Stderr = out, errf
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start vendorflow %s: %v", strings.Join(args, " "), err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.stop()
		out.Close()
		errf.Close()
		if t.Failed() && name == "dev" {
			t.Logf("--- vendorflow %s: last lines of stderr:\n%s", name, tail(p.stderr, 40))
		}
	})
	return p
}

// stop ends the process group: SIGTERM, then SIGKILL for whatever is left
// (the handler child, or a leader that did not stop in time).
func (p *process) stop() {
	pgid := p.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(stopTimeout):
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	select {
	case <-p.exited:
	case <-time.After(stopTimeout):
	}
}

// waitMatch waits until p's stdout matches re and returns the first group.
func waitMatch(t testing.TB, p *process, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.Now().Add(startTimeout)
	for {
		b, _ := os.ReadFile(p.stdout)
		if m := re.FindSubmatch(b); m != nil {
			return string(m[1])
		}
		select {
		case <-p.exited:
			t.Fatalf("%s exited before printing %s:\n%s\n%s", p.cmd, re, b, tail(p.stderr, 20))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not print %s within %s:\n%s", p.cmd, re, startTimeout, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitHandlerUp waits until the handler child answers GET / (the host's
// readiness probe).
func (s *stack) waitHandlerUp() {
	s.t.Helper()
	waitFor(s.t, startTimeout, "every handler to answer GET /", func() (bool, string) {
		for _, u := range s.handlerURLs {
			resp, err := s.client.Get(u + "/")
			if err != nil {
				return false, err.Error()
			}
			resp.Body.Close()
		}
		return true, ""
	})
}

// cli runs one vendorflow command with the stack's environment and returns
// its stdout; a failure carries its stderr.
func (s *stack) cli(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = s.env
	cmd.Dir = s.dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("vendorflow %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

// mustCLI is cli that fails the test on error.
func (s *stack) mustCLI(args ...string) string {
	s.t.Helper()
	out, err := s.cli(args...)
	if err != nil {
		s.t.Fatal(err)
	}
	return out
}

// waitFor polls cond every pollEvery until it holds or timeout passes; then
// the test fails with what and cond's last detail.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, detail := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s: %s", timeout, what, detail)
		}
		time.Sleep(pollEvery)
	}
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
