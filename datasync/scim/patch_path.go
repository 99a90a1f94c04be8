package scim

import (
	"maps"
	"net/http"

	filter "github.com/scim2/filter-parser/v2"
)

// patchTarget is a PATCH path resolved against the resource type:
// "name.givenName" (path with Sub), "members" (path alone) or
// `emails[type eq "work"].value` (filter over the elements of path.Attr,
// then path.Sub inside each match).
type patchTarget struct {
	text   string
	path   ResolvedPath
	filter matcher
	// eqs holds the sub-attribute values an all-eq filter fixes
	// (type: "work"), from which add builds an element when none matches.
	eqs map[string]any
	// skip is set when the operation turns out to change nothing.
	skip bool
}

// target parses and resolves a PATCH path (RFC 7644 §3.5.2: attrPath or
// valuePath [subAttr]) with filter-parser/v2's ParsePath; anything wrong
// with it is a 400 invalidPath naming it.
func (pa *patcher) target(text string) (*patchTarget, error) {
	raw, err := prescan(text)
	if err != nil {
		return nil, invalidPath(text, err)
	}
	p, err := filter.ParsePathNumber(raw)
	if err != nil {
		return nil, newError(http.StatusBadRequest, ScimTypeInvalidPath, "path %s: syntax error", quoteName(text))
	}
	t := &patchTarget{text: text}
	if p.ValueExpression == nil {
		ap := p.AttributePath
		if t.path, err = pa.rt.Resolve(ap.URI(), ap.AttributeName, ap.SubAttributeName()); err != nil {
			return nil, invalidPath(text, err)
		}
		return t, nil
	}
	return t, pa.valuePathTarget(t, p)
}

// valuePathTarget fills t for attr[filter] and attr[filter].sub. The
// filter's names are sub-attributes of attr, compiled as in a valuePath of
// a filter; attr must be multi-valued and complex, as only its values can
// be selected.
func (pa *patcher) valuePathTarget(t *patchTarget, p filter.Path) error {
	ap := p.AttributePath
	if ap.SubAttribute != nil {
		return newError(http.StatusBadRequest, ScimTypeInvalidPath, "path %s: a [filter] follows an attribute, not a sub-attribute", quoteName(t.text))
	}
	rp, err := pa.rt.Resolve(ap.URI(), ap.AttributeName, "")
	if err != nil {
		return invalidPath(t.text, err)
	}
	if !rp.Attr.MultiValued || rp.Attr.Type != TypeComplex {
		return newError(http.StatusBadRequest, ScimTypeInvalidPath, "path %s: %s is not multi-valued and complex, so it takes no [filter]", quoteName(t.text), rp)
	}
	if t.filter, err = (scope{rt: pa.rt, parent: &rp}).compile(p.ValueExpression); err != nil {
		return invalidPath(t.text, err)
	}
	if p.SubAttribute != nil {
		if rp.Sub = rp.Attr.Sub(*p.SubAttribute); rp.Sub == nil {
			return newError(http.StatusBadRequest, ScimTypeInvalidPath, "path %s: %s has no sub-attribute %s: %w", quoteName(t.text), rp, quoteName(*p.SubAttribute), ErrUnknownAttribute)
		}
	}
	t.path = rp
	t.eqs = equalities(rp.Attr, p.ValueExpression)
	return nil
}

// equalities returns the sub-attribute values e fixes when it is an eq or
// an "and" of eqs (type eq "work" and primary eq true), nil otherwise.
// The values are checked later, with the element they go into.
func equalities(attr *Attribute, e filter.Expression) map[string]any {
	switch e := e.(type) {
	case *filter.AttributeExpression:
		sub := attr.Sub(e.AttributePath.AttributeName)
		if e.Operator != filter.EQ || sub == nil || e.CompareValue == nil {
			return nil
		}
		v := e.CompareValue
		if s, ok := v.(string); ok {
			var err error
			if v, err = unescape(s); err != nil {
				return nil
			}
		}
		return map[string]any{sub.Name: v}
	case *filter.LogicalExpression:
		if e.Operator != filter.AND {
			return nil
		}
		left, right := equalities(attr, e.Left), equalities(attr, e.Right)
		if left == nil || right == nil {
			return nil
		}
		maps.Copy(left, right)
		return left
	}
	return nil
}

func invalidPath(text string, err error) *Error {
	return newError(http.StatusBadRequest, ScimTypeInvalidPath, "path %s: %w", quoteName(text), err)
}
