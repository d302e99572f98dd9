package metrics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// InstanceLabel is the label Remote puts on another process's metrics.
const InstanceLabel = "instance"

// Target is another process whose metrics Remote gathers: a handler
// child of vendorflow dev (a `vendorflow serve` on its own port).
type Target struct {
	// Instance is the value of its InstanceLabel ("0", "1", …).
	Instance string
	// URL is its metrics endpoint ("http://127.0.0.1:PORT/metrics").
	URL string
}

// Remote gathers the metrics of its targets over HTTP, for Metrics.Handler
// to serve merged with a process's own: every metric of a target gets
// the label instance=<Target.Instance>, and vendorflow_handler_up says
// per target whether its scrape worked. A target that does not answer
// (a handler restarting) is left out of that scrape, up 0.
type Remote struct {
	targets []Target
	client  *http.Client
}

// remoteTimeout bounds one target's scrape.
const remoteTimeout = 5 * time.Second

// NewRemote returns a Remote for targets; client nil means one with a
// 5-second timeout and no proxy (the targets are on loopback).
func NewRemote(targets []Target, client *http.Client) *Remote {
	if client == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.Proxy = nil
		client = &http.Client{Transport: t, Timeout: remoteTimeout}
	}
	return &Remote{targets: slices.Clone(targets), client: client}
}

// The gauge Remote adds per target.
const (
	handlerUpName = Namespace + "_handler_up"
	handlerUpHelp = "Whether the last scrape of a handler instance (a vendorflow serve child of vendorflow dev) worked: 1, or 0 when it did not answer."
)

// Gather implements prometheus.Gatherer. It scrapes every target at once.
// Its error is nil: a target that fails is reported by
// vendorflow_handler_up and left out, so that one scrape still shows the
// others.
func (r *Remote) Gather() ([]*dto.MetricFamily, error) {
	ctx, cancel := context.WithTimeout(context.Background(), remoteTimeout)
	defer cancel()
	results := make([][]*dto.MetricFamily, len(r.targets))
	errs := make([]error, len(r.targets))
	var wg sync.WaitGroup
	for i, t := range r.targets {
		wg.Go(func() { results[i], errs[i] = r.scrape(ctx, t) })
	}
	wg.Wait()
	up := &dto.MetricFamily{Name: ptr(handlerUpName), Help: ptr(handlerUpHelp), Type: dto.MetricType_GAUGE.Enum()}
	var out []*dto.MetricFamily
	for i, t := range r.targets {
		v := 1.0
		if errs[i] != nil {
			v = 0
		} else {
			out = append(out, results[i]...)
		}
		up.Metric = append(up.Metric, &dto.Metric{
			Label: []*dto.LabelPair{{Name: ptr(InstanceLabel), Value: ptr(t.Instance)}},
			Gauge: &dto.Gauge{Value: &v},
		})
	}
	return append(out, up), nil
}

// scrape reads one target's metric families and labels them with its
// instance.
func (r *Remote) scrape(ctx context.Context, t Target) ([]*dto.MetricFamily, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.URL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", string(expfmt.NewFormat(expfmt.TypeProtoDelim)))
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("metrics: %s answered %s", t.URL, resp.Status)
	}
	dec := expfmt.NewDecoder(resp.Body, expfmt.ResponseFormat(resp.Header))
	var out []*dto.MetricFamily
	for {
		mf := &dto.MetricFamily{}
		err := dec.Decode(mf)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("metrics: reading %s: %w", t.URL, err)
		}
		for _, m := range mf.Metric {
			m.Label = slices.DeleteFunc(m.Label, func(l *dto.LabelPair) bool { return l.GetName() == InstanceLabel })
			m.Label = append(m.Label, &dto.LabelPair{Name: ptr(InstanceLabel), Value: ptr(t.Instance)})
		}
		out = append(out, mf)
	}
}

// Interface check.
var _ prometheus.Gatherer = (*Remote)(nil)

func ptr[T any](v T) *T { return &v }
