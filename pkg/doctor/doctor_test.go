package doctor

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/funcapp"
)

// fakeDir is a tenant that passes every read unless told otherwise.
type fakeDir struct {
	roles    []string
	rolesErr error
	policy   domain.TAPPolicy
}

func (f fakeDir) TokenRoles(context.Context) ([]string, error) { return f.roles, f.rolesErr }
func (fakeDir) ListSKUs(context.Context) ([]domain.SKU, error) {
	return []domain.SKU{{PartNumber: "MICROSOFT_REMOTE_ASSIST", Enabled: 5}}, nil
}
func (fakeDir) MailAddress(_ context.Context, upn string) (string, error) { return upn, nil }
func (f fakeDir) TAPPolicy(context.Context) (domain.TAPPolicy, error)     { return f.policy, nil }
func (fakeDir) GetGroup(_ context.Context, id string) (domain.Group, error) {
	return domain.Group{ID: id, DisplayName: "IB-" + id}, nil
}
func (fakeDir) ListUsers(context.Context, domain.UserQuery, func(domain.User) error) error {
	return nil
}

type fakeQueues struct{}

func (fakeQueues) Queue(context.Context, string) (QueueInfo, error) {
	return QueueInfo{DuplicateDetection: true}, nil
}

type fakeJournal struct{ err error }

func (j fakeJournal) Probe(context.Context) error { return j.err }
func (fakeJournal) Account(context.Context, string) (domain.AccountRecord, error) {
	return domain.AccountRecord{}, domain.Errorf(domain.NotFound, "no account")
}

func deps(kind string, dir fakeDir) Deps {
	t := domain.Tenant{Domain: "ABC.com", Sender: "vendorflow@ABC.com", SKUs: []string{"MICROSOFT_REMOTE_ASSIST"},
		InformationBarriers: domain.BarriersOff, SegmentAttribute: "companyName", MarkerAttribute: "extensionAttribute15",
		MarkerValue: "vendorflow", Credentials: domain.Credentials{Kind: kind, TAPLifetime: domain.Duration(8 * time.Hour)}}
	return Deps{Tenant: t, Permissions: []string{"A", "B"}, Directory: dir, Queues: fakeQueues{},
		QueueNames: funcapp.Queues{Onboard: "on", Offboard: "off", Parked: "parked"}, Journal: fakeJournal{}}
}

func find(r Report, id string) Check {
	for _, c := range r.Checks {
		if c.ID == id {
			return c
		}
	}
	return Check{}
}

func TestRun(t *testing.T) {
	policy := domain.TAPPolicy{Enabled: true, AllUsers: true, MinLifetime: time.Hour, MaxLifetime: 8 * time.Hour}
	tests := []struct {
		name  string
		deps  Deps
		check string
		ok    bool
		want  string // in Detail
	}{
		{"extra roles are reported, not failed", deps(domain.CredentialTAP, fakeDir{roles: []string{"A", "B", "Directory.ReadWrite.All"}, policy: policy}),
			CheckToken, true, "also carries Directory.ReadWrite.All"},
		{"no token", deps(domain.CredentialTAP, fakeDir{rolesErr: errors.New("AADSTS7000215: invalid client secret"), policy: policy}),
			CheckToken, false, "AADSTS7000215"},
		{"password kind skips the TAP policy", deps(domain.CredentialPassword, fakeDir{roles: []string{"A", "B"}}),
			CheckTAPEnabled, true, "not used: credentials.kind is password"},
		{"password kind names the directory role", deps(domain.CredentialPassword, fakeDir{roles: []string{"A", "B"}}),
			CheckToken, true, "User Administrator"},
		{"short durations", deps(domain.CredentialTAP, fakeDir{roles: []string{"A", "B"}, policy: policy}),
			CheckTAPLifetime, true, "8h is within 1h..8h"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := find(Run(context.Background(), tt.deps), tt.check)
			if c.OK != tt.ok || !strings.Contains(c.Detail, tt.want) {
				t.Errorf("%s = %+v, want ok %v and %q", tt.check, c, tt.ok, tt.want)
			}
		})
	}
	d := deps(domain.CredentialTAP, fakeDir{roles: []string{"A", "B"}, policy: policy})
	d.Journal = fakeJournal{err: errors.New("403 AuthorizationPermissionMismatch")}
	if c := find(Run(context.Background(), d), CheckJournal); c.OK || !strings.Contains(c.Fix, "Storage Table Data Contributor") {
		t.Errorf("journal = %+v", c)
	}
}

// TestCheckIDs: Run reports exactly CheckIDs, in order.
func TestCheckIDs(t *testing.T) {
	r := Run(context.Background(), deps(domain.CredentialTAP, fakeDir{roles: []string{"A", "B"}, policy: domain.TAPPolicy{Enabled: true, AllUsers: true, MaxLifetime: 8 * time.Hour}}))
	var got []string
	for _, c := range r.Checks {
		got = append(got, c.ID)
	}
	if strings.Join(got, " ") != strings.Join(CheckIDs(), " ") {
		t.Errorf("Run reports %v, CheckIDs is %v", got, CheckIDs())
	}
	if !r.OK {
		t.Errorf("report: %+v", r)
	}
}
