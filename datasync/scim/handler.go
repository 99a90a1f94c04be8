package scim

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

// GroupMode says what a SCIM group becomes in the directory.
type GroupMode int

const (
	// GroupsAsDepartments (the default) makes each group a department:
	// displayName its title, its User members the department's members,
	// its Group members child departments.
	GroupsAsDepartments GroupMode = iota
	// GroupsAsRoles makes each group a role: displayName names the role
	// (an existing one, or one the source's policy lets a sync create:
	// roles.create; never root), its User members the users holding it
	// through the source. Roles do not nest: a Group member is refused.
	// The groups are kept in the table scimGroups, which the host creates
	// with [CreateTables] before serving.
	GroupsAsRoles
)

// Options configure the handler [New] returns. Exactly one of Token and
// Authenticate is required: a SCIM endpoint writes the directory, and
// one left open by mistake would hand it to anyone.
type Options struct {
	// SourceName is the datasync source the handler provisions as
	// ("scim" when empty). Its source row's options, if it has one, are
	// the policy deletions follow (onMissing: disable by default).
	SourceName string
	// Token is the bearer token every request must carry
	// (Authorization: Bearer <token>), compared in constant time.
	Token string
	// Authenticate checks a request instead of Token. An *Error it returns
	// is served as it is (a 403, say); any other error is a bare 401.
	Authenticate func(*http.Request) error
	// BaseURL is the URL the handler is reached at, without the trailing
	// slash ("https://example.com/scim/v2"), for meta.location and $ref.
	// By default it is taken from the request: http or https (TLS), the
	// Host header and the path up to the SCIM endpoint, so the handler
	// finds its mount prefix itself, behind http.StripPrefix too. Set it
	// behind a proxy that terminates TLS or rewrites the host.
	BaseURL func(*http.Request) string
	// MaxResults caps a list's page (count), 200 when zero.
	MaxResults int
	// MaxBulkOperations caps the operations of one /Bulk request, 1,000
	// when zero.
	MaxBulkOperations int
	// MaxPayloadBytes caps a request body, 1 MiB when zero: a larger one
	// gets 413.
	MaxPayloadBytes int64
	// Logger hears of requests that failed on the server's side (a 500,
	// whose cause the client is not told); slog.Default() when nil.
	Logger *slog.Logger
	// Groups says what groups become (GroupsAsDepartments).
	Groups GroupMode
}

// The defaults of Options.
const (
	DefaultSourceName        = "scim"
	DefaultMaxResults        = 200
	DefaultMaxBulkOperations = 1000
	DefaultMaxPayloadBytes   = 1 << 20
)

// handler is the SCIM service provider New returns.
type handler struct {
	m      *datasync.Manager
	opts   Options
	log    *slog.Logger
	source string
	// tokenSum is the SHA-256 of Options.Token: comparing digests takes the
	// same time whatever the length of the token tried.
	tokenSum [sha256.Size]byte
	routes   map[routeKey]endpointFunc
	writes   map[routeKey]writeOp
	// groups keeps the groups as Options.Groups says.
	groups groupStore
}

// endpointFunc serves one method of one endpoint; id is the path's
// segment after the endpoint ("" for the collection). An error is served
// in SCIM form.
type endpointFunc func(w http.ResponseWriter, r *http.Request, id string) error

// routeKey is an endpoint (canonical spelling), whether the path has an id
// after it, and the method.
type routeKey struct {
	endpoint string
	withID   bool
	method   string
}

// The endpoints of RFC 7644 §3.2, in their canonical spelling.
const (
	endpointUsers    = "Users"
	endpointGroups   = "Groups"
	endpointBulk     = "Bulk"
	endpointSPConfig = "ServiceProviderConfig"
	endpointResTypes = "ResourceTypes"
	endpointSchemas  = "Schemas"
	endpointMe       = "Me"
)

var endpoints = []string{endpointUsers, endpointGroups, endpointBulk, endpointSPConfig, endpointResTypes, endpointSchemas, endpointMe}

// New returns the SCIM 2.0 service provider over m, whose directory
// resources (users.RegisterSyncResources) must be registered. Mount it
// under any prefix:
//
//	h, err := scim.New(m, scim.Options{Token: os.Getenv("GATEHOUSE_SCIM_TOKEN")})
//	mux.Handle("/scim/v2/", h)
//
// With Options.Groups set to GroupsAsRoles, run [CreateTables] on m's
// database first: New has no context to create the table in, and a
// request that finds it missing fails with a 500 whose log names it.
func New(m *datasync.Manager, opts Options) (http.Handler, error) {
	if m == nil {
		return nil, errors.New("scim: New needs a datasync.Manager")
	}
	if !m.Supports(datasync.DataTypeUser) || !m.Supports(datasync.DataTypeDepartment) {
		return nil, errors.New("scim: the manager has no users and departments resources (users.RegisterSyncResources)")
	}
	switch {
	case opts.Token == "" && opts.Authenticate == nil:
		return nil, errors.New("scim: Options need a Token or an Authenticate function")
	case opts.Token != "" && opts.Authenticate != nil:
		return nil, errors.New("scim: Options have both a Token and an Authenticate function: give one")
	}
	if opts.Groups != GroupsAsDepartments && opts.Groups != GroupsAsRoles {
		return nil, fmt.Errorf("scim: group mode %d is not one of GroupsAsDepartments and GroupsAsRoles", opts.Groups)
	}
	if opts.MaxResults < 0 || opts.MaxBulkOperations < 0 || opts.MaxPayloadBytes < 0 {
		return nil, errors.New("scim: MaxResults, MaxBulkOperations and MaxPayloadBytes must not be negative")
	}
	h := &handler{m: m, opts: opts, log: opts.Logger, source: opts.SourceName}
	if h.source == "" {
		h.source = DefaultSourceName
	}
	if h.opts.MaxResults == 0 {
		h.opts.MaxResults = DefaultMaxResults
	}
	if h.opts.MaxBulkOperations == 0 {
		h.opts.MaxBulkOperations = DefaultMaxBulkOperations
	}
	if h.opts.MaxPayloadBytes == 0 {
		h.opts.MaxPayloadBytes = DefaultMaxPayloadBytes
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	h.groups = h.newGroupStore(opts.Groups)
	h.tokenSum = sha256.Sum256([]byte(opts.Token))
	h.writes = h.writeOps()
	h.routes = h.routeTable()
	return h, nil
}

// routeTable lists what each endpoint serves.
func (h *handler) routeTable() map[routeKey]endpointFunc {
	routes := map[routeKey]endpointFunc{
		{endpointUsers, false, http.MethodGet}:    h.listUsers,
		{endpointUsers, true, http.MethodGet}:     h.getUser,
		{endpointGroups, false, http.MethodGet}:   h.listGroups,
		{endpointGroups, true, http.MethodGet}:    h.getGroup,
		{endpointBulk, false, http.MethodPost}:    h.bulk,
		{endpointSPConfig, false, http.MethodGet}: h.serviceProviderConfig,
		{endpointResTypes, false, http.MethodGet}: h.resourceTypes,
		{endpointResTypes, true, http.MethodGet}:  h.resourceTypes,
		{endpointSchemas, false, http.MethodGet}:  h.schemas,
		{endpointSchemas, true, http.MethodGet}:   h.schemas,
	}
	for k, op := range h.writes {
		routes[k] = h.serveWrite(writtenType(k.endpoint), op)
	}
	return routes
}

// ServeHTTP authenticates the request, finds its endpoint from the end of
// the path and serves it.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := h.authenticate(r); err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="SCIM"`)
		h.fail(w, r, err)
		return
	}
	rt, ok := parseRoute(r.URL.Path)
	if !ok {
		h.fail(w, r, newError(http.StatusNotFound, "", "no SCIM endpoint at %s", r.URL.Path))
		return
	}
	fn := h.routes[routeKey{rt.endpoint, rt.id != "", r.Method}]
	if rt.endpoint == endpointMe {
		fn = notImplemented
	}
	if fn == nil {
		h.fail(w, r, newError(http.StatusMethodNotAllowed, "", "%s is not allowed on %s", r.Method, rt.describe()))
		return
	}
	if err := fn(w, r, rt.id); err != nil {
		h.fail(w, r, err)
	}
}

// authenticate checks the bearer token or runs Options.Authenticate.
func (h *handler) authenticate(r *http.Request) error {
	if h.opts.Authenticate != nil {
		err := h.opts.Authenticate(r)
		var se *Error
		if err == nil || errors.As(err, &se) {
			return err
		}
		return newError(http.StatusUnauthorized, "", "authentication failed")
	}
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return newError(http.StatusUnauthorized, "", "a bearer token is required")
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
	if subtle.ConstantTimeCompare(sum[:], h.tokenSum[:]) != 1 {
		return newError(http.StatusUnauthorized, "", "the bearer token is not valid")
	}
	return nil
}

// fail serves err in SCIM form; an error that is not an *Error is a 500
// whose cause only the log sees.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var se *Error
	if !errors.As(err, &se) {
		h.log.ErrorContext(r.Context(), "scim: request failed", "method", r.Method, "path", r.URL.Path, "error", err)
	}
	writeError(w, err)
}

func notImplemented(http.ResponseWriter, *http.Request, string) error {
	return newError(http.StatusNotImplemented, "", "/Me is not supported: the SCIM client authenticates as a provisioning service, not as a user")
}

// route is a request's endpoint and the id after it.
type route struct {
	endpoint string
	id       string
	// prefix is the path segments before the endpoint: where the handler
	// is mounted.
	prefix []string
}

func (rt route) describe() string {
	if rt.id != "" {
		return "/" + rt.endpoint + "/{id}"
	}
	return "/" + rt.endpoint
}

// parseRoute finds the endpoint of path from its end, so that whatever
// prefix the handler is mounted under (kept or stripped) is skipped: the
// last segment is an endpoint ("/scim/v2/Users"), or the one before it is
// and the last is an id ("/scim/v2/Users/2819c223"). Endpoint names match
// case-insensitively; a trailing slash is ignored.
func parseRoute(path string) (route, bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	n := len(segs)
	if ep := endpointName(segs[n-1]); ep != "" {
		return route{endpoint: ep, prefix: segs[:n-1]}, true
	}
	if n >= 2 && segs[n-1] != "" {
		if ep := endpointName(segs[n-2]); ep != "" {
			return route{endpoint: ep, id: segs[n-1], prefix: segs[:n-2]}, true
		}
	}
	return route{}, false
}

// endpointName is seg's endpoint in canonical spelling, "" if it is none.
func endpointName(seg string) string {
	for _, ep := range endpoints {
		if strings.EqualFold(seg, ep) {
			return ep
		}
	}
	return ""
}

// baseURL is the URL the handler answers at: Options.BaseURL's, or the
// request's scheme and host with the path before the endpoint. That path
// is read from the request line (r.RequestURI) when there is one, so a
// prefix http.StripPrefix removed from r.URL is still in it.
func (h *handler) baseURL(r *http.Request) string {
	if h.opts.BaseURL != nil {
		return strings.TrimSuffix(h.opts.BaseURL(r), "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	path := r.URL.EscapedPath()
	if u, err := url.ParseRequestURI(r.RequestURI); err == nil && r.RequestURI != "" {
		path = u.EscapedPath()
	}
	prefix := ""
	if rt, ok := parseRoute(path); ok && len(rt.prefix) > 0 && rt.prefix[0] != "" {
		prefix = "/" + strings.Join(rt.prefix, "/")
	}
	return scheme + "://" + r.Host + prefix
}
