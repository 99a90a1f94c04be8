package resourcer

import (
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Route is what a request path addresses: NocoBase's parseRequest result.
// ResourceIndex and AssociatedIndex are the primary keys in the path
// ("/posts/1/comments/2"); ActionName is empty when the method has no
// action on that route.
type Route struct {
	ResourceName    string
	ResourceIndex   string
	AssociatedName  string
	AssociatedIndex string
	ActionName      string
	present         routeField // which fields the path set, for JSON
}

type routeField uint8

const (
	hasResourceName routeField = 1 << iota
	hasResourceIndex
	hasAssociatedName
	hasAssociatedIndex
	hasActionName
)

// Name is the resource's full name: "posts", or "posts.comments" for an
// association.
func (r Route) Name() string {
	if r.AssociatedName != "" {
		return r.AssociatedName + "." + r.ResourceName
	}
	return r.ResourceName
}

// HasResourceIndex reports whether the path named a resource index.
func (r Route) HasResourceIndex() bool { return r.present&hasResourceIndex != 0 }

// MarshalJSON encodes the fields the path set, as the reference's object
// has them.
func (r Route) MarshalJSON() ([]byte, error) {
	m := make(map[string]string, 5)
	for _, f := range []struct {
		bit   routeField
		key   string
		value string
	}{
		{hasResourceName, "resourceName", r.ResourceName},
		{hasResourceIndex, "resourceIndex", r.ResourceIndex},
		{hasAssociatedName, "associatedName", r.AssociatedName},
		{hasAssociatedIndex, "associatedIndex", r.AssociatedIndex},
		{hasActionName, "actionName", r.ActionName},
	} {
		if r.present&f.bit != 0 {
			m[f.key] = f.value
		}
	}
	return json.Marshal(m)
}

// ResourceType decides which routes a resource answers: NocoBase's
// association types.
type ResourceType string

// The resource types. TypeSet is the extra route table NocoBase keeps for
// "set"-style associations.
const (
	TypeSingle        ResourceType = "single"
	TypeHasOne        ResourceType = "hasOne"
	TypeHasMany       ResourceType = "hasMany"
	TypeBelongsTo     ResourceType = "belongsTo"
	TypeBelongsToMany ResourceType = "belongsToMany"
	TypeSet           ResourceType = "set"
)

// Accessors rename the default actions the HTTP methods map to. Empty
// fields keep the default (list, create, get, update, destroy, add, set,
// remove).
type Accessors struct {
	List, Create, Get, Update, Delete, Add, Set, Remove string
}

func (a Accessors) withDefaults() Accessors {
	def := func(v, d string) string {
		if v == "" {
			return d
		}
		return v
	}
	return Accessors{
		List: def(a.List, "list"), Create: def(a.Create, "create"), Get: def(a.Get, "get"),
		Update: def(a.Update, "update"), Delete: def(a.Delete, "destroy"), Add: def(a.Add, "add"),
		Set: def(a.Set, "set"), Remove: def(a.Remove, "remove"),
	}
}

// ParseOptions configure ParseRequest: a path prefix ("/api"), renamed
// accessors, and the resource type whose route table applies (default
// single).
type ParseOptions struct {
	Prefix    string
	Accessors Accessors
	Type      ResourceType
}

// ParseRequest reads a request path the way NocoBase's parseRequest does:
// "/resourcer/posts.comments:list" names resource and action outright;
// otherwise the path is matched against the route table of opts.Type under
// opts.Prefix ("/posts", "/posts/1", "/posts/1/comments", ...), the method
// picks the action, and "posts:export" in the resource segment overrides it.
// It reports false when nothing matches, or the path has a malformed
// percent-encoding (NocoBase throws a URIError there).
//
// The path is the escaped path as sent (url.URL.EscapedPath), not decoded.
func ParseRequest(method, path string, opts ParseOptions) (Route, bool) {
	p, err := jsDecodeURI(path)
	if err != nil {
		return Route{}, false
	}
	if rest, ok := resourcerPath(p); ok {
		return parseResourcerPath(rest), true
	}
	rest, ok := cutPrefixFold(p, normalizePrefix(opts.Prefix))
	if !ok {
		return Route{}, false
	}
	var segs [4]string
	n, ok := splitSegments(rest, &segs)
	if !ok {
		return Route{}, false
	}
	typ := opts.Type
	if typ == "" {
		typ = TypeSingle
	}
	var r Route
	switch {
	case n == 1 && typ == TypeSingle:
		r = Route{ResourceName: segs[0], present: hasResourceName}
	case n == 2 && typ == TypeSingle:
		r = Route{ResourceName: segs[0], ResourceIndex: segs[1], present: hasResourceName | hasResourceIndex}
	case n == 3 && typ != "" && knownType(typ):
		r = Route{AssociatedName: segs[0], AssociatedIndex: segs[1], ResourceName: segs[2],
			present: hasAssociatedName | hasAssociatedIndex | hasResourceName}
	case n == 4 && typ != TypeHasOne && typ != TypeSet && knownType(typ):
		r = Route{AssociatedName: segs[0], AssociatedIndex: segs[1], ResourceName: segs[2], ResourceIndex: segs[3],
			present: hasAssociatedName | hasAssociatedIndex | hasResourceName | hasResourceIndex}
	default:
		return Route{}, false
	}
	if action := methodAction(typ, n, method, opts.Accessors.withDefaults()); action != "" {
		r.ActionName, r.present = action, r.present|hasActionName
	}
	if name, action, found := strings.Cut(r.ResourceName, ":"); found {
		action, _, _ = strings.Cut(action, ":")
		if action != "" {
			r.ResourceName, r.ActionName, r.present = name, action, r.present|hasActionName
		}
	}
	if r.present&hasAssociatedIndex != 0 {
		idx, err := jsDecodeURIComponent(r.AssociatedIndex)
		if err != nil {
			return Route{}, false
		}
		r.AssociatedIndex = idx
	}
	return r, true
}

func knownType(t ResourceType) bool {
	switch t {
	case TypeSingle, TypeHasOne, TypeHasMany, TypeBelongsTo, TypeBelongsToMany, TypeSet:
		return true
	}
	return false
}

// methodAction is NocoBase's per-type route table: the action a method
// runs on a route of n segments ("" for none).
func methodAction(typ ResourceType, n int, method string, a Accessors) string {
	switch typ {
	case TypeSingle:
		switch n {
		case 1, 3:
			return pick(method, map3{get: a.List, post: a.Create, del: a.Delete})
		case 2:
			return pick(method, map3{get: a.Get, put: a.Update, patch: a.Update, del: a.Delete})
		case 4:
			return pick(method, map3{get: a.Get, post: a.Create, put: a.Update, patch: a.Update, del: a.Delete})
		}
	case TypeHasOne:
		return pick(method, map3{get: a.Get, post: a.Update, put: a.Update, patch: a.Update, del: a.Delete})
	case TypeHasMany:
		if n == 3 {
			return pick(method, map3{get: a.List, post: a.Create, del: a.Delete})
		}
		return pick(method, map3{get: a.Get, post: a.Create, put: a.Update, patch: a.Update, del: a.Delete})
	case TypeBelongsTo:
		if n == 3 {
			return pick(method, map3{get: a.Get, del: a.Remove})
		}
		return pick(method, map3{post: a.Set})
	case TypeBelongsToMany:
		if n == 3 {
			return pick(method, map3{get: a.List, post: a.Set})
		}
		return pick(method, map3{get: a.Get, post: a.Add, put: a.Update, patch: a.Update, del: a.Remove})
	case TypeSet:
		return pick(method, map3{get: a.List, post: a.Add, del: a.Remove})
	}
	return ""
}

// map3 is one route's method table.
type map3 struct{ get, post, put, patch, del string }

// pick maps a method, in any case, to the route's action.
func pick(method string, m map3) string {
	switch {
	case asciiEqualFold(method, "get"):
		return m.get
	case asciiEqualFold(method, "post"):
		return m.post
	case asciiEqualFold(method, "put"):
		return m.put
	case asciiEqualFold(method, "patch"):
		return m.patch
	case asciiEqualFold(method, "delete"):
		return m.del
	}
	return ""
}

// asciiEqualFold compares with ASCII case folding only: no other letter
// lower-cases to an ASCII one in these names, as JavaScript's toLowerCase
// has it.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lowerASCII(a[i]) != lowerASCII(b[i]) {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// cutPrefixFold cuts prefix off s, comparing case-insensitively the way
// JavaScript's non-unicode /i regexps do: ASCII letters by ASCII case,
// other characters by their upper case, never a non-ASCII character to an
// ASCII one.
func cutPrefixFold(s, prefix string) (string, bool) {
	for _, pr := range prefix {
		if s == "" {
			return "", false
		}
		sr, size := utf8.DecodeRuneInString(s)
		if !runeFoldEqual(pr, sr) {
			return "", false
		}
		s = s[size:]
	}
	return s, true
}

func runeFoldEqual(a, b rune) bool {
	if a == b {
		return true
	}
	if a < utf8.RuneSelf || b < utf8.RuneSelf {
		return a < utf8.RuneSelf && b < utf8.RuneSelf && lowerASCII(byte(a)) == lowerASCII(byte(b))
	}
	ua, ub := unicode.ToUpper(a), unicode.ToUpper(b)
	return ua == ub && ua >= utf8.RuneSelf
}

// normalizePrefix trims the prefix, drops one trailing slash and makes sure
// it starts with one.
func normalizePrefix(prefix string) string {
	prefix = strings.TrimSpace(prefix)
	prefix = strings.TrimSuffix(prefix, "/")
	if prefix != "" && !strings.HasPrefix(prefix, "/") {
		prefix = "/" + prefix
	}
	return prefix
}

// splitSegments matches "/seg/seg..." with at most four non-empty segments
// free of '/', '#' and '?', optionally followed by one of those characters,
// as path-to-regexp's anchored, non-strict patterns do.
func splitSegments(s string, segs *[4]string) (int, bool) {
	n := 0
	for {
		if len(s) == 0 || s[0] != '/' {
			return 0, false
		}
		end := 1
		for end < len(s) && s[end] != '/' && s[end] != '#' && s[end] != '?' {
			end++
		}
		if end == 1 || n == len(segs) {
			return 0, false
		}
		segs[n] = s[1:end]
		n++
		s = s[end:]
		switch {
		case len(s) == 0:
			return n, true
		case len(s) == 1:
			return n, true // one trailing '/', '#' or '?'
		case s[0] != '/':
			return 0, false
		}
	}
}

// resourcerPath matches "/resourcer/<rest>" (any case) and returns rest; a
// line break in rest defeats the reference's ".*".
func resourcerPath(p string) (string, bool) {
	const head = "/resourcer/"
	if len(p) < len(head) || !asciiEqualFold(p[:len(head)], head) {
		return "", false
	}
	rest := p[len(head):]
	if strings.ContainsAny(rest, "\n\r\u2028\u2029") {
		return "", false
	}
	return rest, true
}

func parseResourcerPath(rest string) Route {
	var r Route
	resource, action, _ := strings.Cut(rest, ":")
	action, _, _ = strings.Cut(action, ":")
	first, second, _ := strings.Cut(resource, ".")
	second, _, _ = strings.Cut(second, ".")
	if first != "" {
		if second != "" {
			r.AssociatedName, r.ResourceName = first, second
			r.present |= hasAssociatedName | hasResourceName
		} else {
			r.ResourceName = first
			r.present |= hasResourceName
		}
	}
	if action != "" {
		r.ActionName = action
		r.present |= hasActionName
	}
	return r
}
