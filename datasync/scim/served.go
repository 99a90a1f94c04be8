package scim

import (
	"context"
	"net/http"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

// served is a resource as the handler serves it: the full representation
// (meta included) and its version, the ETag.
type served struct {
	res     map[string]any
	version string
}

// serveUser builds the served form of a user record: its stored resource
// with id, schemas, groups (the live groups among keys, the record's
// memberships, found in groups by key) and meta. The version covers
// everything but meta.
func serveUser(rec *datasync.StoredRecord, keys []string, groups map[string]*group, base string) served {
	res := resourceOf(rec)
	res["id"] = rec.SourceUk
	schemas := []any{UserSchemaURN}
	if _, ok := res[EnterpriseUserURN]; ok {
		schemas = append(schemas, EnterpriseUserURN)
	}
	res["schemas"] = schemas
	var gs []any
	for _, key := range keys {
		if g, ok := groups[key]; ok {
			title, _ := g.res["displayName"].(string)
			gs = append(gs, map[string]any{"value": g.id, "display": title, "type": "direct"})
		}
	}
	if len(gs) > 0 {
		res["groups"] = gs
	}
	return withMeta(res, UserResource, rec.SourceUk, rec.CreatedAt, rec.UpdatedAt, base)
}

// serveGroup builds the served form of a group: its stored resource with
// id, schemas, members when loaded (nil: left out) and meta. Its version
// covers the group's own attributes, not its members: those live on the
// users' records, and reading them all to make an ETag would cost every
// excludedAttributes=members read what it saves.
func serveGroup(g *group, members []any, base string) served {
	res := cloneResource(g.res)
	res["id"] = g.id
	res["schemas"] = []any{GroupSchemaURN}
	delete(res, "members")
	s := withMeta(res, GroupResource, g.id, g.created, g.updated, base)
	if members != nil {
		s.res["members"] = members
	}
	return s
}

// withMeta adds meta (RFC 7643 §3.1) to res, versioned by res as it is
// without one: res is the caller's copy, and any meta it holds is replaced.
func withMeta(res map[string]any, rt *ResourceType, id string, created, updated time.Time, base string) served {
	delete(res, "meta")
	v := version(res)
	res["meta"] = map[string]any{
		"resourceType": rt.Name,
		"created":      created.UTC().Format(time.RFC3339),
		"lastModified": updated.UTC().Format(time.RFC3339),
		"location":     base + rt.Endpoint + "/" + id,
		"version":      v,
	}
	return served{res: res, version: v}
}

// groupsByKey maps the keys of the source's live groups among keys to
// the groups: one read, none when keys is empty.
func (h *handler) groupsByKey(ctx context.Context, db bun.IDB, keys []string) (map[string]*group, error) {
	out := map[string]*group{}
	if len(keys) == 0 {
		return out, nil
	}
	gs, err := h.groups.groupsKeyed(ctx, db, keys...)
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		out[g.key] = g
	}
	return out, nil
}

// userServed loads what a user's served form needs beyond its record
// (its groups) and builds it.
func (h *handler) userServed(ctx context.Context, db bun.IDB, rec *datasync.StoredRecord, base string) (served, error) {
	keys := h.groups.memberships(rec)
	groups, err := h.groupsByKey(ctx, db, keys)
	if err != nil {
		return served{}, err
	}
	return serveUser(rec, keys, groups, base), nil
}

// respond serves s as p projects it, with its version as the ETag and,
// for a created resource, its location (RFC 7644 §3.3).
func respond(w http.ResponseWriter, status int, rt *ResourceType, s served, p projection) {
	w.Header().Set("ETag", s.version)
	if status == http.StatusCreated {
		meta, _ := s.res["meta"].(map[string]any)
		loc, _ := meta["location"].(string)
		w.Header().Set("Location", loc)
	}
	writeJSON(w, status, p.project(rt, s.res))
}

// respondGet serves s to a GET, or 304 Not Modified when the client holds
// its version (If-None-Match).
func respondGet(w http.ResponseWriter, r *http.Request, rt *ResourceType, s served, p projection) {
	if notModified(r, s.version) {
		w.Header().Set("ETag", s.version)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	respond(w, http.StatusOK, rt, s, p)
}
