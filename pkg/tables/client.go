package tables

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"github.com/vendorflow/vendorflow/pkg/secret"
)

// Settings locate a Table Storage account. Exactly one of ConnectionString
// and Endpoint is set; Endpoint needs Credential.
type Settings struct {
	// ConnectionString is a storage connection string with an account key
	// (Azurite's development account, or a real account's key). It is a
	// secret: it is never logged or put in an error.
	ConnectionString secret.Value
	// Endpoint is the account's Table endpoint,
	// https://ACCOUNT.table.core.windows.net, used with Credential.
	Endpoint   string
	Credential azcore.TokenCredential
	// Prefix starts every table name (letters and digits; default
	// "vendorflow").
	Prefix string
}

// DefaultPrefix starts vendorflow's table names.
const DefaultPrefix = "vendorflow"

// prefixRE: table names are 3–63 letters and digits starting with a letter
// (learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model).
var prefixRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{0,39}$`)

// Service is an opened account: it hands out clients for named tables,
// creating each table once.
type Service struct {
	svc    *aztables.ServiceClient
	prefix string
	where  string
}

// Open builds the service client s describes. It does not contact the
// account; Table does.
func Open(s Settings) (*Service, error) {
	if s.Prefix == "" {
		s.Prefix = DefaultPrefix
	}
	if !prefixRE.MatchString(s.Prefix) {
		return nil, fmt.Errorf("tables: prefix %q must be 1 to 40 letters and digits, starting with a letter", s.Prefix)
	}
	hasConn, hasEndpoint := !s.ConnectionString.IsZero(), s.Endpoint != ""
	switch {
	case hasConn && hasEndpoint:
		return nil, errors.New("tables: set either a connection string or an endpoint, not both")
	case hasConn:
		svc, err := aztables.NewServiceClientFromConnectionString(s.ConnectionString.Reveal(), nil)
		if err != nil {
			// The SDK's message may quote the string: never pass it on.
			return nil, errors.New("tables: the connection string is not usable (want AccountName=…;AccountKey=…;TableEndpoint=… or EndpointSuffix=…)")
		}
		return &Service{svc: svc, prefix: s.Prefix, where: endpointOf(s.ConnectionString.Reveal())}, nil
	case hasEndpoint:
		u, err := url.Parse(s.Endpoint)
		if err != nil || u.Host == "" || (u.Scheme != "https" && !isLoopback(u.Hostname())) {
			return nil, fmt.Errorf("tables: endpoint %q must be an https URL such as https://ACCOUNT.table.core.windows.net", s.Endpoint)
		}
		if s.Credential == nil {
			return nil, fmt.Errorf("tables: endpoint %s needs the app's identity (a credential)", s.Endpoint)
		}
		svc, err := aztables.NewServiceClient(strings.TrimSuffix(s.Endpoint, "/"), s.Credential, nil)
		if err != nil {
			return nil, fmt.Errorf("tables: %w", err)
		}
		return &Service{svc: svc, prefix: s.Prefix, where: s.Endpoint}, nil
	}
	return nil, errors.New("tables: no connection string and no endpoint")
}

// Where names the account (its Table endpoint), for messages and logs.
func (s *Service) Where() string { return s.where }

// Table returns the client of the table prefix+name, creating the table
// if it does not exist.
func (s *Service) Table(ctx context.Context, name string) (*aztables.Client, error) {
	full := s.prefix + name
	if _, err := s.svc.CreateTable(ctx, full, nil); err != nil && !HasCode(err, aztables.TableAlreadyExists) && Status(err) != http.StatusConflict {
		return nil, fmt.Errorf("tables: create table %s at %s: %w", full, s.where, err)
	}
	return s.svc.NewClient(full), nil
}

// Existing returns the client of the table prefix+name without creating
// it: for the commands that only read. A table that does not exist is
// ErrNoTable; the check is one read of at most one entity, which a reader
// role (Storage Table Data Reader) may make.
func (s *Service) Existing(ctx context.Context, name string) (*aztables.Client, error) {
	full := s.prefix + name
	c := s.svc.NewClient(full)
	top := int32(1)
	pager := c.NewListEntitiesPager(&aztables.ListEntitiesOptions{Top: &top})
	if _, err := pager.NextPage(ctx); err != nil {
		if HasCode(err, aztables.TableNotFound) || Status(err) == http.StatusNotFound {
			return nil, fmt.Errorf("%w: %s at %s", ErrNoTable, full, s.where)
		}
		return nil, fmt.Errorf("tables: read table %s at %s: %w", full, s.where, err)
	}
	return c, nil
}

// ErrNoTable is Existing's error for a table that does not exist.
var ErrNoTable = errors.New("tables: no such table")

// DeleteTable removes the table prefix+name (tests).
func (s *Service) DeleteTable(ctx context.Context, name string) error {
	_, err := s.svc.DeleteTable(ctx, s.prefix+name, nil)
	if err != nil && Status(err) != http.StatusNotFound {
		return fmt.Errorf("tables: delete table %s: %w", s.prefix+name, err)
	}
	return nil
}

// endpointOf reads TableEndpoint (or builds it from AccountName and
// EndpointSuffix) from a connection string, for messages: never the key.
func endpointOf(cs string) string {
	var account, suffix string
	for _, part := range strings.Split(cs, ";") {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "tableendpoint":
			return v
		case "accountname":
			account = v
		case "endpointsuffix":
			suffix = v
		}
	}
	if account != "" && suffix != "" {
		return "https://" + account + ".table." + suffix
	}
	return "the account of the connection string"
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}
