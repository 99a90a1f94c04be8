package resourcer

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"runtime/debug"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
)

// ActionContext is the action a request runs: which resource and action,
// and the params merged from the action's defaults, the query string, the
// path and the body. Middlewares may change Params (the ACL middleware
// narrows them); the handler reads the result.
type ActionContext struct {
	// ResourceName is the full name: "posts", or "posts.comments".
	ResourceName string
	ActionName   string
	// SourceID is the associated record's key in an association path
	// (the 1 in /posts/1/comments).
	SourceID string
	// Params are what the handler runs with: the request's params, as
	// narrowed by a permission layer (SetRequestParams).
	Params Params
	// RequestParams are the params as the request and the action's
	// defaults made them, before any permission layer narrowed Params.
	// Handlers read them to tell what the client asked for from what the
	// ACL added: a bulk update needs a filter of the client's own, and
	// only the client's filter and sort are checked against Readable.
	RequestParams Params
	// Readable reports which fields of a collection the request may read
	// (all=true: every field that is not hidden). A permission layer sets
	// it (SetRequestReadable); nil means none did, and every field that
	// is not hidden may be read.
	Readable func(collection string) (fields []string, all bool)
	Route    Route
	Resource *Resource
	logger   *slog.Logger
}

// MergeParams merges params into the action's, with the action strategies
// overridden by strategies (filters ANDed, field lists intersected, ...).
func (ac *ActionContext) MergeParams(params Params, strategies map[string]Strategy) {
	s := actionStrategiesJSON
	if len(strategies) > 0 {
		s = make(map[string]jsonval.Strategy, len(actionStrategiesJSON)+len(strategies))
		for k, f := range actionStrategiesJSON {
			s[k] = f
		}
		for k, f := range strategies {
			s[k] = f
		}
	}
	normalized, err := jsonval.NormalizeMap(params)
	if err != nil {
		normalized = params
	}
	ac.Params = Params(jsonval.Assign(ac.Params, normalized, s))
}

type ctxKey struct{}

// ActionFrom returns the action of the request the Resourcer is serving.
func ActionFrom(ctx context.Context) (*ActionContext, bool) {
	ac, ok := ctx.Value(ctxKey{}).(*ActionContext)
	return ac, ok
}

// ServeHTTP routes a request to its resource's action and runs the
// action's chain. Paths that address no resource or action answer 404 with
// NocoBase's message; a bad query or body, 400; a body over the limit, 413.
func (rs *Resourcer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer rs.recoverPanic(w, r)
	reg := rs.snap.Load()
	path := r.URL.EscapedPath()
	opts := ParseOptions{Prefix: rs.opts.Prefix, Accessors: rs.opts.Accessors}
	route, ok := ParseRequest(r.Method, path, opts)
	if !ok {
		if _, err := jsDecodeURI(path); err != nil {
			WriteError(w, r, fmt.Errorf("%w: malformed percent-encoding in path", ErrBadRequest))
			return
		}
		WriteError(w, r, notFound("Not Found"))
		return
	}
	res, ok := reg.resources[route.Name()]
	if !ok {
		WriteError(w, r, notFound("%s resource does not exist", route.Name()))
		return
	}
	if res.typ != TypeSingle {
		opts.Type = res.typ
		if route, ok = ParseRequest(r.Method, path, opts); !ok {
			WriteError(w, r, notFound("Not Found"))
			return
		}
	}
	if route.ActionName == "" {
		// NocoBase says "undefined action does not exist" here.
		WriteError(w, r, notFound("%s %s has no action", r.Method, r.URL.Path))
		return
	}
	act, err := reg.lookup(res, route.ActionName)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	chain, err := reg.chain(act)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && !rs.opts.AllowStateChangingGET && reg.stateChanging(act) {
		w.Header().Set("Allow", "POST, PUT, PATCH, DELETE")
		WriteError(w, r, &StatusError{Status: http.StatusMethodNotAllowed,
			Message: fmt.Sprintf("%s:%s changes data and cannot run on %s", res.name, act.name, r.Method)})
		return
	}
	params, err := rs.requestParams(r, path, route, act)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	ac := &ActionContext{
		ResourceName:  route.Name(),
		ActionName:    route.ActionName,
		SourceID:      route.AssociatedIndex,
		Params:        params,
		RequestParams: params,
		Route:         route,
		Resource:      res,
		logger:        rs.opts.Logger,
	}
	chain.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, ac)))
}

// recoverPanic is a safety net: a panic in a handler is a bug, but it must
// not take the request's goroutine (and with it the server) down. It is
// logged with its stack and answers 500 when nothing was written yet.
func (rs *Resourcer) recoverPanic(w http.ResponseWriter, r *http.Request) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	rs.opts.Logger.ErrorContext(r.Context(), "resourcer: panic serving request", "method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	w.Write(errorBody("Internal server error"))
}

// requestParams merges, as NocoBase does, the action's defaults with the
// query, the route's fields and the body: the body becomes "values", or is
// spread into the params for /resourcer/ paths; a query filterByTk wins
// over the path's index.
func (rs *Resourcer) requestParams(r *http.Request, path string, route Route, act *action) (Params, error) {
	query, err := ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, err
	}
	body, err := rs.readBody(r)
	if err != nil {
		return nil, err
	}
	target := map[string]any(jsonval.Clone(map[string]any(act.params)).(map[string]any))
	if route.HasResourceIndex() {
		target["filterByTk"] = route.ResourceIndex
	}
	source := make(map[string]any, len(query)+6)
	for k, v := range query {
		source[k] = v
	}
	for k, v := range routeFields(route) {
		source[k] = v
	}
	if _, ok := resourcerPath(mustDecodeURI(path)); ok {
		if m, isMap := body.(map[string]any); isMap {
			for k, v := range m {
				source[k] = v
			}
		} else if l, isList := body.([]any); isList {
			for i, v := range l {
				source[fmt.Sprint(i)] = v
			}
		}
	} else {
		source["values"] = body
	}
	return Params(jsonval.Assign(target, source, actionStrategiesJSON)), nil
}

func mustDecodeURI(p string) string {
	d, _ := jsDecodeURI(p)
	return d
}

// routeFields are the parse results NocoBase spreads into the params.
func routeFields(r Route) map[string]any {
	m := make(map[string]any, 5)
	if r.present&hasResourceName != 0 {
		m["resourceName"] = r.ResourceName
	}
	if r.present&hasResourceIndex != 0 {
		m["resourceIndex"] = r.ResourceIndex
	}
	if r.present&hasAssociatedName != 0 {
		m["associatedName"] = r.AssociatedName
	}
	if r.present&hasAssociatedIndex != 0 {
		m["associatedIndex"] = r.AssociatedIndex
	}
	if r.present&hasActionName != 0 {
		m["actionName"] = r.ActionName
	}
	return m
}

// readBody reads a JSON or form body (an empty object when there is none,
// as koa-bodyparser gives). Other content types are left unread for the
// handler, as file uploads are.
func (rs *Resourcer) readBody(r *http.Request) (any, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return map[string]any{}, nil
	}
	ct := r.Header.Get("Content-Type")
	mt := ""
	if ct != "" {
		var err error
		if mt, _, err = mime.ParseMediaType(ct); err != nil {
			return nil, fmt.Errorf("%w: Content-Type %q: %v", ErrBadRequest, ct, err)
		}
	}
	isJSON := mt == "application/json" || strings.HasSuffix(mt, "+json") || (mt == "" && r.ContentLength != 0)
	isForm := mt == "application/x-www-form-urlencoded"
	if !isJSON && !isForm {
		return map[string]any{}, nil
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, rs.opts.MaxBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: reading body: %v", ErrBadRequest, err)
	}
	if int64(len(raw)) > rs.opts.MaxBodyBytes {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrBodyTooLarge, rs.opts.MaxBodyBytes)
	}
	r.Body = io.NopCloser(bytes.NewReader(raw)) // handlers may read it again
	if len(bytes.TrimSpace(raw)) == 0 {
		return map[string]any{}, nil
	}
	if isForm {
		form, err := ParseQuery(string(raw))
		if err != nil {
			return nil, err
		}
		return map[string]any(form), nil
	}
	return decodeJSONBody(raw)
}

// RequestAction reports the resource (its full name, "posts.comments" for
// an association), action and params of the request the Resourcer is
// serving. With SetRequestParams it lets a permission layer such as
// acl.Middleware, added with Use, read and narrow the action without
// either package importing the other.
//
// A request the Resourcer would route, asked about outside its ServeHTTP
// (the ACL middleware wrapped around the Resourcer instead of added with
// Use), has no action yet and no params the check could narrow: it is
// reported as the action "" of the resource "", which no role but root
// may run, so the mistake shows as 403s and one logged error rather than
// as requests that pass unchecked.
func (rs *Resourcer) RequestAction(r *http.Request) (resource, action string, params map[string]any, ok bool) {
	ac, ok := ActionFrom(r.Context())
	if !ok {
		opts := ParseOptions{Prefix: rs.opts.Prefix, Accessors: rs.opts.Accessors}
		if _, routed := ParseRequest(r.Method, r.URL.EscapedPath(), opts); routed {
			rs.outside.Do(func() {
				rs.opts.Logger.Error("resourcer: a permission layer asked for a request's action outside the Resourcer: add the ACL middleware with Resourcer.Use, not around the Resourcer; its requests are denied", "path", r.URL.Path)
			})
			return "", "", nil, true
		}
		return "", "", nil, false
	}
	return ac.ResourceName, ac.ActionName, ac.Params, true
}

// SetRequestParams replaces the params of the request's action; its
// RequestParams keep what the request gave.
func (rs *Resourcer) SetRequestParams(r *http.Request, params map[string]any) {
	if ac, ok := ActionFrom(r.Context()); ok {
		ac.Params = params
	}
}

// SetRequestReadable sets the request's ActionContext.Readable: the
// acl middleware hands over, through it, what the request's roles may read
// of any collection, so that handlers trim appended records and refuse
// filters and sorts on fields the roles may not read.
func (rs *Resourcer) SetRequestReadable(r *http.Request, readable func(collection string) (fields []string, all bool)) {
	if ac, ok := ActionFrom(r.Context()); ok {
		ac.Readable = readable
	}
}
