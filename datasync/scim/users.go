package scim

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

// postUser is POST /Users (RFC 7644 §3.3): the user gets a new UUID as
// its id, unless its userName is that of a user this source provisioned
// and then removed: that user comes back, with the same id (Entra
// re-creates a user it deleted).
func (h *handler) postUser(ctx context.Context, e *datasync.Editor, req writeReq) (outcome, error) {
	res, password, err := decodeResource(UserResource, req.body)
	if err != nil {
		return outcome{}, err
	}
	id, err := h.claimUserName(ctx, e, res, "")
	if err != nil {
		return outcome{}, err
	}
	if id == "" {
		id = uuid.NewString()
	}
	res["id"] = id
	if err := h.pushUsers(ctx, e, []datasync.Record{userRecord(res, password, h.groups.membershipField(), nil)}); err != nil {
		return outcome{}, err
	}
	out, err := h.readUser(ctx, e, id, req.base)
	return outcome{http.StatusCreated, out}, err
}

// decodeResource decodes and normalizes a POST or PUT body.
func decodeResource(rt *ResourceType, body []byte) (map[string]any, string, error) {
	obj, err := decodeObject(body)
	if err != nil {
		return nil, "", err
	}
	return Normalize(rt, obj)
}

// claimUserName checks that res's userName is free for the user selfID
// ("" for a new one): no other live user of the source has it, compared
// case-insensitively as RFC 7643 §4.1.1 has userName compared. A removed
// user of the source that had it is returned, for a create to bring it
// back. Users the source cannot see are the users table's business: a
// clash with one fails the push with datasync.ErrConflict, a 409 too.
func (h *handler) claimUserName(ctx context.Context, e *datasync.Editor, res map[string]any, selfID string) (removed string, err error) {
	name, _ := res["userName"].(string)
	recs, err := h.m.StoredRecords(ctx, e.DB(), datasync.RecordQuery{
		SourceName: h.source, DataType: datasync.DataTypeUser, IncludeMissing: true,
		Fields: foldedMatch([]string{"username"}, name),
	})
	if err != nil {
		return "", err
	}
	for _, rec := range recs {
		other, _ := storedResource(rec)["userName"].(string)
		if rec.SourceUk == selfID || !strings.EqualFold(other, name) {
			continue
		}
		if rec.MissingSince == "" {
			return "", newError(http.StatusConflict, ScimTypeUniqueness, "userName %q is already taken", name)
		}
		removed = rec.SourceUk
	}
	return removed, nil
}

// readUser reads user id inside an edit, served.
func (h *handler) readUser(ctx context.Context, e *datasync.Editor, id, base string) (served, error) {
	rec, err := h.liveUser(ctx, e.DB(), id)
	if err != nil {
		return served{}, err
	}
	return h.userServed(ctx, e.DB(), rec, base)
}

// getUser is GET /Users/{id}.
func (h *handler) getUser(w http.ResponseWriter, r *http.Request, id string) error {
	p, err := parseProjection(UserResource, r.URL.Query())
	if err != nil {
		return err
	}
	db := h.m.DB()
	rec, err := h.liveUser(r.Context(), db, id)
	if err != nil {
		return err
	}
	s, err := h.userServed(r.Context(), db, rec, h.baseURL(r))
	if err != nil {
		return err
	}
	respondGet(w, r, UserResource, s, p)
	return nil
}

// listUsers is GET /Users (RFC 7644 §3.4.2). An eq on id narrows the read
// to that record; one on userName or externalId (what Okta and Entra ask
// before every create) is checked before a user's groups are looked up,
// and only the groups the users left name are read.
func (h *handler) listUsers(w http.ResponseWriter, r *http.Request, _ string) error {
	lq, err := h.parseList(UserResource, r.URL.Query())
	if err != nil {
		return err
	}
	ctx, db := r.Context(), h.m.DB()
	q := datasync.RecordQuery{SourceName: h.source, DataType: datasync.DataTypeUser}
	if lq.filter != nil {
		if id, ok := lq.filter.Equal("id"); ok {
			q.UIDs = []string{id}
		}
		if name, ok := lq.filter.Equal("userName"); ok {
			q.Fields = append(q.Fields, foldedMatch([]string{"username"}, name)...)
		}
		if ext, ok := lq.filter.Equal("externalId"); ok {
			q.Fields = append(q.Fields, datasync.FieldMatch{Path: []string{datasync.SourceDataKey, "externalId"}, Value: ext})
		}
	}
	recs, err := h.m.StoredRecords(ctx, db, q)
	if err != nil {
		return err
	}
	recs = slices.DeleteFunc(recs, func(rec *datasync.StoredRecord) bool {
		return !lq.prefilter(storedResource(rec), "userName")
	})
	memberships := make([][]string, len(recs))
	var keys []string
	seen := map[string]bool{}
	for i, rec := range recs {
		memberships[i] = h.groups.memberships(rec)
		for _, k := range memberships[i] {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	groups, err := h.groupsByKey(ctx, db, keys)
	if err != nil {
		return err
	}
	base := h.baseURL(r)
	var matched []map[string]any
	for i, rec := range recs {
		if s := serveUser(rec, memberships[i], groups, base); lq.matches(s.res) {
			matched = append(matched, s.res)
		}
	}
	writeJSON(w, http.StatusOK, lq.page(UserResource, matched))
	return nil
}

// putUser is PUT /Users/{id} (RFC 7644 §3.5.1): the body replaces the
// user, but for id and meta, which are the server's, and groups, which
// only group requests change.
func (h *handler) putUser(ctx context.Context, e *datasync.Editor, req writeReq) (outcome, error) {
	res, password, err := decodeResource(UserResource, req.body)
	if err != nil {
		return outcome{}, err
	}
	return h.writeUser(ctx, e, req, func(map[string]any) (map[string]any, string, error) {
		return res, password, nil
	})
}

// patchUser is PATCH /Users/{id} (RFC 7644 §3.5.2), applied to the stored
// user inside the edit that writes it. It answers 200 with the user.
func (h *handler) patchUser(ctx context.Context, e *datasync.Editor, req writeReq) (outcome, error) {
	ops, err := ParsePatch(req.body)
	if err != nil {
		return outcome{}, err
	}
	return h.writeUser(ctx, e, req, func(stored map[string]any) (map[string]any, string, error) {
		return ApplyPatch(UserResource, stored, ops)
	})
}

// writeUser reads user req.id, checks If-Match, has change make the new
// resource from the stored one and pushes it, keeping its memberships.
func (h *handler) writeUser(ctx context.Context, e *datasync.Editor, req writeReq, change func(stored map[string]any) (map[string]any, string, error)) (outcome, error) {
	rec, err := h.matchedUser(ctx, e, req)
	if err != nil {
		return outcome{}, err
	}
	stored := resourceOf(rec)
	stored["id"] = req.id
	res, password, err := change(stored)
	if err != nil {
		return outcome{}, err
	}
	res["id"] = req.id
	if _, err := h.claimUserName(ctx, e, res, req.id); err != nil {
		return outcome{}, err
	}
	if err := h.pushUsers(ctx, e, []datasync.Record{userRecord(res, password, h.groups.membershipField(), h.groups.memberships(rec))}); err != nil {
		return outcome{}, err
	}
	out, err := h.readUser(ctx, e, req.id, req.base)
	return outcome{http.StatusOK, out}, err
}

// deleteUser is DELETE /Users/{id}: the source's policy decides what
// becomes of the user (onMissing: disabled and kept by default, deleted,
// or left alone; root never). Either way SCIM no longer sees it.
func (h *handler) deleteUser(ctx context.Context, e *datasync.Editor, req writeReq) (outcome, error) {
	if _, err := h.matchedUser(ctx, e, req); err != nil {
		return outcome{}, err
	}
	_, err := e.Remove(ctx, datasync.DataTypeUser, req.id)
	return outcome{status: http.StatusNoContent}, storeError(err)
}

// matchedUser reads user req.id inside e for a write, and checks the
// request's If-Match against its version: the served form's, groups
// included.
func (h *handler) matchedUser(ctx context.Context, e *datasync.Editor, req writeReq) (*datasync.StoredRecord, error) {
	rec, err := h.liveUser(ctx, e.DB(), req.id)
	if err != nil {
		return nil, err
	}
	cur, err := h.userServed(ctx, e.DB(), rec, req.base)
	if err != nil {
		return nil, err
	}
	return rec, checkIfMatch(req.ifMatch, cur.version)
}
