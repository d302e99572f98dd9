package barriers

import (
	"fmt"
	"io"

	"sigs.k8s.io/yaml"

	"github.com/vendorflow/vendorflow/pkg/domain"
)

// MaxFileSize caps a policy file read by Read.
const MaxFileSize = 1 << 20

// Parse decodes a policy file, YAML or JSON (JSON is YAML), strictly:
// unknown fields are an error. It does not validate; call Resolve, then
// Validate.
func Parse(data []byte) (Policy, error) {
	var p Policy
	if err := yaml.UnmarshalStrict(data, &p); err != nil {
		return Policy{}, domain.Errorf(domain.Invalid, "policy file: %w", err)
	}
	return p, nil
}

// Read reads and parses a policy file of at most MaxFileSize bytes.
func Read(r io.Reader) (Policy, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return Policy{}, fmt.Errorf("read policy file: %w", err)
	}
	if len(data) > MaxFileSize {
		return Policy{}, domain.Errorf(domain.Invalid, "policy file is larger than %d bytes", MaxFileSize)
	}
	return Parse(data)
}

// Marshal renders p as YAML (the form Parse reads).
func Marshal(p Policy) ([]byte, error) {
	b, err := yaml.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("marshal policy: %w", err)
	}
	return b, nil
}

// Resolve expands the preset section, if any, against the vendor registry:
// the derived segments and policies follow the file's own, and the result
// has no preset left. A file without a preset is returned unchanged.
func (p Policy) Resolve(t domain.Tenant) (Policy, error) {
	if p.Preset == nil {
		return p, nil
	}
	spec := *p.Preset
	spec.Mode = p.Mode
	derived, err := Preset(t, spec)
	if err != nil {
		return Policy{}, err
	}
	out := Policy{Mode: p.Mode}
	out.Segments = append(append(out.Segments, p.Segments...), derived.Segments...)
	out.Policies = append(append(out.Policies, p.Policies...), derived.Policies...)
	return out, nil
}
