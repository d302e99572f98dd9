package devhost

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/vendorflow/vendorflow/pkg/clock"
)

// EnvCustomHandlerPort is the variable through which the Functions host
// tells the custom handler which port to listen on (REFERENCE.md §1).
const EnvCustomHandlerPort = "FUNCTIONS_CUSTOMHANDLER_PORT"

// Supervisor defaults.
const (
	DefaultReadyTimeout = 30 * time.Second // the host polls GET / for 30 s
	DefaultReadyPoll    = 100 * time.Millisecond
	DefaultMinBackoff   = 500 * time.Millisecond
	DefaultMaxBackoff   = 10 * time.Second
)

// SupervisorConfig configures a Supervisor.
type SupervisorConfig struct {
	// Command and Args start the handler, e.g. os.Executable() and
	// ["serve"], as host.json's defaultExecutablePath and arguments do.
	Command string
	Args    []string
	// Env is the child's environment; nil means os.Environ(). The port
	// variable is appended (it wins over an inherited one).
	Env []string
	// Dir is the child's working directory ("" = ours).
	Dir string
	// Port is the handler's port; 0 picks a free loopback port once, kept
	// across restarts.
	Port int
	// Stdout and Stderr receive the child's output (default ours).
	Stdout, Stderr *os.File
	// Clock times the readiness polls and the restart backoff; default
	// clock.Real{}.
	Clock  clock.Clock
	Logger *slog.Logger
	// ReadyTimeout bounds each start's GET / polling (default 30 s).
	ReadyTimeout time.Duration
	// ReadyPoll is the interval between GET / attempts (default 100 ms).
	ReadyPoll time.Duration
	// MinBackoff and MaxBackoff bound the wait before a restart; it doubles
	// after each start that did not become ready and resets after one that
	// did (defaults 500 ms, 10 s).
	MinBackoff, MaxBackoff time.Duration
	// OnReady, when set, is called with the child's pid each time it
	// becomes ready.
	OnReady func(pid int)
}

// SetDefaults fills zero fields.
func (c *SupervisorConfig) SetDefaults() {
	if c.Env == nil {
		c.Env = os.Environ()
	}
	if c.Stdout == nil {
		c.Stdout = os.Stdout
	}
	if c.Stderr == nil {
		c.Stderr = os.Stderr
	}
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.ReadyTimeout == 0 {
		c.ReadyTimeout = DefaultReadyTimeout
	}
	if c.ReadyPoll == 0 {
		c.ReadyPoll = DefaultReadyPoll
	}
	if c.MinBackoff == 0 {
		c.MinBackoff = DefaultMinBackoff
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = DefaultMaxBackoff
	}
}

// Validate reports the first unusable field.
func (c *SupervisorConfig) Validate() error {
	switch {
	case c.Command == "":
		return errors.New("devhost: supervisor: Command is empty")
	case c.Port < 0 || c.Port > 65535:
		return fmt.Errorf("devhost: supervisor: Port %d out of range", c.Port)
	case c.ReadyTimeout <= 0 || c.ReadyPoll <= 0:
		return errors.New("devhost: supervisor: ReadyTimeout and ReadyPoll must be > 0")
	case c.MinBackoff <= 0 || c.MaxBackoff < c.MinBackoff:
		return errors.New("devhost: supervisor: need 0 < MinBackoff <= MaxBackoff")
	}
	return nil
}

// Supervisor runs the custom handler as a child process, as the Functions
// host does: FUNCTIONS_CUSTOMHANDLER_PORT set, GET / polled until it answers,
// restarted with backoff when it exits, stopped when Run's context ends
// (DOCS azure-functions/functions-custom-handlers).
type Supervisor struct {
	cfg    SupervisorConfig
	client *http.Client

	mu    sync.Mutex
	ready chan struct{} // closed while the current child is ready
}

// NewSupervisor validates cfg and reserves the port.
func NewSupervisor(cfg SupervisorConfig) (*Supervisor, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Port == 0 {
		p, err := freePort()
		if err != nil {
			return nil, err
		}
		cfg.Port = p
	}
	c := newClient()
	c.Timeout = time.Second
	return &Supervisor{cfg: cfg, client: c, ready: make(chan struct{})}, nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("devhost: supervisor: finding a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// URL is the handler's base URL, http://127.0.0.1:PORT.
func (s *Supervisor) URL() string { return "http://127.0.0.1:" + strconv.Itoa(s.cfg.Port) }

// WaitReady blocks until a child is running and has answered GET /, or ctx
// ends. Use it as Config.HandlerReady.
func (s *Supervisor) WaitReady(ctx context.Context) error {
	s.mu.Lock()
	ch := s.ready
	s.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Supervisor) setReady(up bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.ready:
		if !up {
			s.ready = make(chan struct{})
		}
	default:
		if up {
			close(s.ready)
		}
	}
}

// Run starts the child and keeps it running until ctx ends; it then kills
// the child, waits for it and returns nil. It returns an error only if the
// command cannot be started at all.
func (s *Supervisor) Run(ctx context.Context) error {
	backoff := s.cfg.MinBackoff
	for {
		wasReady, err := s.runOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
			return fmt.Errorf("devhost: supervisor: %w", err)
		}
		if wasReady {
			backoff = s.cfg.MinBackoff
		}
		s.cfg.Logger.WarnContext(ctx, "handler exited; restarting", "err", err, "backoff", backoff)
		if s.cfg.Clock.Sleep(ctx, backoff) != nil {
			return nil
		}
		if !wasReady {
			backoff = min(2*backoff, s.cfg.MaxBackoff)
		}
	}
}

// runOnce starts one child, waits for readiness and then for its exit.
func (s *Supervisor) runOnce(ctx context.Context) (wasReady bool, err error) {
	cmd := exec.CommandContext(ctx, s.cfg.Command, s.cfg.Args...)
	cmd.Env = append(append([]string{}, s.cfg.Env...), EnvCustomHandlerPort+"="+strconv.Itoa(s.cfg.Port))
	cmd.Dir = s.cfg.Dir
	cmd.Stdout, cmd.Stderr = s.cfg.Stdout, s.cfg.Stderr
	// When the host stops, the child gets SIGTERM and WaitDelay to finish
	// its invocations (as the Functions host lets a worker drain), then
	// SIGKILL.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		return false, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer s.setReady(false)
	pid := cmd.Process.Pid
	s.cfg.Logger.InfoContext(ctx, "handler started", "pid", pid, "port", s.cfg.Port)

	readyCtx, cancel := context.WithCancel(ctx)
	readyErr := make(chan error, 1)
	go func() { readyErr <- s.pollReady(readyCtx) }()
	select {
	case err := <-exited:
		cancel()
		<-readyErr
		return false, fmt.Errorf("handler exited before it was ready: %w", errOr(err))
	case err := <-readyErr:
		cancel()
		if err != nil {
			_ = cmd.Process.Kill()
			<-exited
			return false, err
		}
	}
	s.setReady(true)
	s.cfg.Logger.InfoContext(ctx, "handler ready", "pid", pid)
	if s.cfg.OnReady != nil {
		s.cfg.OnReady(pid)
	}
	return true, fmt.Errorf("handler exited: %w", errOr(<-exited))
}

func errOr(err error) error {
	if err == nil {
		return errors.New("exit status 0")
	}
	return err
}

// pollReady polls GET / until any HTTP answer, or ReadyTimeout.
func (s *Supervisor) pollReady(ctx context.Context) error {
	deadline := s.cfg.Clock.Now().Add(s.cfg.ReadyTimeout)
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL()+"/", nil)
		if err != nil {
			return err
		}
		if resp, err := s.client.Do(req); err == nil {
			resp.Body.Close()
			return nil
		}
		left := deadline.Sub(s.cfg.Clock.Now())
		if left <= 0 {
			return fmt.Errorf("handler did not answer GET / within %s", s.cfg.ReadyTimeout)
		}
		if err := s.cfg.Clock.Sleep(ctx, min(s.cfg.ReadyPoll, left)); err != nil {
			return err
		}
	}
}
