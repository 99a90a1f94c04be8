package scim

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxValues is the most values one multi-valued attribute may hold in a
// request. It bounds the work a single body can cause; a group of 10,000
// members fits, and larger groups are built with several PATCH requests.
const MaxValues = 10000

// maxEcho is the longest value an error message quotes back: enough to
// recognize the value, too short to turn the error into an echo service.
// maxNameEcho does the same for attribute names, which may carry a schema
// URN of 60 characters before the name.
const (
	maxEcho     = 64
	maxNameEcho = 128
)

// NormalizeValue checks v, a value for the attribute at p (a PATCH value),
// and returns it in stored form, as [Normalize] does for a whole body:
//
//   - string and reference values must be JSON strings, kept as given (no
//     trimming: "a " and "a" are different userNames to the client);
//   - booleans may also be the strings "true"/"false" in any case, which
//     is how Microsoft Entra ID sends "active";
//   - integer and decimal values must be JSON numbers (json.Number, or
//     float64 from a decoder without UseNumber) and come back as
//     json.Number; dateTime values must be RFC 3339 strings, kept as
//     given; binary values must be base64;
//   - a complex value is an object whose keys are its sub-attributes
//     (case-insensitive; read-only ones dropped). A single-valued complex
//     attribute with a "value" sub-attribute also takes a bare value for
//     it: Entra sets the enterprise manager with "value": "<id>";
//   - for a multi-valued attribute, an array gives the []any of its
//     normalized elements and a single element (the value of a PATCH whose
//     path filters one, `emails[type eq "work"]`) gives that element;
//   - null, an empty array and an empty object give nil: unassigned.
//
// Errors are [*Error] 400 invalidValue naming the path (invalidSyntax for
// an unknown sub-attribute). NormalizeValue does not check mutability:
// PATCH reports a read-only target as the RFC's "mutability" error.
func NormalizeValue(p ResolvedPath, v any) (any, error) {
	if p.Attr == nil {
		return nil, newError(http.StatusBadRequest, ScimTypeInvalidPath, "no attribute to set")
	}
	path := p.String()
	if p.Sub != nil {
		return normalizeSingle(path, p.Sub, v)
	}
	if list, ok := v.([]any); ok && p.Attr.MultiValued {
		return normalizeList(path, p.Attr, list)
	}
	if p.Attr.MultiValued && p.Attr.Type != TypeComplex {
		return nil, typeError(path, "an array", v, false)
	}
	return normalizeSingle(path, p.Attr, v)
}

// normalizeList normalizes the elements of a multi-valued attribute's
// array; at most one may be primary (RFC 7643 §2.4).
func normalizeList(path string, a *Attribute, list []any) (any, error) {
	if len(list) > MaxValues {
		return nil, newError(http.StatusBadRequest, ScimTypeInvalidValue, "%s: %d values, more than the %d allowed", path, len(list), MaxValues)
	}
	out := make([]any, 0, len(list))
	primary := -1
	for i, e := range list {
		ev, err := normalizeSingle(indexPath(path, i), a, e)
		if err != nil {
			return nil, err
		}
		if ev == nil {
			continue
		}
		if m, ok := ev.(map[string]any); ok && m["primary"] == true {
			if primary >= 0 {
				return nil, newError(http.StatusBadRequest, ScimTypeInvalidValue,
					"%s: %s and %s are both primary; at most one value may be", path, indexPath("", primary), indexPath("", i))
			}
			primary = i
		}
		out = append(out, ev)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// normalizeSingle normalizes one value of attribute a (one element if a is
// multi-valued).
func normalizeSingle(path string, a *Attribute, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if a.Type == TypeComplex {
		return normalizeComplex(path, a, v)
	}
	conv, ok := converters[a.Type]
	if !ok {
		return nil, fmt.Errorf("scim: %s: attribute type %q has no converter", path, a.Type)
	}
	return conv(path, a, v)
}

func normalizeComplex(path string, a *Attribute, v any) (any, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		if valueSub := a.Sub("value"); valueSub != nil && !a.MultiValued && isScalar(v) {
			obj = map[string]any{valueSub.Name: v}
		} else {
			return nil, typeError(path, "an object", v, false)
		}
	}
	out := make(map[string]any, len(obj))
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		sub := a.Sub(k)
		if sub == nil {
			return nil, unknownAttrError(ScimTypeInvalidSyntax, path+"."+quoteName(k), fmt.Errorf("%w: %s.%s", ErrUnknownAttribute, path, k))
		}
		if sub.Mutability == mutReadOnly || obj[k] == nil {
			continue
		}
		if _, dup := out[sub.Name]; dup {
			return nil, newError(http.StatusBadRequest, ScimTypeInvalidSyntax, "%s.%s: given more than once", path, sub.Name)
		}
		sv, err := normalizeSingle(path+"."+sub.Name, sub, obj[k])
		if err != nil {
			return nil, err
		}
		out[sub.Name] = sv
	}
	if len(out) == 0 {
		return nil, nil
	}
	if err := checkRequired(path+".", a.SubAttributes, out); err != nil {
		return nil, err
	}
	return out, nil
}

// converters checks and converts a simple value, one function per type.
var converters = map[AttrType]func(path string, a *Attribute, v any) (any, error){
	TypeString:    convertString,
	TypeReference: convertString,
	TypeBinary:    convertBinary,
	TypeBoolean:   convertBoolean,
	TypeInteger:   convertInteger,
	TypeDecimal:   convertDecimal,
	TypeDateTime:  convertDateTime,
}

func convertString(path string, a *Attribute, v any) (any, error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	return nil, typeError(path, "a string", v, a.Mutability == mutWriteOnly)
}

func convertBinary(path string, a *Attribute, v any) (any, error) {
	s, ok := v.(string)
	if !ok {
		return nil, typeError(path, "a base64 string", v, false)
	}
	if _, err := base64.StdEncoding.DecodeString(s); err != nil {
		return nil, newError(http.StatusBadRequest, ScimTypeInvalidValue, "%s: want base64, got %s", path, describe(v, false))
	}
	return s, nil
}

// convertBoolean also takes "True"/"False" strings: Microsoft Entra ID
// sends "active": "False" in PATCH values, and refusing them would make
// Entra unable to disable anyone.
func convertBoolean(path string, a *Attribute, v any) (any, error) {
	switch b := v.(type) {
	case bool:
		return b, nil
	case string:
		if strings.EqualFold(b, "true") {
			return true, nil
		}
		if strings.EqualFold(b, "false") {
			return false, nil
		}
	}
	return nil, typeError(path, "a boolean", v, false)
}

func convertInteger(path string, a *Attribute, v any) (any, error) {
	switch n := v.(type) {
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return json.Number(strconv.FormatInt(i, 10)), nil
		}
	case float64:
		if n == float64(int64(n)) {
			return json.Number(strconv.FormatInt(int64(n), 10)), nil
		}
	}
	return nil, typeError(path, "an integer", v, false)
}

func convertDecimal(path string, a *Attribute, v any) (any, error) {
	switch n := v.(type) {
	case json.Number:
		if _, err := n.Float64(); err == nil {
			return n, nil
		}
	case float64:
		return json.Number(strconv.FormatFloat(n, 'g', -1, 64)), nil
	}
	return nil, typeError(path, "a decimal number", v, false)
}

func convertDateTime(path string, a *Attribute, v any) (any, error) {
	if s, ok := v.(string); ok {
		if _, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return s, nil
		}
	}
	return nil, typeError(path, "an RFC 3339 dateTime", v, false)
}

func isScalar(v any) bool {
	switch v.(type) {
	case string, bool, json.Number, float64:
		return true
	}
	return false
}

// typeError is the 400 invalidValue for a value of the wrong type:
// "emails[1].primary: want a boolean, got a string "yes"". sensitive
// values (the password) are never quoted back.
func typeError(path, want string, v any, sensitive bool) *Error {
	return newError(http.StatusBadRequest, ScimTypeInvalidValue, "%s: want %s, got %s", path, want, describe(v, sensitive))
}

// describe names v's JSON type and, unless it is sensitive or longer than
// maxEcho, quotes it.
func describe(v any, sensitive bool) string {
	var kind, text string
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		kind, text = "a string", strconv.Quote(x)
		if utf8.RuneCountInString(x) > maxEcho {
			text = ""
		}
	case bool:
		kind, text = "a boolean", strconv.FormatBool(x)
	case json.Number:
		kind, text = "a number", x.String()
	case float64:
		kind, text = "a number", strconv.FormatFloat(x, 'g', -1, 64)
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	default:
		return fmt.Sprintf("a %T", v)
	}
	if sensitive || text == "" || len(text) > maxEcho+2 {
		return kind
	}
	return kind + " " + text
}

// quoteName is an attribute name from the request as an error message
// shows it: as given when short, cut when long.
func quoteName(name string) string {
	if utf8.RuneCountInString(name) > maxNameEcho {
		name = string([]rune(name)[:maxNameEcho]) + "…"
	}
	if strings.IndexFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return strconv.Quote(name)
	}
	return name
}

func indexPath(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}
