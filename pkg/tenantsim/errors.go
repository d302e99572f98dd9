package tenantsim

import (
	"fmt"
	"net/http"
)

// Graph error codes the emulator answers with. Where REFERENCE.md §2 or a
// public Graph issue shows the code, the constant's comment says so.
const (
	// CodeBadRequest is the OData layer's code for malformed URLs, queries and
	// bodies ("Resource not found for the segment ...", microsoftgraph/
	// microsoft-graph-docs#21648).
	CodeBadRequest = "BadRequest"
	// CodeRequestBadRequest is the directory's code for invalid writes:
	// duplicate UPN, weak password, invalid usage location (REFERENCE.md §2).
	CodeRequestBadRequest = "Request_BadRequest"
	// CodeResourceNotFound is the directory's 404 (REFERENCE.md §2 Groups,
	// Faults; microsoftgraph/microsoft-graph-docs#6059 for the message).
	CodeResourceNotFound = "Request_ResourceNotFound"
	// CodeUnsupportedQuery answers advanced queries sent without
	// ConsistencyLevel: eventual and $count=true (REFERENCE.md §2 Queries).
	CodeUnsupportedQuery = "Request_UnsupportedQuery"
	// CodeTooManyRequests comes with 429 and Retry-After (REFERENCE.md §2 Faults).
	CodeTooManyRequests = "TooManyRequests"
	// CodeServiceNotAvailable comes with 503 (Graph errors page: serviceNotAvailable).
	CodeServiceNotAvailable = "serviceNotAvailable"
	// CodeGatewayTimeout comes with 504.
	CodeGatewayTimeout = "GatewayTimeout"
	// CodeInvalidAuthenticationToken comes with 401.
	CodeInvalidAuthenticationToken = "InvalidAuthenticationToken"
	// CodeObjectConflict is the details code of a duplicate-UPN error (REFERENCE.md §2 Users).
	CodeObjectConflict = "ObjectConflict"
	// CodeInvalidValue is the details code of an invalid property value.
	CodeInvalidValue = "InvalidValue"
	// CodeFailedDependency answers a batch step whose dependsOn step failed.
	CodeFailedDependency = "FailedDependency"
	// CodeTAPBadRequest is the lower-case code the authentication-methods
	// service uses (microsoftgraph/microsoft-graph-docs#12187).
	CodeTAPBadRequest = "badRequest"
	// CodeErrorInvalidUser answers sendMail for an unknown sender (Exchange;
	// InnoGE/laravel-msgraph-mail#16).
	CodeErrorInvalidUser = "ErrorInvalidUser"
	// CodeErrorInvalidRecipients answers sendMail without a valid recipient.
	CodeErrorInvalidRecipients = "ErrorInvalidRecipients"
	// CodeUnsupportedMediaType answers a Content-Encoding other than gzip.
	CodeUnsupportedMediaType = "UnsupportedMediaType"
	// CodeRequestEntityTooLarge answers bodies over Config.MaxBodyBytes.
	CodeRequestEntityTooLarge = "RequestEntityTooLarge"
)

// Messages the pipeline may match on. Each is REFERENCE.md §2 wording unless
// its comment says otherwise.
const (
	MsgDuplicateUPN         = "Another object with the same value for property userPrincipalName already exists."
	MsgWeakPassword         = "The specified password does not comply with password complexity requirements. Please provide a different password."
	MsgInvalidUsageLocation = "License assignment cannot be done for user with invalid usage location."
	MsgAlreadyMember        = "One or more added object references already exist for the following modified properties: 'members'."
	// MsgUnverifiedDomain: wording from memory of live Graph; not in REFERENCE.md.
	MsgUnverifiedDomain = "The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization."
	// MsgMethodNotAllowed: wording of the directory service for a wrong verb.
	MsgMethodNotAllowed = "Specified HTTP method is not allowed for the request target."
	// MsgInvalidJSON: wording of Graph for an unreadable JSON body.
	MsgInvalidJSON = "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format."
	// CodeAuthorizationRequestDenied and MsgInsufficientPrivileges: Graph's
	// 403 for a directory call the app's permissions do not allow
	// (learn.microsoft.com/graph/resolve-auth-errors, "403 Forbidden").
	CodeAuthorizationRequestDenied = "Authorization_RequestDenied"
	MsgInsufficientPrivileges      = "Insufficient privileges to complete the operation."
	// CodeErrorAccessDenied and MsgAccessDenied: Exchange's 403 for a mail
	// call without Mail.Send.
	CodeErrorAccessDenied = "ErrorAccessDenied"
	MsgAccessDenied       = "Access is denied. Check credentials and try again."
	// MsgTokenEmpty: wording of Graph for a request without a token.
	MsgTokenEmpty = "Access token is empty."
)

// MsgNoSeats is REFERENCE.md §2's (UNVERIFIED) wording for a SKU without a free seat.
func MsgNoSeats(skuID string) string {
	return fmt.Sprintf("Subscription with SKU %s does not have any available licenses.", skuID)
}

// MsgNotFound is the directory's 404 message for id (microsoftgraph/microsoft-graph-docs#6059).
func MsgNotFound(id string) string {
	return fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", id)
}

// MsgRequired is the directory's message for a missing required property
// (microsoftgraph/MSGraph-SDK-Code-Generator#244).
func MsgRequired(prop string) string {
	return fmt.Sprintf("Property %s value is required but is empty or missing.", prop)
}

// MsgInvalidValue is the directory's message for an invalid property value
// (Azure-Samples/ms-identity-dotnetcore-b2c-account-management#16).
func MsgInvalidValue(prop string) string {
	return fmt.Sprintf("Invalid value specified for property '%s' of resource 'User'.", prop)
}

// MsgUnknownSegment is the OData message for a path segment that names no
// resource (microsoftgraph/microsoft-graph-docs#21648).
func MsgUnknownSegment(seg string) string {
	return fmt.Sprintf("Resource not found for the segment '%s'.", seg)
}

// graphError is one Graph error response.
type graphError struct {
	status  int
	code    string
	message string
	details []errorDetail
	// fault marks an error caused by an injected condition (replication lag),
	// for Stats.
	fault FaultKind
	// header holds extra response headers (Retry-After).
	header http.Header
}

type errorDetail struct {
	code, message, target string
}

func (e *graphError) Error() string { return e.code + ": " + e.message }

func newError(status int, code, msg string) *graphError {
	return &graphError{status: status, code: code, message: msg}
}

func badRequest(msg string) *graphError {
	return newError(http.StatusBadRequest, CodeBadRequest, msg)
}

func directoryBadRequest(msg string) *graphError {
	return newError(http.StatusBadRequest, CodeRequestBadRequest, msg)
}

func notFound(id string) *graphError {
	return newError(http.StatusNotFound, CodeResourceNotFound, MsgNotFound(id))
}

func invalidValue(prop string) *graphError {
	e := directoryBadRequest(MsgInvalidValue(prop))
	e.details = []errorDetail{{code: CodeInvalidValue, target: prop}}
	return e
}

func unsupportedQuery(msg string) *graphError {
	return newError(http.StatusBadRequest, CodeUnsupportedQuery, msg)
}

// body renders the error JSON: {"error":{code,message,innerError,details}}.
func (e *graphError) body(ri requestInfo) jsonObject {
	inner := jsonObject{
		{"date", ri.now.UTC().Format("2006-01-02T15:04:05")},
		{"request-id", ri.requestID},
		{"client-request-id", ri.clientRequestID},
	}
	obj := jsonObject{{"code", e.code}, {"message", e.message}, {"innerError", inner}}
	if len(e.details) > 0 {
		ds := make([]jsonObject, 0, len(e.details))
		for _, d := range e.details {
			o := jsonObject{{"code", d.code}}
			if d.message != "" {
				o = append(o, jsonField{"message", d.message})
			}
			if d.target != "" {
				o = append(o, jsonField{"target", d.target})
			}
			ds = append(ds, o)
		}
		obj = append(obj, jsonField{"details", ds})
	}
	return jsonObject{{"error", obj}}
}
