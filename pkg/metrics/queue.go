package metrics

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vendorflow/vendorflow/pkg/funcapp"
	"github.com/vendorflow/vendorflow/pkg/queue"
)

// QueueCounter reads one queue's message counts; *queue.Queue implements
// it.
type QueueCounter interface {
	Counts(ctx context.Context, queue string) (queue.Counts, error)
}

// queueTimeout bounds the reading of the counts at one scrape.
const queueTimeout = 5 * time.Second

// WatchQueues registers the gauges of the embedded queue q, read at every
// scrape: vendorflow_queue_messages by queue and state (active, scheduled,
// locked), vendorflow_queue_dead_lettered_messages by queue and
// vendorflow_parked_messages (every message on the parking queue). Call it
// once, in the process that owns the queue (vendorflow dev). On Service
// Bus the same figures are Azure Monitor's (docs/observability.md).
func (m *Metrics) WatchQueues(q QueueCounter, names funcapp.Queues) error {
	if err := m.reg.Register(&queueCollector{q: q, names: names}); err != nil {
		return fmt.Errorf("metrics: queue gauges: %w", err)
	}
	return nil
}

var (
	queueMessagesDesc = prometheus.NewDesc(Namespace+"_queue_messages",
		"Messages on the embedded queue at scrape time, by queue and state: active (receivable now), scheduled (not yet visible: retries, deferrals), locked (being processed).",
		[]string{"queue", "state"}, nil)
	queueDeadDesc = prometheus.NewDesc(Namespace+"_queue_dead_lettered_messages",
		"Messages in the dead-letter subqueue of each embedded queue at scrape time (MaxDeliveryCountExceeded and the like).",
		[]string{"queue"}, nil)
	parkedDesc = prometheus.NewDesc(Namespace+"_parked_messages",
		"Messages on the parking queue at scrape time: requests vendorflow set aside with their reason, waiting for an operator.",
		nil, nil)
)

// queueCollector reads the queue's counts when scraped.
type queueCollector struct {
	q     QueueCounter
	names funcapp.Queues
}

// Describe implements prometheus.Collector.
func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueMessagesDesc
	ch <- queueDeadDesc
	ch <- parkedDesc
}

// Collect implements prometheus.Collector. A queue that cannot be read is
// reported as an error of the scrape (which still serves the rest).
func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), queueTimeout)
	defer cancel()
	for _, name := range []string{c.names.Onboard, c.names.Offboard, c.names.Parked} {
		n, err := c.q.Counts(ctx, name)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(queueMessagesDesc, fmt.Errorf("queue %s: %w", name, err))
			continue
		}
		ch <- prometheus.MustNewConstMetric(queueMessagesDesc, prometheus.GaugeValue, float64(n.Active), name, "active")
		ch <- prometheus.MustNewConstMetric(queueMessagesDesc, prometheus.GaugeValue, float64(n.Scheduled), name, "scheduled")
		ch <- prometheus.MustNewConstMetric(queueMessagesDesc, prometheus.GaugeValue, float64(n.Locked), name, "locked")
		ch <- prometheus.MustNewConstMetric(queueDeadDesc, prometheus.GaugeValue, float64(n.DeadLettered), name)
		if name == c.names.Parked {
			ch <- prometheus.MustNewConstMetric(parkedDesc, prometheus.GaugeValue, float64(n.Active+n.Scheduled+n.Locked))
		}
	}
}
