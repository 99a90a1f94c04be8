package scim

import (
	"slices"
	"strings"
)

// ParseAttributeList parses the value of an "attributes" or
// "excludedAttributes" query parameter (RFC 7644 §3.4.2.5): a
// comma-separated list of attribute paths such as
// "userName,emails.value,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
// names case-insensitive. An empty value gives nil. A path naming no
// attribute is a 400 invalidValue naming it: the RFC has no scimType for
// this parameter, and invalidFilter would point the client at "filter".
func ParseAttributeList(rt *ResourceType, s string) ([]ResolvedPath, error) {
	var out []ResolvedPath
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		p, err := rt.Resolve(splitPath(part))
		if err != nil {
			return nil, unknownAttrError(ScimTypeInvalidValue, quoteName(part), err)
		}
		out = append(out, p)
	}
	return out, nil
}

// Project returns res (stored form, plus whatever the caller added to
// serve it: meta, a user's groups, a group's members) as a client sees it,
// following each attribute's "returned" characteristic (RFC 7643 §2.4) and
// the request's attribute lists (RFC 7644 §3.9):
//
//   - "never" (password) is never served;
//   - "always" (id) is always served, whatever the lists say;
//   - "default" is served unless the request has an attributes list that
//     does not name it, or an excludedAttributes list that does;
//   - "request" is served only when the attributes list names it.
//
// A sub-attribute path narrows: attributes "emails.value" serves each
// email's value alone, excludedAttributes "emails.display" serves emails
// without display. Given both lists, attributes selects and
// excludedAttributes then removes. meta is an ordinary "default" attribute
// here, so attributes=userName leaves it out, as the RFC says. "schemas"
// is always served and lists the extensions still holding values. Keys of
// res that no schema defines are not served. res is not modified, and
// the result shares no map or slice with it.
func Project(rt *ResourceType, res map[string]any, attributes, excluded []ResolvedPath) map[string]any {
	pr := projector{inc: selections(attributes), exc: selections(excluded), narrowed: len(attributes) > 0}
	out := map[string]any{}
	for k, v := range res {
		if ext := rt.extension(k); ext != nil {
			obj, _ := v.(map[string]any)
			if pv := pr.object(ext.ID, ext.Attributes, obj); len(pv) > 0 {
				out[ext.ID] = pv
			}
			continue
		}
		a := rt.coreAttr(k)
		if a == nil {
			continue
		}
		if pv := pr.attr("", a, v); pv != nil {
			out[a.Name] = pv
		}
	}
	out["schemas"] = presentSchemas(rt, out)
	return out
}

// attrKey identifies an attribute by its canonical URN ("" for core and
// common attributes) and name.
type attrKey struct{ urn, name string }

// selection is what one list says of an attribute: the whole of it, or
// some sub-attributes.
type selection struct {
	whole bool
	subs  map[string]bool
}

func selections(paths []ResolvedPath) map[attrKey]*selection {
	m := make(map[attrKey]*selection, len(paths))
	for _, p := range paths {
		k := attrKey{p.URN, p.Attr.Name}
		sel := m[k]
		if sel == nil {
			sel = &selection{subs: map[string]bool{}}
			m[k] = sel
		}
		if p.Sub == nil {
			sel.whole = true
		} else {
			sel.subs[p.Sub.Name] = true
		}
	}
	return m
}

// projector applies one request's attribute lists.
type projector struct {
	inc, exc map[attrKey]*selection
	narrowed bool // an attributes list was given
}

// object projects the attributes of one schema held in obj.
func (pr projector) object(urn string, attrs []*Attribute, obj map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range obj {
		if a := findAttr(attrs, k); a != nil {
			if pv := pr.attr(urn, a, v); pv != nil {
				out[a.Name] = pv
			}
		}
	}
	return out
}

// attr projects the value v of attribute a; nil when it is not served.
func (pr projector) attr(urn string, a *Attribute, v any) any {
	k := attrKey{urn, a.Name}
	inc, exc := pr.inc[k], pr.exc[k]
	switch a.Returned {
	case retNever:
		return nil
	case retAlways:
		return copyValue(a, v, nil, nil)
	case retRequest:
		if inc == nil {
			return nil
		}
	default:
		if (pr.narrowed && inc == nil) || (exc != nil && exc.whole) {
			return nil
		}
	}
	var excSubs map[string]bool
	if exc != nil {
		excSubs = exc.subs
	}
	return copyValue(a, v, inc, excSubs)
}

// copyValue copies v, the value of a; for a complex a, only the
// sub-attributes subServed lets through. An element or object left with
// nothing is dropped, and nil stands for a value with nothing left.
func copyValue(a *Attribute, v any, inc *selection, excSubs map[string]bool) any {
	if a.Type != TypeComplex {
		if list, ok := v.([]any); ok {
			return slices.Clone(list)
		}
		return v
	}
	if !a.MultiValued {
		return copyObject(a, v, inc, excSubs)
	}
	list, _ := v.([]any)
	var out []any
	for _, e := range list {
		if pe := copyObject(a, e, inc, excSubs); pe != nil {
			out = append(out, pe)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func copyObject(a *Attribute, v any, inc *selection, excSubs map[string]bool) any {
	obj, _ := v.(map[string]any)
	out := map[string]any{}
	for k, sv := range obj {
		if sub := a.Sub(k); sub != nil && subServed(sub, inc, excSubs) {
			out[sub.Name] = sv
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// subServed decides one sub-attribute as attr decides an attribute: inc
// names sub-attributes unless it selects the whole attribute, and a
// "request" sub-attribute must be named itself.
func subServed(sub *Attribute, inc *selection, excSubs map[string]bool) bool {
	named := inc != nil && inc.subs[sub.Name]
	switch sub.Returned {
	case retNever:
		return false
	case retAlways:
		return true
	case retRequest:
		return named
	}
	if inc != nil && !inc.whole && !named {
		return false
	}
	return !excSubs[sub.Name]
}
