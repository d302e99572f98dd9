package graph

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	abs "github.com/microsoft/kiota-abstractions-go"
	khttp "github.com/microsoft/kiota-http-go"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
	core "github.com/microsoftgraph/msgraph-sdk-go-core"
	graphauth "github.com/microsoftgraph/msgraph-sdk-go-core/authentication"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/vendorflow/vendorflow/pkg/domain"
)

// Client implements engine.Directory on msgraph-sdk-go. It is safe for
// concurrent use.
type Client struct {
	cfg     Config
	sdk     *msgraphsdk.GraphServiceClient
	adapter *msgraphsdk.GraphRequestAdapter
	retry   *retryMiddleware
	stats   *statsRecorder
	// roleCred and scopes get the token TokenRoles reads: the
	// configured credential's, or for the emulator one from its token
	// endpoint (requests to the emulator carry the static token).
	roleCred azcore.TokenCredential
	scopes   []string
}

// New builds a Client: a kiota Azure-identity token provider (scope
// https://<host>/.default) whose allowed hosts are exactly BaseURL's host,
// and a request adapter whose HTTP client runs this middleware chain,
// outermost first:
//
//  1. GraphTelemetryHandler — SdkVersion and client-request-id headers;
//  2. ParametersNameDecodingHandler — sends "$select" rather than "%24select";
//  3. UserAgentHandler;
//  4. RedirectHandler — follows redirects, dropping Authorization on a
//     host change (the client itself never follows them);
//  5. retryMiddleware — ours, in place of kiota's RetryHandler (see retry.go);
//  6. paceMiddleware — writes reserve from Config.WriteBudget (default: the
//     in-process pacer of WriteLimit/WriteWindow) and report 429s and
//     x-ms-throttle-limit-percentage back to it (see pace.go);
//  7. errorBodyMiddleware — drops a non-JSON error body (such as a proxy's
//     HTML error page) so that kiota reports the status, not a parse error;
//  8. CompressionHandler — gzips request bodies of MinCompressBytes or
//     more (Graph and tenantsim accept Content-Encoding: gzip; on 415 it
//     resends uncompressed); it sits inside the retry so that every attempt
//     is compressed afresh from the replayed body. Smaller bodies, which
//     are nearly all of vendorflow's, go as they are (compressLarge);
//  9. countingMiddleware — Stats, one count per attempt on the wire;
//
// then Config.HTTPClient's transport (or kiota's default). Left out on
// purpose: UrlReplaceHandler (rewrites /users/me-token-to-replace for Me(),
// which we never call) and HeadersInspectionHandler (acts only on a
// per-request option we never set). The http.Client has no overall
// Timeout: waits between retries are bounded by the caller's context and
// MaxRetries, and each attempt by AttemptTimeout.
func New(cfg Config) (*Client, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	base, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("graph: %w", err)
	}
	var transport http.RoundTripper
	if cfg.HTTPClient != nil {
		transport = cfg.HTTPClient.Transport
	}
	if transport == nil {
		transport = defaultTransport()
	}
	cred, roleCred := cfg.Credential, cfg.Credential
	if cred == nil {
		cred, roleCred = staticCredential{clock: cfg.Clock}, newEmulatorCredential(cfg.Clock, base, transport)
	}
	// Tokens are attached only for allowed hosts; without the emulator's
	// host here a loopback request silently goes without Authorization
	// (REFERENCE §2 "msgraph-sdk-go practicalities").
	scopes := []string{"https://" + base.Hostname() + "/.default"}
	auth, err := graphauth.NewAzureIdentityAuthenticationProviderWithScopesAndValidHosts(cred, scopes, []string{base.Hostname()})
	if err != nil {
		return nil, fmt.Errorf("graph: token provider: %w", err)
	}

	stats := newStatsRecorder(cfg.Observer)
	retry := &retryMiddleware{
		clock:          cfg.Clock,
		maxRetries:     max(cfg.MaxRetries, 0),
		maxBackoff:     cfg.MaxBackoff,
		attemptTimeout: cfg.AttemptTimeout,
		jitter:         randomJitter,
		stats:          stats,
		log:            cfg.Logger,
	}
	opts := msgraphsdk.GetDefaultClientOptions()
	chain := []khttp.Middleware{
		core.NewGraphTelemetryHandler(&opts),
		khttp.NewParametersNameDecodingHandler(),
		khttp.NewUserAgentHandler(),
		khttp.NewRedirectHandler(),
		retry,
	}
	budget := cfg.WriteBudget
	if budget == nil && cfg.WriteLimit > 0 {
		budget = newWritePacer(cfg.Clock, cfg.WriteLimit, cfg.WriteWindow)
	}
	if budget != nil {
		chain = append(chain, paceMiddleware{budget: budget, clock: cfg.Clock, stats: stats, log: cfg.Logger})
	}
	chain = append(chain,
		errorBodyMiddleware{},
		compressLarge{inner: khttp.NewCompressionHandler(), min: MinCompressBytes},
		countingMiddleware{stats: stats},
	)
	httpClient := &http.Client{
		Transport:     khttp.NewCustomTransportWithParentTransport(transport, chain...),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	adapter, err := msgraphsdk.NewGraphRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(auth, nil, nil, httpClient)
	if err != nil {
		return nil, fmt.Errorf("graph: request adapter: %w", err)
	}
	sdk := msgraphsdk.NewGraphServiceClient(adapter)
	adapter.SetBaseUrl(cfg.BaseURL)
	return &Client{cfg: cfg, sdk: sdk, adapter: adapter, retry: retry, stats: stats, roleCred: roleCred, scopes: scopes}, nil
}

// MaxIdleConnsPerHost is how many idle connections to Graph the default
// transport keeps. net/http keeps 2, so with more invocations in flight than
// that every extra request dialled a new connection (and left one in
// TIME_WAIT). Graph itself speaks HTTP/2 and multiplexes on one connection;
// this matters for HTTP/1.1 back ends such as the emulator.
const MaxIdleConnsPerHost = 64

// defaultTransport is the SDK's default transport (HTTP/2 attempted,
// compression on) keeping MaxIdleConnsPerHost idle connections.
func defaultTransport() http.RoundTripper {
	t, ok := khttp.GetDefaultTransport().(*http.Transport)
	if !ok {
		return khttp.GetDefaultTransport()
	}
	t.MaxIdleConnsPerHost = MaxIdleConnsPerHost
	return t
}

// Stats returns the traffic counters since New.
func (c *Client) Stats() Stats { return c.stats.snapshot() }

// classify classifies err for o against the client's clock.
func (c *Client) classify(o op, err error) error {
	return classify(o, err, c.cfg.Clock.Now())
}

// lagBase is the first wait of a replication-lag retry; it doubles.
const lagBase = 500 * time.Millisecond

// withLag runs fn, an operation on an object id the caller was just handed
// (typically by a create a moment ago), and repeats it while it answers
// NotFound: Entra is eventually consistent and a fresh object can be
// invisible for a moment (REFERENCE §2 "Faults, limits, consistency").
// It tries LagRetries more times, waiting 500ms, 1s, 2s, … on the
// Clock (3.5 s in all by default), then returns the NotFound. Used by
// GetUser, UpdateUser, SetPassword, AssignLicenses, AddMember, MemberOf,
// CreateTAP, ListTAPs and RestoreUser's read-back — never by operations for
// which 404 is an answer (RemoveMember, DeleteTAP) or by lookups by UPN.
func (c *Client) withLag(ctx context.Context, fn func() error) error {
	err := fn()
	for i := 0; i < c.cfg.LagRetries && domain.ErrorCode(err) == domain.NotFound; i++ {
		if outlasts(ctx, lagBase<<i) {
			break // the caller's deadline comes first; it retries the NotFound
		}
		c.stats.lagRetried()
		if serr := c.cfg.Clock.Sleep(ctx, lagBase<<i); serr != nil {
			return domain.Wrap(domain.Transient, serr, "cancelled while waiting for replication")
		}
		err = fn()
	}
	return err
}

// errorMapping parses every 4xx/5xx body as Graph's error JSON.
func errorMapping() abs.ErrorMappings {
	return abs.ErrorMappings{"XXX": odataerrors.CreateODataErrorFromDiscriminatorValue}
}
