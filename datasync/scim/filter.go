package scim

import (
	"fmt"
	"net/http"
	"strings"

	filter "github.com/scim2/filter-parser/v2"
)

// Bounds on the work one filter (or PATCH path) can cause. A filter is
// parsed by a backtracking parser and evaluated against every listed
// resource, so both its size and its nesting are capped before parsing.
const (
	maxFilterLength = 4096
	maxFilterDepth  = 50
)

// Filter is a compiled RFC 7644 §3.4.2.2 filter: every attribute resolved
// against a resource type and every comparison typed by its attribute, so
// that [Filter.Match] does no parsing and cannot fail.
type Filter struct {
	root matcher
}

// matcher tests one map: a resource at the top level, or one element of a
// multi-valued complex attribute inside a valuePath ("emails[...]").
type matcher interface {
	match(m map[string]any) bool
}

// ParseFilter parses s with filter-parser/v2 and resolves every attribute
// against rt. Attribute names and operators match case-insensitively
// ("USERNAME EQ ..."), extension attributes take their URN prefix.
//
// A syntax error, an unknown attribute, a comparison the attribute's type
// doesn't allow ("active gt true") or a filter longer than 4096 bytes or
// nested deeper than 50 is a 400 invalidFilter naming the problem.
//
// Where filter-parser/v2 falls short of RFC 7644, and what is done here:
//   - it returns string values with their escapes intact ("a\"b" stays
//     a\"b), so values are unescaped here as JSON strings;
//   - it accepts only upper-case hex in \uXXXX, while JSON (and Go's
//     encoder) writes lower case, so those digits are upper-cased first;
//   - it has no limits, so length and nesting are checked first;
//   - inside [ ] it takes one comparison, two joined by and/or, or a
//     not ( ) of those: a longer valuePath filter stays a 400 (the RFC's
//     examples and the filters Okta and Entra send all fit).
//
// A valuePath followed by a sub-attribute (emails[type eq "work"].value eq
// "x") is not in the RFC's FILTER grammar; the parser rejects it, and so
// does ParseFilter. "emails.value eq" or a valuePath says the same.
func ParseFilter(rt *ResourceType, s string) (*Filter, error) {
	m, err := compileFilter(rt, s)
	if err != nil {
		return nil, newError(http.StatusBadRequest, ScimTypeInvalidFilter, "invalid filter: %w", err)
	}
	return &Filter{root: m}, nil
}

// Match reports whether res (stored form, plus its "meta" map when the
// filter may name meta attributes) passes the filter.
func (f *Filter) Match(res map[string]any) bool { return f.root.match(res) }

// Equal returns the value of an `eq` on the single-valued string attribute
// path ("userName", "externalId", "id", "displayName", matched
// case-insensitively) that the whole filter requires: the filter is that
// comparison or an `and` of it with anything else. The handler uses it to
// narrow its SQL read before Match decides; for an attribute that is not
// caseExact (userName) the narrowing must itself ignore case.
func (f *Filter) Equal(path string) (string, bool) {
	return equalIn(f.root, path)
}

func equalIn(m matcher, path string) (string, bool) {
	switch m := m.(type) {
	case andMatcher:
		if v, ok := equalIn(m.left, path); ok {
			return v, true
		}
		return equalIn(m.right, path)
	case *comparison:
		if m.equal != nil && strings.EqualFold(m.path.String(), path) {
			return *m.equal, true
		}
	}
	return "", false
}

// compileFilter parses s and compiles it against rt; the error says what
// is wrong, without a scimType, so that a PATCH path can report the same
// problem as invalidPath.
func compileFilter(rt *ResourceType, s string) (matcher, error) {
	raw, err := prescan(s)
	if err != nil {
		return nil, err
	}
	expr, err := filter.ParseFilterNumber(raw)
	if err != nil {
		return nil, fmt.Errorf("syntax error in %q", s)
	}
	return scope{rt: rt}.compile(expr)
}

// prescan bounds s (length, nesting of parentheses and brackets outside
// string literals) and upper-cases \u escape digits for the parser, in one
// pass that never looks at a byte twice.
func prescan(s string) ([]byte, error) {
	if len(s) > maxFilterLength {
		return nil, fmt.Errorf("longer than %d bytes", maxFilterLength)
	}
	b := []byte(s)
	depth, inString := 0, false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case inString && c == '\\':
			if i+1 < len(b) && b[i+1] == 'u' {
				upperHex(b[i+2 : min(i+6, len(b))])
			}
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '(' || c == '[':
			if depth++; depth > maxFilterDepth {
				return nil, fmt.Errorf("nested deeper than %d", maxFilterDepth)
			}
		case c == ')' || c == ']':
			depth--
		}
	}
	return b, nil
}

func upperHex(b []byte) {
	for i, c := range b {
		if c >= 'a' && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
}

// scope is where attribute names are looked up: the resource type at the
// top level, or inside a valuePath the multi-valued attribute whose
// elements the inner filter tests (its names are that attribute's
// sub-attributes).
type scope struct {
	rt     *ResourceType
	parent *ResolvedPath
}

func (sc scope) compile(e filter.Expression) (matcher, error) {
	switch e := e.(type) {
	case *filter.LogicalExpression:
		return sc.compileLogical(e)
	case *filter.NotExpression:
		inner, err := sc.compile(e.Expression)
		return notMatcher{inner}, err
	case *filter.AttributeExpression:
		return sc.compileComparison(e)
	case *filter.ValuePath:
		return sc.compileValuePath(e)
	}
	return nil, fmt.Errorf("unsupported expression %T", e)
}

func (sc scope) compileLogical(e *filter.LogicalExpression) (matcher, error) {
	left, err := sc.compile(e.Left)
	if err != nil {
		return nil, err
	}
	right, err := sc.compile(e.Right)
	if err != nil {
		return nil, err
	}
	if e.Operator == filter.AND {
		return andMatcher{left, right}, nil
	}
	return orMatcher{left, right}, nil
}

// compileValuePath compiles attr[filter]: true when some element of attr
// passes the inner filter.
func (sc scope) compileValuePath(e *filter.ValuePath) (matcher, error) {
	if sc.parent != nil {
		return nil, fmt.Errorf("valuePath inside valuePath %q", e.AttributePath.String())
	}
	p, err := sc.resolve(e.AttributePath)
	if err != nil {
		return nil, err
	}
	if p.Sub != nil || p.Attr.Type != TypeComplex {
		return nil, fmt.Errorf("%s is not a complex attribute: it takes no [filter]", p)
	}
	inner, err := scope{rt: sc.rt, parent: &p}.compile(e.ValueFilter)
	if err != nil {
		return nil, err
	}
	return valuePathMatcher{path: p, inner: inner}, nil
}

// resolve finds an attribute path in this scope.
func (sc scope) resolve(ap filter.AttributePath) (ResolvedPath, error) {
	if sc.parent == nil {
		return sc.rt.Resolve(ap.URI(), ap.AttributeName, ap.SubAttributeName())
	}
	sub := sc.parent.Attr.Sub(ap.AttributeName)
	if ap.URIPrefix != nil || ap.SubAttribute != nil || sub == nil {
		return ResolvedPath{}, fmt.Errorf("%w: %s.%s", ErrUnknownAttribute, sc.parent, ap.String())
	}
	return ResolvedPath{URN: sc.parent.URN, Attr: sc.parent.Attr, Sub: sub}, nil
}

type andMatcher struct{ left, right matcher }

func (m andMatcher) match(v map[string]any) bool { return m.left.match(v) && m.right.match(v) }

type orMatcher struct{ left, right matcher }

func (m orMatcher) match(v map[string]any) bool { return m.left.match(v) || m.right.match(v) }

type notMatcher struct{ inner matcher }

func (m notMatcher) match(v map[string]any) bool { return !m.inner.match(v) }

type valuePathMatcher struct {
	path  ResolvedPath
	inner matcher
}

func (m valuePathMatcher) match(res map[string]any) bool {
	for _, e := range asList(attrValue(res, m.path)) {
		if elem, ok := e.(map[string]any); ok && m.inner.match(elem) {
			return true
		}
	}
	return false
}

// asList sees a multi-valued value as its elements and any other as one.
func asList(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	}
	return []any{v}
}
