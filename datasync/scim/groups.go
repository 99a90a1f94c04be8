package scim

import (
	"context"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

// The group endpoints, for either GroupMode: where a group and its
// members live is the handler's groupStore's business (groupstore.go).

// postGroup is POST /Groups: a group with a new UUID as its id, then its
// members.
func (h *handler) postGroup(ctx context.Context, e *datasync.Editor, req writeReq) (outcome, error) {
	res, _, err := decodeResource(GroupResource, req.body)
	if err != nil {
		return outcome{}, err
	}
	want := setOf(res["members"])
	delete(res, "members")
	id := uuid.NewString()
	// A new group has no members yet: only those named are read.
	d := newDirectory(h.groups)
	if err := d.load(ctx, h, e.DB(), want); err != nil {
		return outcome{}, err
	}
	if err := d.resolveMembers(id, want); err != nil {
		return outcome{}, err
	}
	g := &group{id: id, res: res, key: h.groups.keyOf(id, res)}
	if err := h.groups.save(ctx, e, g); err != nil {
		return outcome{}, err
	}
	if err := h.changeMembers(ctx, e, d, id, g.key, g.key, memberSet{}, want); err != nil {
		return outcome{}, err
	}
	out, err := h.readGroup(ctx, e.DB(), id, req.members, req.base)
	return outcome{http.StatusCreated, out}, err
}

// readGroup reads group id, served, with its members when withMembers.
func (h *handler) readGroup(ctx context.Context, db bun.IDB, id string, withMembers bool, base string) (served, error) {
	g, err := h.liveGroup(ctx, db, id)
	if err != nil {
		return served{}, err
	}
	var members []any
	if withMembers {
		if members, err = h.groupMembers(ctx, db, g); err != nil {
			return served{}, err
		}
	}
	return serveGroup(g, members, base), nil
}

// getGroup is GET /Groups/{id}; excludedAttributes=members (Entra's
// read) does not read the members at all.
func (h *handler) getGroup(w http.ResponseWriter, r *http.Request, id string) error {
	p, err := parseProjection(GroupResource, r.URL.Query())
	if err != nil {
		return err
	}
	s, err := h.readGroup(r.Context(), h.m.DB(), id, p.wants("members"), h.baseURL(r))
	if err != nil {
		return err
	}
	respondGet(w, r, GroupResource, s, p)
	return nil
}

// listGroups is GET /Groups. Members are read, for all groups at once
// (the one read of the whole source left), only when they are served or
// the filter may test them.
func (h *handler) listGroups(w http.ResponseWriter, r *http.Request, _ string) error {
	lq, err := h.parseList(GroupResource, r.URL.Query())
	if err != nil {
		return err
	}
	ctx, db := r.Context(), h.m.DB()
	var uids []string
	if lq.filter != nil {
		if id, ok := lq.filter.Equal("id"); ok {
			uids = []string{id}
		}
	}
	gs, err := h.groups.groups(ctx, db, uids...)
	if err != nil {
		return err
	}
	var idx map[string][]any
	if lq.wants("members") || strings.Contains(strings.ToLower(lq.rawFilter), "members") {
		if idx, err = h.memberIndex(ctx, db); err != nil {
			return err
		}
	}
	base := h.baseURL(r)
	var matched []map[string]any
	for _, g := range gs {
		if !lq.prefilter(g.res, "displayName") {
			continue
		}
		if s := serveGroup(g, idx[g.id], base); lq.matches(s.res) {
			matched = append(matched, s.res)
		}
	}
	writeJSON(w, http.StatusOK, lq.page(GroupResource, matched))
	return nil
}

// putGroup is PUT /Groups/{id}: the body's members become the group's
// members. It answers 200 with the group.
func (h *handler) putGroup(ctx context.Context, e *datasync.Editor, req writeReq) (outcome, error) {
	res, _, err := decodeResource(GroupResource, req.body)
	if err != nil {
		return outcome{}, err
	}
	out, err := h.writeGroup(ctx, e, req, req.members, func(map[string]any) (map[string]any, error) { return res, nil })
	return outcome{http.StatusOK, out}, err
}

// patchGroup is PATCH /Groups/{id}. It answers 204 No Content, as Okta
// and Entra expect of a group (RFC 7644 §3.5.2 allows it), unless the
// request asks for attributes: then 200 with the group.
func (h *handler) patchGroup(ctx context.Context, e *datasync.Editor, req writeReq) (outcome, error) {
	ops, err := ParsePatch(req.body)
	if err != nil {
		return outcome{}, err
	}
	out, err := h.writeGroup(ctx, e, req, req.full && req.members, func(stored map[string]any) (map[string]any, error) {
		res, _, err := ApplyPatch(GroupResource, stored, ops)
		return res, err
	})
	if !req.full {
		return outcome{http.StatusNoContent, out}, err
	}
	return outcome{http.StatusOK, out}, err
}

// writeGroup reads group req.id with its members, checks If-Match, has
// change make the new group (members included) from the stored one, reads
// the members it names that were not members, and writes the group and
// the changes to its members. It returns the group as it is then, with
// members when withMembers.
func (h *handler) writeGroup(ctx context.Context, e *datasync.Editor, req writeReq, withMembers bool, change func(stored map[string]any) (map[string]any, error)) (served, error) {
	id := req.id
	g, err := h.matchedGroup(ctx, e, req)
	if err != nil {
		return served{}, err
	}
	d, err := h.groupDirectory(ctx, e.DB(), g)
	if err != nil {
		return served{}, err
	}
	members := d.membersOf(id)
	stored := cloneResource(g.res)
	stored["id"] = id
	if len(members) > 0 {
		stored["members"] = members
	}
	res, err := change(stored)
	if err != nil {
		return served{}, err
	}
	have, want := setOf(members), setOf(res["members"])
	if err := d.load(ctx, h, e.DB(), want); err != nil {
		return served{}, err
	}
	if err := d.resolveMembers(id, want); err != nil {
		return served{}, err
	}
	delete(res, "members")
	delete(res, "id")
	next := &group{id: id, res: res, key: h.groups.keyOf(id, res), parent: g.parent}
	if err := h.groups.save(ctx, e, next); err != nil {
		return served{}, err
	}
	if err := h.changeMembers(ctx, e, d, id, g.key, next.key, have, want); err != nil {
		return served{}, err
	}
	return h.readGroup(ctx, e.DB(), id, withMembers, req.base)
}

// deleteGroup is DELETE /Groups/{id}: the group goes as its store has it
// (a department as the source's policy says, marked missing and kept by
// default; a role group's row, its role taken from its members), and
// SCIM no longer sees it, nor lists it among its users' groups.
func (h *handler) deleteGroup(ctx context.Context, e *datasync.Editor, req writeReq) (outcome, error) {
	g, err := h.matchedGroup(ctx, e, req)
	if err != nil {
		return outcome{}, err
	}
	return outcome{status: http.StatusNoContent}, h.groups.remove(ctx, e, g)
}

// matchedGroup reads group req.id inside e for a write, and checks the
// request's If-Match against its version (which its members are no part
// of: serveGroup).
func (h *handler) matchedGroup(ctx context.Context, e *datasync.Editor, req writeReq) (*group, error) {
	g, err := h.liveGroup(ctx, e.DB(), req.id)
	if err != nil {
		return nil, err
	}
	return g, checkIfMatch(req.ifMatch, serveGroup(g, nil, "").version)
}
