package scim

import (
	"encoding/json"
	"net/http"
	"net/url"
)

// The discovery documents of RFC 7644 §4 describe what this handler
// does, no more: PATCH, bulk (with its limits), filters (with the page
// cap), ETags and password changes are supported; sorting is not.

// The schemas of the discovery resources (RFC 7643 §5 and §6).
const (
	spConfigSchemaURN     = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	resourceTypeSchemaURN = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
)

// resourceTypes are the resource types served, in the order listed.
var resourceTypes = []*ResourceType{UserResource, GroupResource}

// serviceProviderConfig is GET /ServiceProviderConfig (RFC 7643 §5).
func (h *handler) serviceProviderConfig(w http.ResponseWriter, r *http.Request, _ string) error {
	supported := func(ok bool) map[string]any { return map[string]any{"supported": ok} }
	var schemes []any
	if h.opts.Token != "" {
		schemes = append(schemes, map[string]any{
			"type": "oauthbearertoken", "name": "OAuth Bearer Token", "primary": true,
			"description": "Authentication with a bearer token in the Authorization header.",
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"schemas":        []string{spConfigSchemaURN},
		"patch":          supported(true),
		"bulk":           map[string]any{"supported": true, "maxOperations": h.opts.MaxBulkOperations, "maxPayloadSize": h.opts.MaxPayloadBytes},
		"filter":         map[string]any{"supported": true, "maxResults": h.opts.MaxResults},
		"changePassword": supported(true),
		"sort":           supported(false),
		"etag":           supported(true),
		// An empty list, not null: the attribute is required.
		"authenticationSchemes": append([]any{}, schemes...),
		"meta": map[string]any{
			"resourceType": "ServiceProviderConfig",
			"location":     h.baseURL(r) + "/" + endpointSPConfig,
		},
	})
	return nil
}

// resourceTypeDoc is the ResourceType resource of rt (RFC 7643 §6).
func resourceTypeDoc(rt *ResourceType, base string) map[string]any {
	exts := []any{}
	for _, ext := range rt.Extensions {
		exts = append(exts, map[string]any{"schema": ext.ID, "required": false})
	}
	return map[string]any{
		"schemas":          []string{resourceTypeSchemaURN},
		"id":               rt.Name,
		"name":             rt.Name,
		"endpoint":         rt.Endpoint,
		"description":      rt.Description,
		"schema":           rt.Schema.ID,
		"schemaExtensions": exts,
		"meta":             map[string]any{"resourceType": "ResourceType", "location": base + "/" + endpointResTypes + "/" + rt.Name},
	}
}

// resourceTypes is GET /ResourceTypes and /ResourceTypes/{name}.
func (h *handler) resourceTypes(w http.ResponseWriter, r *http.Request, name string) error {
	base := h.baseURL(r)
	var docs []map[string]any
	for _, rt := range resourceTypes {
		if name == "" || name == rt.Name {
			docs = append(docs, resourceTypeDoc(rt, base))
		}
	}
	return serveDiscovery(w, name, "resource type", docs)
}

// schemas is GET /Schemas and /Schemas/{id}: the core and extension
// schemas of the resource types (RFC 7643 §7).
func (h *handler) schemas(w http.ResponseWriter, r *http.Request, id string) error {
	base := h.baseURL(r)
	var docs []map[string]any
	for _, rt := range resourceTypes {
		for _, s := range append([]*Schema{rt.Schema}, rt.Extensions...) {
			if id != "" && id != s.ID {
				continue
			}
			doc, err := schemaDoc(s, base)
			if err != nil {
				return err
			}
			docs = append(docs, doc)
		}
	}
	return serveDiscovery(w, id, "schema", docs)
}

// schemaDoc is the schema resource of s, its meta.location made absolute.
func schemaDoc(s *Schema, base string) (map[string]any, error) {
	raw, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	if meta, ok := doc["meta"].(map[string]any); ok {
		meta["location"] = base + "/" + endpointSchemas + "/" + url.PathEscape(s.ID)
	}
	return doc, nil
}

// serveDiscovery answers a discovery GET: one document when id names it
// (404 when it names none), else all of them as a list (RFC 7644 §4:
// "ListResponse" with every one on a single page).
func serveDiscovery(w http.ResponseWriter, id, kind string, docs []map[string]any) error {
	if id != "" {
		if len(docs) == 0 {
			return newError(http.StatusNotFound, "", "no %s %q", kind, id)
		}
		writeJSON(w, http.StatusOK, docs[0])
		return nil
	}
	writeJSON(w, http.StatusOK, listResponse{
		Schemas: []string{ListResponseURN}, TotalResults: len(docs), StartIndex: 1, ItemsPerPage: len(docs), Resources: docs,
	})
	return nil
}
