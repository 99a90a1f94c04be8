package scim

import (
	"maps"
	"net/http"
)

// applyAttr applies op to a whole attribute ("active", "name", "members").
func (pa *patcher) applyAttr(op string, t *patchTarget, v any) error {
	a := t.path.Attr
	c := container(pa.res, t.path.URN, op != opRemove)
	if op == opRemove {
		if c == nil {
			return nil
		}
		if a.MultiValued && v != nil {
			removeValues(c, a, v)
			return nil
		}
		return checkImmutable(a, t, c[a.Name], nil, func() { delete(c, a.Name) })
	}
	nv, err := pa.normalize(t.path, v)
	if err != nil {
		return err
	}
	switch {
	case nv == nil && op == opAdd:
		return nil
	case nv == nil:
		return checkImmutable(a, t, c[a.Name], nil, func() { delete(c, a.Name) })
	case a.MultiValued && op == opAdd:
		old := asList(c[a.Name])
		list := appendUnique(a, old, nv.([]any))
		c[a.Name] = list
		keepPrimary(list, indexes(len(old), len(list)))
	case a.Type == TypeComplex && !a.MultiValued:
		// RFC 7644 §3.5.2.1 and .3: add and replace of a complex
		// attribute set the sub-attributes given and keep the others.
		merged := asMap(c[a.Name])
		for k, sv := range nv.(map[string]any) {
			if err := checkImmutable(a.Sub(k), t, merged[k], sv, func() { merged[k] = sv }); err != nil {
				return err
			}
		}
		c[a.Name] = merged
	default:
		return checkImmutable(a, t, c[a.Name], nv, func() { c[a.Name] = nv })
	}
	return nil
}

// applySub applies op to a sub-attribute of a single-valued complex
// attribute ("name.givenName", "urn:…:User:manager.value").
func (pa *patcher) applySub(op string, t *patchTarget, v any) error {
	a, sub := t.path.Attr, t.path.Sub
	if a.MultiValued {
		return newError(http.StatusBadRequest, ScimTypeInvalidPath,
			"path %s: %s is multi-valued: select its values with a filter, as %s[type eq \"work\"].%s",
			quoteName(t.text), a.Name, a.Name, sub.Name)
	}
	c := container(pa.res, t.path.URN, op != opRemove)
	var nv any
	if op != opRemove {
		var err error
		if nv, err = pa.normalize(t.path, v); err != nil {
			return err
		}
	}
	m, _ := c[a.Name].(map[string]any)
	if nv == nil && m == nil {
		return nil
	}
	if m == nil {
		m = map[string]any{}
		c[a.Name] = m
	}
	return checkImmutable(sub, t, m[sub.Name], nv, func() {
		if nv == nil {
			delete(m, sub.Name)
		} else {
			m[sub.Name] = nv
		}
		if len(m) == 0 {
			delete(c, a.Name)
		}
	})
}

// applyFiltered applies op to the values of a multi-valued attribute its
// filter selects (`members[value eq "id"]`, `emails[type eq "work"].value`).
func (pa *patcher) applyFiltered(op string, t *patchTarget, v any) error {
	a := t.path.Attr
	c := container(pa.res, t.path.URN, op != opRemove)
	if c == nil {
		return nil // remove from an absent extension
	}
	list := asList(c[a.Name])
	var matched []int
	for i, e := range list {
		if m, ok := e.(map[string]any); ok && t.filter.match(m) {
			matched = append(matched, i)
		}
	}
	if op == opRemove {
		return removeMatched(c, t, list, matched)
	}
	if len(matched) == 0 {
		if op == opReplace || t.eqs == nil {
			return newError(http.StatusBadRequest, ScimTypeNoTarget, "path %s: no value matches the filter", quoteName(t.text))
		}
		return pa.addElement(c, t, list, v)
	}
	set, err := pa.elementSetter(t, v)
	if err != nil {
		return err
	}
	for _, i := range matched {
		if err := set(list[i].(map[string]any)); err != nil {
			return err
		}
	}
	keepPrimary(list, matched)
	return nil
}

// addElement appends the value an add through a filter that matched
// nothing describes: the filter's eq terms plus v. Entra adds a user's
// first work address as path `emails[type eq "work"].value`, value the
// address; RFC 7644 leaves the case open, and refusing it would lose the
// address.
func (pa *patcher) addElement(c map[string]any, t *patchTarget, list []any, v any) error {
	raw := maps.Clone(t.eqs)
	if t.path.Sub != nil {
		raw[t.path.Sub.Name] = v
	} else if m, ok := v.(map[string]any); ok {
		maps.Copy(raw, m)
	} else {
		return newError(http.StatusBadRequest, ScimTypeInvalidValue, "path %s: want an object, got %s", quoteName(t.text), describe(v, false))
	}
	elem, err := pa.normalizeElem(t.path, raw)
	if err != nil || elem == nil {
		return err
	}
	list = append(list, elem)
	c[t.path.Attr.Name] = list
	keepPrimary(list, []int{len(list) - 1})
	return nil
}

// elementSetter normalizes v once and returns what writes it into one
// selected element: the sub-attribute after the filter, or else the
// sub-attributes v gives, merged (RFC 7644 §3.5.2.3: those not given are
// left unchanged).
func (pa *patcher) elementSetter(t *patchTarget, v any) (func(elem map[string]any) error, error) {
	if sub := t.path.Sub; sub != nil {
		nv, err := pa.normalize(t.path, v)
		if err != nil {
			return nil, err
		}
		return func(elem map[string]any) error {
			return checkImmutable(sub, t, elem[sub.Name], nv, func() { setOrDelete(elem, sub.Name, nv) })
		}, nil
	}
	nv, err := pa.normalizeElem(t.path, v)
	if err != nil {
		return nil, err
	}
	return func(elem map[string]any) error {
		for k, sv := range nv {
			if err := checkImmutable(t.path.Attr.Sub(k), t, elem[k], sv, func() { elem[k] = sv }); err != nil {
				return err
			}
		}
		return nil
	}, nil
}

// removeMatched removes the selected values, or their sub-attribute.
// Nothing selected is no change: RFC 7644 §3.5.2.2 names noTarget only
// for a missing path, and a remove that finds its value already gone has
// reached the state it asks for (Entra and Okta retry removals).
func removeMatched(c map[string]any, t *patchTarget, list []any, matched []int) error {
	a, sub := t.path.Attr, t.path.Sub
	if len(matched) == 0 {
		return nil
	}
	if sub != nil {
		for _, i := range matched {
			elem := list[i].(map[string]any)
			if err := checkImmutable(sub, t, elem[sub.Name], nil, func() { delete(elem, sub.Name) }); err != nil {
				return err
			}
		}
		return nil
	}
	kept := make([]any, 0, len(list)-len(matched))
	next := 0
	for i, e := range list {
		if next < len(matched) && matched[next] == i {
			next++
			continue
		}
		kept = append(kept, e)
	}
	setOrDelete(c, a.Name, kept)
	return nil
}

// checkImmutable runs write unless it would change an immutable
// attribute that has a value: RFC 7644 §3.5.2 lets a client set one only
// where it was unset (and, here, to the value it has).
func checkImmutable(a *Attribute, t *patchTarget, old, next any, write func()) error {
	if a != nil && a.Mutability == mutImmutable && present(old) && !equalJSON(old, next) {
		return newError(http.StatusBadRequest, ScimTypeMutability, "path %s: %s is immutable", quoteName(t.text), a.Name)
	}
	write()
	return nil
}

// setOrDelete sets m[k], or deletes it when v is nil or an empty list.
func setOrDelete(m map[string]any, k string, v any) {
	if l, ok := v.([]any); v == nil || (ok && len(l) == 0) {
		delete(m, k)
		return
	}
	m[k] = v
}
