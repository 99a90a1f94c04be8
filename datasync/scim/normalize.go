package scim

import (
	"maps"
	"net/http"
	"slices"
	"strings"
)

// Normalize checks a resource body a client sent (POST, PUT) against rt and
// returns it in stored form:
//
//   - Attribute names take their canonical case ("USERNAME" → "userName");
//     RFC 7644 §3.10 makes them case-insensitive.
//   - Extension attributes end up under their schema URN, whether the
//     client nested them there or wrote them flat as
//     "urn:...:enterprise:2.0:User:department" or
//     "urn:...:enterprise:2.0:User:manager.value".
//   - Values are checked against their attribute's type: see
//     [NormalizeValue] for the conversions (Entra's "False" and the like).
//   - Read-only attributes (id, meta, groups, members' display, the
//     manager's displayName) are dropped silently: RFC 7643 §2.2 has the
//     server ignore them, and clients echo them back from a GET.
//   - Null values, empty arrays and empty objects are dropped: RFC 7643
//     §2.5 makes them all mean "unassigned".
//   - "schemas" must list rt's core schema; other URIs it lists are left
//     out. The result's "schemas" lists the core schema and each extension
//     that holds a value.
//   - "id" is dropped with the other read-only attributes: the handler
//     sets it in the stored form.
//   - The password comes back separately and never sits in res.
//
// Errors are [*Error] 400s naming the path: an unknown attribute is
// invalidSyntax; a wrong type, a missing required attribute (userName,
// Group displayName), two primary values in one multi-valued attribute or
// more than [MaxValues] values in one are invalidValue. Canonical values
// (emails' type "work", ...) are not enforced: the RFC lets clients use
// others.
func Normalize(rt *ResourceType, body map[string]any) (res map[string]any, password string, err error) {
	n := &normalizer{rt: rt, out: map[string]any{}}
	if err := n.checkSchemas(body); err != nil {
		return nil, "", err
	}
	// Sorted, so that of two faults the same one is reported every time.
	for _, k := range slices.Sorted(maps.Keys(body)) {
		if strings.EqualFold(k, "schemas") {
			continue
		}
		if err := n.key(k, body[k]); err != nil {
			return nil, "", err
		}
	}
	if err := checkRequired("", rt.Schema.Attributes, n.out); err != nil {
		return nil, "", err
	}
	n.out["schemas"] = presentSchemas(rt, n.out)
	return n.out, n.password, nil
}

// normalizer is the state of one Normalize call: the stored form being
// built and the password taken out of it.
type normalizer struct {
	rt       *ResourceType
	out      map[string]any
	password string
}

// checkSchemas checks the body's "schemas": an array of strings listing
// rt's core schema. Other URIs it lists are let through and left out of
// the stored form: Entra lists its own
// "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
// on every group it creates, with no attribute from it. An attribute under
// a schema rt does not have is still refused, by key.
func (n *normalizer) checkSchemas(body map[string]any) error {
	var list []any
	found := false
	for k, v := range body {
		if !strings.EqualFold(k, "schemas") || v == nil {
			continue
		}
		l, ok := v.([]any)
		if !ok {
			return typeError("schemas", "an array of strings", v, false)
		}
		if found {
			return newError(http.StatusBadRequest, ScimTypeInvalidSyntax, "schemas: given more than once")
		}
		list, found = l, true
	}
	if !found {
		return newError(http.StatusBadRequest, ScimTypeInvalidValue, "schemas: required, and must list %s", n.rt.Schema.ID)
	}
	core := false
	for i, e := range list {
		s, ok := e.(string)
		if !ok {
			return typeError(indexPath("schemas", i), "a string", e, false)
		}
		core = core || strings.EqualFold(s, n.rt.Schema.ID)
	}
	if !core {
		return newError(http.StatusBadRequest, ScimTypeInvalidValue, "schemas: must list %s", n.rt.Schema.ID)
	}
	return nil
}

// key normalizes one top-level key of the body and its value into n.out.
func (n *normalizer) key(k string, v any) error {
	if ext := n.rt.extension(k); ext != nil {
		return n.extensionObject(ext, v)
	}
	p, err := n.rt.Resolve(splitPath(k))
	if err != nil {
		return unknownAttrError(ScimTypeInvalidSyntax, quoteName(k), err)
	}
	return n.set(p, v)
}

// extensionObject normalizes the object a body holds under an extension's
// URN: {"urn:...:enterprise:2.0:User": {"department": "R&D"}}.
func (n *normalizer) extensionObject(ext *Schema, v any) error {
	if v == nil {
		return nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return typeError(ext.ID, "an object", v, false)
	}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		name, sub, _ := strings.Cut(k, ".")
		p, err := n.rt.Resolve(ext.ID, name, sub)
		if err != nil {
			return unknownAttrError(ScimTypeInvalidSyntax, ext.ID+":"+quoteName(k), err)
		}
		if err := n.set(p, obj[k]); err != nil {
			return err
		}
	}
	return nil
}

// set normalizes v, the value at p, and stores it. The same attribute may
// arrive in pieces ("name": {...} and "name.familyName") that are merged;
// a piece given twice ("userName" and "USERNAME") is an error, since which
// one the client meant cannot be told.
func (n *normalizer) set(p ResolvedPath, v any) error {
	a := p.Attr
	if p.Sub != nil {
		a = p.Sub
	}
	if v == nil || a.Mutability == mutReadOnly || p.Attr.Mutability == mutReadOnly {
		return nil
	}
	if a.Mutability == mutWriteOnly {
		s, ok := v.(string)
		if !ok {
			return typeError(p.String(), "a string", v, true)
		}
		n.password = s
		return nil
	}
	if p.Attr.MultiValued {
		if p.Sub != nil {
			return newError(http.StatusBadRequest, ScimTypeInvalidValue,
				"%s: a sub-attribute of a multi-valued attribute is set through its elements", p)
		}
		// NormalizeValue takes a lone element too, for PATCH; a body
		// holds the whole attribute, an array.
		if _, ok := v.([]any); !ok {
			return typeError(p.String(), "an array", v, false)
		}
	}
	nv, err := NormalizeValue(p, v)
	if err != nil || nv == nil {
		return err
	}
	return n.store(p, nv)
}

// store puts the normalized value nv at p in n.out, merging complex values
// given in pieces.
func (n *normalizer) store(p ResolvedPath, nv any) error {
	c := container(n.out, p.URN, true)
	if p.Sub != nil {
		nv = map[string]any{p.Sub.Name: nv}
	}
	old, exists := c[p.Attr.Name]
	if !exists {
		c[p.Attr.Name] = nv
		return nil
	}
	oldMap, ok1 := old.(map[string]any)
	newMap, ok2 := nv.(map[string]any)
	if !ok1 || !ok2 {
		return duplicateError(p)
	}
	for k, sv := range newMap {
		if _, dup := oldMap[k]; dup {
			return duplicateError(ResolvedPath{URN: p.URN, Attr: p.Attr, Sub: p.Attr.Sub(k)})
		}
		oldMap[k] = sv
	}
	return nil
}

func duplicateError(p ResolvedPath) *Error {
	return newError(http.StatusBadRequest, ScimTypeInvalidSyntax, "%s: given more than once", p)
}

// checkRequired reports the first required attribute of attrs that obj
// lacks or holds as "" (RFC 7643 §4.1.1: "a non-empty userName").
func checkRequired(prefix string, attrs []*Attribute, obj map[string]any) error {
	for _, a := range attrs {
		if !a.Required {
			continue
		}
		if v, ok := obj[a.Name]; !ok || v == "" {
			return newError(http.StatusBadRequest, ScimTypeInvalidValue, "%s%s: required", prefix, a.Name)
		}
	}
	return nil
}

// presentSchemas lists rt's core schema and each extension res holds
// values of, as the stored (and served) "schemas".
func presentSchemas(rt *ResourceType, res map[string]any) []any {
	out := []any{rt.Schema.ID}
	for _, ext := range rt.Extensions {
		if _, ok := res[ext.ID]; ok {
			out = append(out, ext.ID)
		}
	}
	return out
}
