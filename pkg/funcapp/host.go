package funcapp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
)

// HostFile is the Functions host's configuration file at the app root.
const HostFile = "host.json"

// Host is what vendorflow's local host takes from host.json.
type Host struct {
	// MaxConcurrentCalls is extensions.serviceBus.maxConcurrentCalls: how
	// many messages of one Service Bus trigger an instance processes at a
	// time. Unset, the extension's default: 16 × the number of cores
	// (REFERENCE §1 host.json).
	MaxConcurrentCalls int
	// Path is the file read, or "" when there was none (defaults).
	Path string
}

// DefaultMaxConcurrentCalls is the Service Bus extension's default for an
// unset maxConcurrentCalls on this machine.
func DefaultMaxConcurrentCalls() int { return 16 * runtime.NumCPU() }

// ReadHost reads path (a host.json). A missing file gives the defaults
// with Path ""; a file that is not valid JSON, or whose maxConcurrentCalls
// is not a positive whole number, is an error naming it.
func ReadHost(path string) (Host, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Host{MaxConcurrentCalls: DefaultMaxConcurrentCalls()}, nil
	}
	if err != nil {
		return Host{}, fmt.Errorf("%s: %w", path, err)
	}
	var doc struct {
		Extensions struct {
			ServiceBus struct {
				MaxConcurrentCalls *json.Number `json:"maxConcurrentCalls"`
			} `json:"serviceBus"`
		} `json:"extensions"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return Host{}, fmt.Errorf("%s is not valid JSON: %w", path, err)
	}
	h := Host{MaxConcurrentCalls: DefaultMaxConcurrentCalls(), Path: path}
	if n := doc.Extensions.ServiceBus.MaxConcurrentCalls; n != nil {
		v, err := n.Int64()
		if err != nil || v < 1 || v > 1<<16 {
			return Host{}, fmt.Errorf("%s: extensions.serviceBus.maxConcurrentCalls is %s; it must be a positive whole number", path, n)
		}
		h.MaxConcurrentCalls = int(v)
	}
	return h, nil
}
