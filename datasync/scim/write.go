package scim

import (
	"context"
	"net/http"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

// A write (POST, PUT, PATCH, DELETE of a user or group) is an operation
// run inside a datasync edit, so that a request's reads and writes are one
// transaction: the HTTP handler runs one per edit, /Bulk all of a
// request's in one.

// writeReq is what a write takes from its request.
type writeReq struct {
	id   string // the resource's id; "" for a POST
	body []byte
	// ifMatch is the If-Match header (a bulk operation's "version").
	ifMatch string
	base    string
	// members: a group's members are served in the answer.
	members bool
	// full: the client asked for attributes, so a group PATCH answers 200
	// with the group rather than 204.
	full bool
}

// outcome is a write's answer: the status and, but for 204, the resource.
type outcome struct {
	status int
	res    served
}

// writeOp is one kind of write.
type writeOp func(ctx context.Context, e *datasync.Editor, req writeReq) (outcome, error)

// writeOps are the writes by endpoint, whether the path has an id, and
// method: the HTTP routes and /Bulk share them.
func (h *handler) writeOps() map[routeKey]writeOp {
	return map[routeKey]writeOp{
		{endpointUsers, false, http.MethodPost}:   h.postUser,
		{endpointUsers, true, http.MethodPut}:     h.putUser,
		{endpointUsers, true, http.MethodPatch}:   h.patchUser,
		{endpointUsers, true, http.MethodDelete}:  h.deleteUser,
		{endpointGroups, false, http.MethodPost}:  h.postGroup,
		{endpointGroups, true, http.MethodPut}:    h.putGroup,
		{endpointGroups, true, http.MethodPatch}:  h.patchGroup,
		{endpointGroups, true, http.MethodDelete}: h.deleteGroup,
	}
}

// writtenType is the resource type the writes of endpoint (Users or
// Groups) write.
func writtenType(endpoint string) *ResourceType {
	if endpoint == endpointGroups {
		return GroupResource
	}
	return UserResource
}

// serveWrite is the HTTP handler of op on rt: it reads the request, runs
// op in an edit of its own and serves the outcome.
func (h *handler) serveWrite(rt *ResourceType, op writeOp) endpointFunc {
	return func(w http.ResponseWriter, r *http.Request, id string) error {
		q := r.URL.Query()
		p, err := parseProjection(rt, q)
		if err != nil {
			return err
		}
		req := writeReq{
			id: id, ifMatch: r.Header.Get("If-Match"), base: h.baseURL(r),
			members: p.wants("members"), full: q.Has("attributes") || q.Has("excludedAttributes"),
		}
		if r.Method != http.MethodDelete {
			if req.body, err = h.readBody(w, r); err != nil {
				return err
			}
		}
		var out outcome
		err = h.m.Edit(r.Context(), h.source, func(ctx context.Context, e *datasync.Editor) error {
			var err error
			out, err = op(ctx, e, req)
			return err
		})
		if err != nil {
			return err
		}
		if out.status == http.StatusNoContent {
			if out.res.version != "" {
				w.Header().Set("ETag", out.res.version)
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		}
		respond(w, out.status, rt, out.res, p)
		return nil
	}
}
