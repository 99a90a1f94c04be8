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
// with id, schemas, groups (the live groups among its memberships, titles
// from groups) and meta. The version covers everything but meta.
func serveUser(rec *datasync.StoredRecord, groups map[string]string, base string) served {
	res := resourceOf(rec)
	res["id"] = rec.SourceUk
	schemas := []any{UserSchemaURN}
	if _, ok := res[EnterpriseUserURN]; ok {
		schemas = append(schemas, EnterpriseUserURN)
	}
	res["schemas"] = schemas
	var gs []any
	for _, uid := range departmentsOf(rec) {
		if title, ok := groups[uid]; ok {
			gs = append(gs, map[string]any{"value": uid, "display": title, "type": "direct"})
		}
	}
	if len(gs) > 0 {
		res["groups"] = gs
	}
	return withMeta(res, UserResource, rec, base)
}

// serveGroup builds the served form of a group record: its stored
// resource with id, schemas, members when loaded (nil: left out) and
// meta. Its version covers the group's own attributes, not its members:
// those live on the users' records, and reading them all to make an ETag
// would cost every excludedAttributes=members read what it saves.
func serveGroup(rec *datasync.StoredRecord, members []any, base string) served {
	res := resourceOf(rec)
	res["id"] = rec.SourceUk
	res["schemas"] = []any{GroupSchemaURN}
	delete(res, "members")
	s := withMeta(res, GroupResource, rec, base)
	if members != nil {
		s.res["members"] = members
	}
	return s
}

// withMeta adds meta (RFC 7643 §3.1) to res, versioned by res as it is.
func withMeta(res map[string]any, rt *ResourceType, rec *datasync.StoredRecord, base string) served {
	v := version(res)
	res["meta"] = map[string]any{
		"resourceType": rt.Name,
		"created":      rec.CreatedAt.UTC().Format(time.RFC3339),
		"lastModified": rec.UpdatedAt.UTC().Format(time.RFC3339),
		"location":     base + rt.Endpoint + "/" + rec.SourceUk,
		"version":      v,
	}
	return served{res: res, version: v}
}

// groupTitles maps the uids of the source's live groups among uids (all
// of them when uids is empty) to their displayName.
func (h *handler) groupTitles(ctx context.Context, db bun.IDB, uids ...string) (map[string]string, error) {
	recs, err := h.records(ctx, db, datasync.DataTypeDepartment, false, uids...)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(recs))
	for _, rec := range recs {
		title, _ := resourceOf(rec)["displayName"].(string)
		out[rec.SourceUk] = title
	}
	return out, nil
}

// userServed loads what a user's served form needs beyond its record (the
// titles of its groups) and builds it.
func (h *handler) userServed(ctx context.Context, db bun.IDB, rec *datasync.StoredRecord, base string) (served, error) {
	titles := map[string]string{}
	if depts := departmentsOf(rec); len(depts) > 0 {
		var err error
		if titles, err = h.groupTitles(ctx, db, depts...); err != nil {
			return served{}, err
		}
	}
	return serveUser(rec, titles, base), nil
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
