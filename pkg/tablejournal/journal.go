package tablejournal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
	"github.com/vendorflow/vendorflow/pkg/tables"
)

// Table names, after the Service's prefix.
const (
	RequestsTable = "Requests"
	IndexTable    = "RequestIndex"
	AccountsTable = "Accounts"
)

// Row keys and the index partition.
const (
	requestRow   = "request"
	stepRowPre   = "step|"
	accountRow   = "account"
	leaseRow     = "lease"
	indexPart    = "all"
	maxCASRounds = 64
	// maxPayload is Table Storage's limit for one binary property.
	maxPayload = 64 << 10
)

// Journal is the Table Storage journal. It is safe for concurrent use by
// any number of goroutines and processes sharing the account.
type Journal struct {
	requests, index, accounts *aztables.Client
	clock                     clock.Clock
	where                     string
}

var _ engine.Journal = (*Journal)(nil)

// Open creates the journal's tables if needed. clk defaults to clock.Real.
func Open(ctx context.Context, svc *tables.Service, clk clock.Clock) (*Journal, error) {
	return open(ctx, svc, clk, svc.Table)
}

// OpenReadOnly opens a journal that must exist already, for the commands
// that only read it (status, lists, plans, a roster's known requests): no
// table is created, so a reader role suffices and a mistyped prefix is
// NotFound instead of a new, empty journal. Nothing it returns writes
// unless called to.
func OpenReadOnly(ctx context.Context, svc *tables.Service, clk clock.Clock) (*Journal, error) {
	return open(ctx, svc, clk, svc.Existing)
}

func open(ctx context.Context, svc *tables.Service, clk clock.Clock, table func(context.Context, string) (*aztables.Client, error)) (*Journal, error) {
	if clk == nil {
		clk = clock.Real{}
	}
	j := &Journal{clock: clk, where: svc.Where()}
	for _, t := range []struct {
		name string
		dst  **aztables.Client
	}{{RequestsTable, &j.requests}, {IndexTable, &j.index}, {AccountsTable, &j.accounts}} {
		c, err := table(ctx, t.name)
		if errors.Is(err, tables.ErrNoTable) {
			return nil, domain.Errorf(domain.NotFound, "no journal at %s: %w", svc.Where(), err)
		}
		if err != nil {
			return nil, classify("open", err)
		}
		*t.dst = c
	}
	return j, nil
}

// Where names the storage account, for messages.
func (j *Journal) Where() string { return j.where }

// Close releases nothing: the clients hold no connection of their own.
func (j *Journal) Close() error { return nil }

// Batch runs fn: its calls are made one by one, each atomic on its own.
// Table Storage's entity group transactions span one partition of one
// table; a request and its steps share a partition, but a batch also
// touches the request index and the Accounts table (leases), so it cannot
// be one transaction.
func (j *Journal) Batch(ctx context.Context, fn func(ctx context.Context) error) error {
	return fn(ctx)
}

func (j *Journal) now() time.Time { return j.clock.Now().UTC() }

// classify keeps a *domain.Error, reports throttling, server errors, time-outs
// and connection failures as Transient, and wraps anything else as Internal.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("table journal: %s: %w", op, err)
	}
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		if re.StatusCode == http.StatusTooManyRequests || re.StatusCode >= 500 || re.StatusCode == http.StatusRequestTimeout {
			return domain.Errorf(domain.Transient, "table journal: %s: storage answered %d %s: %w", op, re.StatusCode, re.ErrorCode, err)
		}
		return domain.Errorf(domain.Internal, "table journal: %s: storage answered %d %s: %w", op, re.StatusCode, re.ErrorCode, err)
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return domain.Errorf(domain.Transient, "table journal: %s: %w", op, err)
	}
	return domain.Errorf(domain.Internal, "table journal: %s: %w", op, err)
}

// busy is the error when optimistic concurrency lost maxCASRounds times.
func busy(op string) error {
	return domain.Errorf(domain.Transient, "table journal: %s: the entity kept changing under concurrent writers; try again", op)
}

func required(field, value string) error {
	if value == "" {
		return domain.Errorf(domain.Invalid, "journal: %s is required", field)
	}
	return nil
}

// entity is the part of every row the Table service keys and versions.
type entity struct {
	PartitionKey string `json:"PartitionKey"`
	RowKey       string `json:"RowKey"`
}

// get reads one row into v and returns its ETag; found is false on 404.
func get(ctx context.Context, c *aztables.Client, pk, rk string, v any) (etag azcore.ETag, found bool, err error) {
	resp, err := c.GetEntity(ctx, pk, rk, nil)
	if tables.Status(err) == http.StatusNotFound {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	if err := json.Unmarshal(resp.Value, v); err != nil {
		return "", false, fmt.Errorf("decode row %s/%s: %w", pk, rk, err)
	}
	return resp.ETag, true, nil
}

// add inserts v; exists is true on 409.
func add(ctx context.Context, c *aztables.Client, v any) (exists bool, err error) {
	b, err := json.Marshal(v)
	if err != nil {
		return false, err
	}
	_, err = c.AddEntity(ctx, b, nil)
	if tables.Status(err) == http.StatusConflict {
		return true, nil
	}
	return false, err
}

// replace overwrites the row if it still has etag; lost is true on 412
// (someone changed it first) or 404 (someone deleted it).
func replace(ctx context.Context, c *aztables.Client, v any, etag azcore.ETag) (lost bool, err error) {
	b, err := json.Marshal(v)
	if err != nil {
		return false, err
	}
	_, err = c.UpdateEntity(ctx, b, &aztables.UpdateEntityOptions{IfMatch: &etag, UpdateMode: aztables.UpdateModeReplace})
	switch tables.Status(err) {
	case http.StatusPreconditionFailed, http.StatusNotFound:
		return true, nil
	}
	return false, err
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}

// jsonUnmarshal decodes a listed row; the service's own fields (odata.etag,
// Timestamp, @odata.type annotations) are ignored.
func jsonUnmarshal(raw []byte, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("decode row: %w", err)
	}
	return nil
}
