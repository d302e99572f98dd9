package graph

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/vendorflow/vendorflow/pkg/domain"
)

// op names a directory operation in error messages and knows the
// application permission it needs (learn.microsoft.com/graph/permissions-reference).
type op string

// Operations.
const (
	opFindUser        op = "find user"
	opGetUser         op = "get user"
	opCreateUser      op = "create user"
	opUpdateUser      op = "update user"
	opSetPassword     op = "set password"
	opDeleteUser      op = "delete user"
	opFindDeletedUser op = "find deleted user"
	opRestoreUser     op = "restore user"
	opListUsers       op = "list users"
	opListSKUs        op = "list SKUs"
	opAssignLicenses  op = "assign licenses"
	opAddMember       op = "add group member"
	opRemoveMember    op = "remove group member"
	opMemberOf        op = "list group memberships"
	opCreateTAP       op = "create Temporary Access Pass"
	opListTAPs        op = "list Temporary Access Passes"
	opDeleteTAP       op = "delete Temporary Access Pass"
	opRevokeSessions  op = "revoke sessions"
	opSendMail        op = "send mail"
	opGetGroup        op = "get group"
	opTAPPolicy       op = "read the Temporary Access Pass policy"
)

// permission is the least application permission op needs.
func (o op) permission() string {
	switch o {
	case opFindUser, opGetUser, opListUsers, opMemberOf:
		return "User.Read.All"
	case opCreateUser, opUpdateUser, opSetPassword, opDeleteUser, opFindDeletedUser, opRestoreUser:
		return "User.ReadWrite.All (and User-LifeCycleInfo.ReadWrite.All for employeeLeaveDateTime)"
	case opListSKUs:
		return "LicenseAssignment.Read.All"
	case opAssignLicenses:
		return "LicenseAssignment.ReadWrite.All"
	case opAddMember, opRemoveMember:
		return "GroupMember.ReadWrite.All"
	case opCreateTAP, opListTAPs, opDeleteTAP:
		return "UserAuthenticationMethod.ReadWrite.All"
	case opRevokeSessions:
		return "User.RevokeSessions.All"
	case opSendMail:
		return "Mail.Send"
	case opGetGroup:
		return "GroupMember.Read.All"
	case opTAPPolicy:
		return "Policy.Read.AuthenticationMethod"
	}
	return "the required Graph permission"
}

// fault is what Graph said about a failed request, read defensively:
// ODataError.Error() dereferences error.message without a nil check and
// panics on a body without one (msgraph-sdk-go #434), so nothing here calls
// it.
type fault struct {
	Status        int
	Code          string   // error.code, e.g. Request_ResourceNotFound
	Message       string   // error.message
	DetailCodes   []string // error.details[].code, e.g. ObjectConflict
	RetryAfter    time.Duration
	HasRetryAfter bool
}

// faultOf extracts the Graph fault from an SDK error, if it is one.
func faultOf(err error, now time.Time) (fault, bool) {
	var f fault
	var headers *abs.ResponseHeaders
	var oe *odataerrors.ODataError
	var ae *abs.ApiError
	switch {
	case errors.As(err, &oe) && oe != nil:
		f.Status = oe.GetStatusCode()
		headers = oe.GetResponseHeaders()
		if me := oe.GetErrorEscaped(); me != nil {
			f.Code = deref(me.GetCode())
			f.Message = deref(me.GetMessage())
			for _, d := range me.GetDetails() {
				if d != nil {
					if c := deref(d.GetCode()); c != "" {
						f.DetailCodes = append(f.DetailCodes, c)
					}
				}
			}
		}
	case errors.As(err, &ae) && ae != nil:
		f.Status = ae.GetStatusCode()
		headers = ae.GetResponseHeaders()
	default:
		return fault{}, false
	}
	if headers != nil {
		if v := headers.Get("Retry-After"); len(v) > 0 {
			f.RetryAfter, f.HasRetryAfter = parseRetryAfter(v[0], now)
		}
	}
	return f, true
}

// graphError is the cause kept in a classified *domain.Error: the fault's
// facts with an Error() that cannot panic.
type graphError struct{ fault }

func (e *graphError) Error() string {
	var b strings.Builder
	b.WriteString("graph ")
	b.WriteString(strconv.Itoa(e.Status))
	if e.Code != "" {
		b.WriteString(" ")
		b.WriteString(e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

var skuIDRE = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

// classify turns any error of an SDK call into a *domain.Error. It is the
// one place where Graph's answers are interpreted (REFERENCE §2):
//
//	429, 503, 504, 502, timeouts, network errors  → Transient (RetryAfter kept)
//	404                                           → NotFound
//	400 duplicate UPN / ObjectConflict, 409, 412  → Conflict
//	400 "does not have any available licenses"    → Business (no free seat)
//	400 "invalid usage location"                  → Transient (replication after PATCH)
//	400 or policy 403 on a TAP creation           → Business (TAP policy)
//	other 400                                     → Invalid
//	401, 403                                      → Business naming the permission
//	anything else                                 → Internal
//
// An error that is already a *domain.Error is returned unchanged.
func classify(o op, err error, now time.Time) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	if f, ok := faultOf(err, now); ok {
		return classifyFault(o, f)
	}
	var ue *url.Error
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return domain.Wrap(domain.Transient, err, string(o)+": cancelled")
	case errors.Is(err, context.DeadlineExceeded):
		return domain.Wrap(domain.Transient, err, string(o)+": timed out")
	case errors.As(err, &ne) && ne.Timeout():
		return domain.Wrap(domain.Transient, err, string(o)+": timed out")
	case errors.As(err, &ue), errors.As(err, &ne):
		return domain.Wrap(domain.Transient, err, string(o)+": network error")
	}
	return domain.Wrap(domain.Internal, err, string(o)+": unexpected failure")
}

// classifyFault maps a Graph fault to a coded error.
func classifyFault(o op, f fault) *domain.Error {
	cause := &graphError{f}
	e := func(code domain.Code, format string, args ...any) *domain.Error {
		return &domain.Error{Code: code, Message: string(o) + ": " + fmt.Sprintf(format, args...), Err: cause}
	}
	msg := strings.ToLower(f.Message)
	switch f.Status {
	case 429:
		t := e(domain.Transient, "throttled by Graph (429)")
		t.RetryAfter = f.RetryAfter
		return t
	case 502, 503, 504:
		t := e(domain.Transient, "Graph unavailable (%d)", f.Status)
		t.RetryAfter = f.RetryAfter
		return t
	case 404:
		return e(domain.NotFound, "not found")
	case 409, 412:
		return e(domain.Conflict, "conflicting change")
	case 401, 403:
		if o == opCreateTAP && strings.Contains(msg, "polic") {
			return e(domain.Business, "refused by the tenant's Temporary Access Pass policy")
		}
		return e(domain.Business, "access denied: the app needs the %s application permission", o.permission())
	case 400:
		switch {
		case strings.Contains(msg, "another object with the same value for property userprincipalname"),
			f.Code == "ObjectConflict", containsFold(f.DetailCodes, "ObjectConflict"):
			return e(domain.Conflict, "userPrincipalName is already taken by another object")
		case strings.Contains(msg, "does not have any available licenses"):
			if sku := skuIDRE.FindString(f.Message); sku != "" {
				return e(domain.Business, "no free seat for SKU %s", sku)
			}
			return e(domain.Business, "no free seat for the requested SKU")
		case strings.Contains(msg, "does not have a corresponding license"):
			// A licence to remove is not assigned: most likely an earlier
			// attempt's assignLicense took effect and its answer was lost.
			// The caller reads the account again and recomputes.
			return e(domain.Transient, "a licence to remove is no longer assigned (an earlier attempt may have removed it); the account is read again")
		case strings.Contains(msg, "invalid usage location"):
			// Seen right after a successful PATCH of usageLocation:
			// replication delay (REFERENCE §2 "Licenses").
			return e(domain.Transient, "usage location not yet visible to licensing (replication)")
		case o == opCreateTAP:
			return e(domain.Business, "refused by the tenant's Temporary Access Pass policy")
		case strings.Contains(msg, "password complexity"):
			return e(domain.Invalid, "password does not meet the complexity requirements")
		}
		return e(domain.Invalid, "request rejected")
	}
	if f.Status >= 500 {
		return e(domain.Internal, "Graph server error (%d)", f.Status)
	}
	return e(domain.Internal, "unexpected status %d", f.Status)
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
