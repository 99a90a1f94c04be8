package aclstore

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// apiMaxNameLen bounds role, resource, action and scope names.
const apiMaxNameLen = 128

// apiBadRequest is a 400 whose message is what the client sees: it names
// the field at fault.
func apiBadRequest(format string, args ...any) error {
	return &resourcer.StatusError{Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

// apiValues returns the request's "values" (the body) as an object. No body
// is an empty object; a body that is not an object is a 400.
func apiValues(p resourcer.Params) (map[string]any, error) {
	switch v := p["values"].(type) {
	case nil:
		return map[string]any{}, nil
	case map[string]any:
		return v, apiCheckText("values", v)
	default:
		return nil, apiBadRequest("values must be an object, got %s", apiShow(v))
	}
}

// apiValueList returns the request's "values" as a list, as roles.snippets
// and roles.users take it; a single value is a list of one.
func apiValueList(p resourcer.Params) ([]any, error) {
	v := p["values"]
	if err := apiCheckText("values", v); err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case []any:
		return x, nil
	case map[string]any:
		if len(x) == 0 {
			return nil, apiBadRequest("values is required: a list")
		}
		return nil, apiBadRequest("values must be a list, got an object")
	case nil:
		return nil, apiBadRequest("values is required: a list")
	}
	return []any{v}, nil
}

// apiCheckText refuses a NUL anywhere in a client's value: PostgreSQL cannot
// store one in text, and a name with one could never be typed again.
func apiCheckText(path string, v any) error {
	switch x := v.(type) {
	case string:
		if strings.ContainsRune(x, 0) {
			return apiBadRequest("%s may not contain a NUL character", path)
		}
	case map[string]any:
		for k, e := range x {
			if strings.ContainsRune(k, 0) {
				return apiBadRequest("%s has a key with a NUL character", path)
			}
			if err := apiCheckText(path+"."+k, e); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range x {
			if err := apiCheckText(fmt.Sprintf("%s[%d]", path, i), e); err != nil {
				return err
			}
		}
	}
	return nil
}

// apiCheckName refuses a name the API could not address again or the ACL
// would read differently: empty, longer than apiMaxNameLen, "." or "..", or
// with a space, a control character or one of / \ : ? # % * " ' that
// paths, action paths and snippet globs give a meaning to.
func apiCheckName(field, name string) error {
	switch {
	case name == "":
		return apiBadRequest("%s must not be empty", field)
	case len(name) > apiMaxNameLen:
		return apiBadRequest("%s must be at most %d bytes, got %d", field, apiMaxNameLen, len(name))
	case name == "." || name == "..":
		return apiBadRequest("%s must not be %q", field, name)
	case !utf8.ValidString(name):
		return apiBadRequest("%s must be valid UTF-8", field)
	}
	for _, r := range name {
		if unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(`/\:?#%*"'`, r) {
			return apiBadRequest("%s %.64q: %q is not allowed in a name", field, name, r)
		}
	}
	return nil
}

// apiString reads a string field of values.
func apiString(field string, v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", apiBadRequest("%s must be a string, got %.64s", field, apiShow(v))
	}
	return s, nil
}

// apiBool reads a boolean field of values.
func apiBool(field string, v any) (bool, error) {
	b, ok := v.(bool)
	if !ok {
		return false, apiBadRequest("%s must be true or false, got %.64s", field, apiShow(v))
	}
	return b, nil
}

// apiStringList reads a list of strings; null is nil.
func apiStringList(field string, v any) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, apiBadRequest("%s must be a list of strings, got %s", field, apiShow(v))
	}
	out := make([]string, len(list))
	for i, e := range list {
		s, ok := e.(string)
		if !ok {
			return nil, apiBadRequest("%s[%d] must be a string, got %.64s", field, i, apiShow(e))
		}
		out[i] = s
	}
	return out, nil
}

// apiNameParam reads a required name from the first of keys given in the
// params or, after them, in values (filterByTk, then values.roleName).
func apiNameParam(p resourcer.Params, field string, keys ...string) (string, error) {
	vals, _ := p["values"].(map[string]any)
	for _, src := range []map[string]any{p, vals} {
		for _, k := range keys {
			if v, ok := src[k]; ok && v != nil {
				s, ok := v.(string)
				if !ok {
					return "", apiBadRequest("%s must be a string, got %.64s", k, apiShow(v))
				}
				return s, apiCheckName(field, s)
			}
		}
	}
	return "", apiBadRequest("%s is required (%s)", field, strings.Join(keys, " or "))
}

// apiRole returns the role an association path names: the admin of
// /roles/admin/resources.
func apiRole(ac *resourcer.ActionContext) (string, error) {
	role := ac.SourceID
	if role == "" {
		return "", apiBadRequest("the role is required: address %s as /%s/<role>/%s", ac.ResourceName, ResourceRoles, ac.ResourceName[strings.IndexByte(ac.ResourceName, '.')+1:])
	}
	return role, apiCheckName("role", role)
}

// apiUID is a name as NocoBase's uid fields make one: prefix and 11
// random lowercase letters and digits.
func apiUID(prefix string) string {
	return prefix + strings.ToLower(rand.Text()[:11])
}

// apiShow renders a client's value for an error message: its JSON type when
// it is not a scalar, so that no large value is echoed.
func apiShow(v any) string {
	switch v.(type) {
	case map[string]any, []any:
		return jsonval.TypeName(v)
	}
	return fmt.Sprintf("%v", v)
}

// apiPage answers a list with NocoBase's page and pageSize (1 and 20 by
// default) and its meta, or the whole list when paginate is false.
func apiPage[T any](p resourcer.Params, list []T, limit int) (any, error) {
	if p["paginate"] == false || p["paginate"] == "false" {
		return list, nil
	}
	pageNo, err := resourcer.PositiveParam(p, "page", 1)
	if err != nil {
		return nil, err
	}
	size, err := resourcer.PositiveParam(p, "pageSize", 20)
	if err != nil {
		return nil, err
	}
	if size > int64(limit) {
		return nil, apiBadRequest("pageSize must be at most %d, got %d", limit, size)
	}
	if pageNo > 1<<31 {
		return nil, apiBadRequest("page must be below 2^31")
	}
	from := min(int64(len(list)), (pageNo-1)*size)
	to := min(int64(len(list)), from+size)
	return &resourcer.Response{Data: list[from:to], Meta: resourcer.PageMeta(int64(len(list)), int(pageNo), int(size))}, nil
}
