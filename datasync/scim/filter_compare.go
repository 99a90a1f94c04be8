package scim

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	filter "github.com/scim2/filter-parser/v2"
)

// comparison is one attrExp ("userName eq \"x\"", "emails pr"): true when
// any value at path passes test (RFC 7644 §3.4.2.2: a multi-valued
// attribute matches if any of its values does), inverted when negate.
//
// ne is compiled as the negation of eq, so `title ne "x"` also matches a
// resource with no title and a multi-valued attribute matches ne only when
// none of its values is equal: RFC 7644 leaves both open, and this is the
// reading under which `not (a eq x)` and `a ne x` agree.
type comparison struct {
	path   ResolvedPath
	inElem bool // inside a valuePath: path.Sub is a key of the element tested
	test   func(v any) bool
	negate bool
	equal  *string // the value, when this is an eq Filter.Equal can report
}

func (c *comparison) match(m map[string]any) bool {
	return slices.ContainsFunc(c.values(m), c.test) != c.negate
}

// values lists the values at c.path in m, flattening multi-valued
// attributes and their sub-attributes ("emails.value": every address).
func (c *comparison) values(m map[string]any) []any {
	if c.inElem {
		return asList(m[c.path.Sub.Name])
	}
	v := attrValue(m, c.path)
	if c.path.Sub == nil {
		return asList(v)
	}
	var out []any
	for _, e := range asList(v) {
		if elem, ok := e.(map[string]any); ok {
			out = append(out, asList(elem[c.path.Sub.Name])...)
		}
	}
	return out
}

func (sc scope) compileComparison(e *filter.AttributeExpression) (matcher, error) {
	p, err := sc.resolve(e.AttributePath)
	if err != nil {
		return nil, err
	}
	c := &comparison{path: p, inElem: sc.parent != nil, test: present}
	if e.Operator == filter.PR {
		return c, nil
	}
	// RFC 7644 §3.4.2.2: a complex attribute compared without a
	// sub-attribute ("emails co \"x\"") compares its "value".
	if p.Sub == nil && p.Attr.Type == TypeComplex {
		if c.path.Sub = p.Attr.Sub("value"); c.path.Sub == nil {
			return nil, fmt.Errorf("%s is complex: compare one of its sub-attributes", p)
		}
	}
	attr := c.path.Attr
	if c.path.Sub != nil {
		attr = c.path.Sub
	}
	op := e.Operator
	if op == filter.NE {
		op, c.negate = filter.EQ, true
	}
	if e.CompareValue == nil {
		// "x eq null" asks whether x is absent: RFC 7643 §2.5 makes null
		// and unassigned the same.
		if op != filter.EQ {
			return nil, fmt.Errorf("%s %s null: only eq and ne compare with null", c.path, e.Operator)
		}
		c.negate = !c.negate
		return c, nil
	}
	build, ok := typeTests[attr.Type]
	if !ok {
		return nil, fmt.Errorf("%s is complex: compare one of its sub-attributes", c.path)
	}
	if c.test, err = build(attr, op, e.CompareValue); err != nil {
		return nil, fmt.Errorf("%s %s: %w", c.path, e.Operator, err)
	}
	if s, ok := e.CompareValue.(string); ok && op == filter.EQ && !c.negate && !c.inElem &&
		attr.Type == TypeString && !c.path.Attr.MultiValued {
		s, _ = unescape(s) // build succeeded, so s unescapes
		c.equal = &s
	}
	return c, nil
}

// present is `pr`: RFC 7644 §3.4.2.2 counts null, "", an empty list and
// an empty complex value as absent.
func present(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case string:
		return v != ""
	case []any:
		for _, e := range v {
			if present(e) {
				return true
			}
		}
		return false
	case map[string]any:
		for _, e := range v {
			if present(e) {
				return true
			}
		}
		return false
	}
	return true
}

// typeTests builds the test of one value for each attribute type; a type
// missing here (complex) can only be tested with pr.
var typeTests = map[AttrType]func(a *Attribute, op filter.CompareOperator, want any) (func(any) bool, error){
	TypeString:    stringTest,
	TypeReference: stringTest,
	TypeBinary:    stringTest,
	TypeBoolean:   booleanTest,
	TypeInteger:   numberTest,
	TypeDecimal:   numberTest,
	TypeDateTime:  dateTimeTest,
}

var errValueType = errors.New("wrong type of value")

// stringOps compares strings; gt and the like are lexicographic (RFC 7644
// §3.4.2.2), after case folding when the attribute is not caseExact.
var stringOps = map[filter.CompareOperator]func(have, want string) bool{
	filter.EQ: func(h, w string) bool { return h == w },
	filter.CO: strings.Contains,
	filter.SW: strings.HasPrefix,
	filter.EW: strings.HasSuffix,
	filter.GT: func(h, w string) bool { return h > w },
	filter.GE: func(h, w string) bool { return h >= w },
	filter.LT: func(h, w string) bool { return h < w },
	filter.LE: func(h, w string) bool { return h <= w },
}

func stringTest(a *Attribute, op filter.CompareOperator, want any) (func(any) bool, error) {
	raw, ok := want.(string)
	if !ok {
		return nil, fmt.Errorf("%w: %v is not a string", errValueType, want)
	}
	w, err := unescape(raw)
	if err != nil {
		return nil, err
	}
	fold := strings.ToLower
	if a.CaseExact {
		fold = func(s string) string { return s }
	}
	w, cmp := fold(w), stringOps[op]
	return func(v any) bool {
		s, ok := v.(string)
		return ok && cmp(fold(s), w)
	}, nil
}

// unescape decodes the JSON escapes filter-parser/v2 leaves in a string
// value: the filter grammar takes its strings from JSON (RFC 7644 §3.4.2.2).
func unescape(raw string) (string, error) {
	if !strings.Contains(raw, `\`) {
		return raw, nil
	}
	var s string
	if err := json.Unmarshal([]byte(`"`+raw+`"`), &s); err != nil {
		return "", fmt.Errorf("bad string %q", raw)
	}
	return s, nil
}

// booleanTest allows only eq (ne is its negation): RFC 7644 §3.4.2.2
// defines no order on booleans and no substring on them. A string "True"
// is taken as true, as Entra writes booleans as strings.
func booleanTest(_ *Attribute, op filter.CompareOperator, want any) (func(any) bool, error) {
	if op != filter.EQ {
		return nil, errors.New("a boolean takes only eq, ne and pr")
	}
	w, ok := want.(bool)
	if s, isString := want.(string); isString {
		switch {
		case strings.EqualFold(s, "true"):
			w, ok = true, true
		case strings.EqualFold(s, "false"):
			w, ok = false, true
		}
	}
	if !ok {
		return nil, fmt.Errorf("%w: %v is not a boolean", errValueType, want)
	}
	return func(v any) bool { b, ok := v.(bool); return ok && b == w }, nil
}

// orderOps turns a three-way comparison into the operator's answer.
var orderOps = map[filter.CompareOperator]func(c int) bool{
	filter.EQ: func(c int) bool { return c == 0 },
	filter.GT: func(c int) bool { return c > 0 },
	filter.GE: func(c int) bool { return c >= 0 },
	filter.LT: func(c int) bool { return c < 0 },
	filter.LE: func(c int) bool { return c <= 0 },
}

func numberTest(_ *Attribute, op filter.CompareOperator, want any) (func(any) bool, error) {
	cmp, ok := orderOps[op]
	if !ok {
		return nil, errors.New("a number takes only eq, ne, gt, ge, lt, le and pr")
	}
	w, ok := want.(json.Number)
	if !ok {
		return nil, fmt.Errorf("%w: %v is not a number", errValueType, want)
	}
	return func(v any) bool {
		c, ok := compareNumbers(v, w)
		return ok && cmp(c)
	}, nil
}

// compareNumbers compares exactly as integers when both are, else as
// float64 (exact to 2^53, which covers every count and id a directory
// holds). Parsing through big.Rat would be exact but lets "1e999999999"
// allocate without bound.
func compareNumbers(have any, want json.Number) (int, bool) {
	h := numberString(have)
	if h == "" {
		return 0, false
	}
	hi, err1 := strconv.ParseInt(h, 10, 64)
	wi, err2 := strconv.ParseInt(string(want), 10, 64)
	if err1 == nil && err2 == nil {
		return cmp.Compare(hi, wi), true
	}
	hf, err1 := strconv.ParseFloat(h, 64)
	wf, err2 := strconv.ParseFloat(string(want), 64)
	if err1 != nil || err2 != nil || math.IsNaN(hf) || math.IsNaN(wf) {
		return 0, false
	}
	return cmp.Compare(hf, wf), true
}

func numberString(v any) string {
	switch v := v.(type) {
	case json.Number:
		return string(v)
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return ""
}

// dateTimeTest compares instants, so "2026-01-01T01:00:00+01:00" equals
// "2026-01-01T00:00:00Z"; substring operators make no sense on them.
func dateTimeTest(_ *Attribute, op filter.CompareOperator, want any) (func(any) bool, error) {
	cmp, ok := orderOps[op]
	if !ok {
		return nil, errors.New("a dateTime takes only eq, ne, gt, ge, lt, le and pr")
	}
	s, _ := want.(string)
	w, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil, fmt.Errorf("%w: %v is not an RFC 3339 dateTime", errValueType, want)
	}
	return func(v any) bool {
		t, ok := asTime(v)
		return ok && cmp(t.Compare(w))
	}, nil
}

func asTime(v any) (time.Time, bool) {
	switch v := v.(type) {
	case time.Time:
		return v, true
	case string:
		t, err := time.Parse(time.RFC3339Nano, v)
		return t, err == nil
	}
	return time.Time{}, false
}
