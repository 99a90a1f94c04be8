package aclstore

import (
	"crypto/rand"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gatehouse-dev/gatehouse/internal/listapi"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// apiMaxNameLen bounds role, resource, action and scope names.
const apiMaxNameLen = 128

// apiValues returns the request's "values" (the body) as an object. No body
// is an empty object; a body that is not an object is a 400.
func apiValues(p resourcer.Params) (map[string]any, error) {
	switch v := p["values"].(type) {
	case nil:
		return map[string]any{}, nil
	case map[string]any:
		return v, apiCheckText("values", v)
	default:
		return nil, listapi.BadRequest("values must be an object, got %s", listapi.Show(v))
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
			return nil, listapi.BadRequest("values is required: a list")
		}
		return nil, listapi.BadRequest("values must be a list, got an object")
	case nil:
		return nil, listapi.BadRequest("values is required: a list")
	}
	return []any{v}, nil
}

// apiCheckText refuses a NUL anywhere in a client's value: PostgreSQL cannot
// store one in text, and a name with one could never be typed again.
func apiCheckText(path string, v any) error {
	switch x := v.(type) {
	case string:
		if strings.ContainsRune(x, 0) {
			return listapi.BadRequest("%s may not contain a NUL character", path)
		}
	case map[string]any:
		for k, e := range x {
			if strings.ContainsRune(k, 0) {
				return listapi.BadRequest("%s has a key with a NUL character", path)
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
		return listapi.BadRequest("%s must not be empty", field)
	case len(name) > apiMaxNameLen:
		return listapi.BadRequest("%s must be at most %d bytes, got %d", field, apiMaxNameLen, len(name))
	case name == "." || name == "..":
		return listapi.BadRequest("%s must not be %q", field, name)
	case !utf8.ValidString(name):
		return listapi.BadRequest("%s must be valid UTF-8", field)
	}
	for _, r := range name {
		if unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(`/\:?#%*"'`, r) {
			return listapi.BadRequest("%s %.64q: %q is not allowed in a name", field, name, r)
		}
	}
	return nil
}

// apiStringList reads a list of strings; null is nil.
func apiStringList(field string, v any) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, listapi.BadRequest("%s must be a list of strings, got %s", field, listapi.Show(v))
	}
	out := make([]string, len(list))
	for i, e := range list {
		s, ok := e.(string)
		if !ok {
			return nil, listapi.BadRequest("%s[%d] must be a string, got %.64s", field, i, listapi.Show(e))
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
					return "", listapi.BadRequest("%s must be a string, got %.64s", k, listapi.Show(v))
				}
				return s, apiCheckName(field, s)
			}
		}
	}
	return "", listapi.BadRequest("%s is required (%s)", field, strings.Join(keys, " or "))
}

// apiRole returns the role an association path names: the admin of
// /roles/admin/resources.
func apiRole(ac *resourcer.ActionContext) (string, error) {
	role := ac.SourceID
	if role == "" {
		return "", listapi.BadRequest("the role is required: address %s as /%s/<role>/%s", ac.ResourceName, ResourceRoles, ac.ResourceName[strings.IndexByte(ac.ResourceName, '.')+1:])
	}
	return role, apiCheckName("role", role)
}

// apiUID is a name as NocoBase's uid fields make one: prefix and 11
// random lowercase letters and digits.
func apiUID(prefix string) string {
	return prefix + strings.ToLower(rand.Text()[:11])
}
