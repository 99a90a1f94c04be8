package scim

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// ListResponseURN is the schema of a list answer (RFC 7644 §3.4.2).
const ListResponseURN = "urn:ietf:params:scim:api:messages:2.0:ListResponse"

// listResponse is a page of a list (RFC 7644 §3.4.2): "Resources" is
// always there, empty when nothing matched, as Okta's tests expect.
type listResponse struct {
	Schemas      []string         `json:"schemas"`
	TotalResults int              `json:"totalResults"`
	StartIndex   int              `json:"startIndex"`
	ItemsPerPage int              `json:"itemsPerPage"`
	Resources    []map[string]any `json:"Resources"`
}

// projection is a request's attributes and excludedAttributes (RFC 7644
// §3.4.2.5), resolved against the resource type.
type projection struct {
	attrs, excluded []ResolvedPath
}

// listQuery is a list request's parameters. Sorting is not supported (the
// ServiceProviderConfig says so) and sortBy is ignored: resources come in
// the order they were provisioned.
type listQuery struct {
	projection
	filter *Filter
	// rawFilter is the filter as given, "" for none.
	rawFilter string
	// startIndex is 1-based; count is the page size, 0 for totalResults
	// alone.
	startIndex, count int
}

// parseProjection reads attributes and excludedAttributes.
func parseProjection(rt *ResourceType, q url.Values) (projection, error) {
	var p projection
	var err error
	if s := q.Get("attributes"); s != "" {
		if p.attrs, err = ParseAttributeList(rt, s); err != nil {
			return p, err
		}
	}
	if s := q.Get("excludedAttributes"); s != "" {
		if p.excluded, err = ParseAttributeList(rt, s); err != nil {
			return p, err
		}
	}
	return p, nil
}

// wants reports whether the projection serves the top-level core
// attribute name, so that what it leaves out need not be loaded
// (Entra reads groups with excludedAttributes=members).
func (p projection) wants(name string) bool {
	names := func(list []ResolvedPath) bool {
		for _, rp := range list {
			if rp.URN == "" && rp.Attr.Name == name {
				return true
			}
		}
		return false
	}
	if len(p.attrs) > 0 {
		return names(p.attrs)
	}
	for _, rp := range p.excluded {
		if rp.URN == "" && rp.Attr.Name == name && rp.Sub == nil {
			return false
		}
	}
	return true
}

// parseList reads a list request's filter, paging and projection. Paging
// is lenient where RFC 7644 §3.4.2.4 says so: a startIndex below 1 is 1, a
// negative count 0, a count above MaxResults MaxResults.
func (h *handler) parseList(rt *ResourceType, q url.Values) (listQuery, error) {
	var lq listQuery
	var err error
	if lq.projection, err = parseProjection(rt, q); err != nil {
		return lq, err
	}
	if lq.rawFilter = strings.TrimSpace(q.Get("filter")); lq.rawFilter != "" {
		if lq.filter, err = ParseFilter(rt, lq.rawFilter); err != nil {
			return lq, err
		}
	}
	if lq.startIndex, err = intParam(q, "startIndex", 1); err != nil {
		return lq, err
	}
	if lq.count, err = intParam(q, "count", h.opts.MaxResults); err != nil {
		return lq, err
	}
	lq.startIndex = max(lq.startIndex, 1)
	lq.count = min(max(lq.count, 0), h.opts.MaxResults)
	return lq, nil
}

// intParam reads an integer query parameter, def when absent.
func intParam(q url.Values, name string, def int) (int, error) {
	s := strings.TrimSpace(q.Get(name))
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		// A number too large for an int is still a number: clamp it.
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			if strings.HasPrefix(s, "-") {
				return -1, nil
			}
			return int(^uint(0) >> 1), nil
		}
		return 0, newError(http.StatusBadRequest, ScimTypeInvalidValue, "%s %q: want an integer", name, s)
	}
	return n, nil
}

// matches reports whether res passes the query's filter.
func (lq listQuery) matches(res map[string]any) bool {
	return lq.filter == nil || lq.filter.Match(res)
}

// prefilter reports whether a stored resource may pass the filter, judging
// by its top-level eq on name (userName, a group's displayName; compared
// without case) or externalId (exact): Okta and Entra look a user up by
// userName, and a group by displayName, before they create it.
func (lq listQuery) prefilter(res map[string]any, name string) bool {
	if lq.filter == nil {
		return true
	}
	if want, ok := lq.filter.Equal(name); ok {
		got, _ := res[name].(string)
		if !strings.EqualFold(got, want) {
			return false
		}
	}
	if want, ok := lq.filter.Equal("externalId"); ok {
		got, _ := res["externalId"].(string)
		if got != want {
			return false
		}
	}
	return true
}

// page is the answer for the matching resources: totalResults counts them
// all, Resources holds the requested window, each projected.
func (lq listQuery) page(rt *ResourceType, matched []map[string]any) listResponse {
	out := listResponse{
		Schemas:      []string{ListResponseURN},
		TotalResults: len(matched),
		StartIndex:   lq.startIndex,
		Resources:    []map[string]any{},
	}
	from := min(lq.startIndex-1, len(matched))
	to := min(from+lq.count, len(matched))
	for _, res := range matched[from:to] {
		out.Resources = append(out.Resources, lq.project(rt, res))
	}
	out.ItemsPerPage = len(out.Resources)
	return out
}

// project serves res as the projection asks; with no lists too, for the
// attributes whose "returned" keeps them out by default.
func (p projection) project(rt *ResourceType, res map[string]any) map[string]any {
	return Project(rt, res, p.attrs, p.excluded)
}
