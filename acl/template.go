package acl

import (
	"context"
	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
	"regexp"
	"strconv"
	"strings"
)

// templatePattern matches a value that is one whole {{ ... }} template.
var templatePattern = regexp.MustCompile(`^\s*\{\{([\s\S]*)\}\}\s*$`)

// dateOperators get the request's time zone appended to their values.
var dateOperators = map[string]bool{
	"$dateOn": true, "$dateNotOn": true, "$dateBefore": true, "$dateAfter": true,
	"$dateNotBefore": true, "$dateNotAfter": true, "$dateBetween": true,
}

// templateVars are the values a filter template can name.
type templateVars struct {
	state map[string]any // ctx.state: currentUser, currentRole, currentRoles
	user  map[string]any // $user
	role  string         // $nRole
}

// varsFrom reads the request's template variables; record is the current
// user's record (the id alone when no template needs more).
func varsFrom(ctx context.Context, record map[string]any) templateVars {
	s := stateFrom(ctx)
	state := map[string]any{}
	if s.role != "" {
		state["currentRole"] = s.role
	}
	if s.rolesSet {
		roles := make([]any, len(s.roles))
		for i, r := range s.roles {
			roles[i] = r
		}
		state["currentRoles"] = roles
	}
	var user map[string]any
	if s.userSet {
		if u, err := jsonval.NormalizeMap(record); err == nil {
			user = u
			state["currentUser"] = u
		}
	}
	return templateVars{state: state, user: user, role: s.role}
}

// fillTemplates is NocoBase's parseJsonTemplate on a filter: whole-string
// {{ path }} values are replaced by what the path names (null when it names
// nothing), dotted keys become nested objects, and date operator values get
// the time zone.
func fillTemplates(filter any, vars templateVars, timezone string) any {
	if !jsonval.Truthy(filter) {
		return filter
	}
	var flat []flatEntry
	flattenFilter(filter, "", &flat)
	out := map[string]any{}
	for _, e := range flat {
		if v, defined := transformValue(e.value, e.path, vars, timezone); defined {
			setPath(out, e.path, v)
		}
	}
	return resolveArrays(out)
}

type flatEntry struct {
	path  string
	value any
}

// flattenFilter walks objects and arrays into dotted paths, stopping at
// operator keys ($in, $eq, ...) other than $and and $or, and at empty
// objects and arrays.
func flattenFilter(v any, prefix string, out *[]flatEntry) {
	visit := func(key string, value any) {
		path := key
		if prefix != "" {
			path = prefix + "." + key
		}
		if strings.HasPrefix(key, "$") && key != "$and" && key != "$or" {
			*out = append(*out, flatEntry{path, value})
			return
		}
		switch x := value.(type) {
		case map[string]any:
			if len(x) > 0 {
				flattenFilter(x, path, out)
				return
			}
		case []any:
			if len(x) > 0 {
				flattenFilter(x, path, out)
				return
			}
		}
		*out = append(*out, flatEntry{path, value})
	}
	switch x := v.(type) {
	case map[string]any:
		for _, k := range jsonval.SortedKeys(x) {
			visit(k, x[k])
		}
	case []any:
		for i, e := range x {
			visit(strconv.Itoa(i), e)
		}
	}
}

// setPath is lodash's set: missing containers are created as arrays when
// the next key is an index, as objects otherwise.
func setPath(root map[string]any, path string, value any) {
	keys := strings.Split(path, ".")
	var cur any = root
	for i, k := range keys {
		last := i == len(keys)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				c[k] = value
				return
			}
			next, ok := c[k]
			if !isContainer(next) || !ok {
				next = newContainer(keys[i+1])
				c[k] = next
			}
			cur = next
		case *[]any:
			idx, _ := strconv.Atoi(k)
			for len(*c) <= idx {
				*c = append(*c, nil)
			}
			if last {
				(*c)[idx] = value
				return
			}
			next := (*c)[idx]
			if !isContainer(next) {
				next = newContainer(keys[i+1])
				(*c)[idx] = next
			}
			cur = next
		}
	}
}

// Arrays are built through pointers while paths are set, then resolved.
func isContainer(v any) bool {
	switch v.(type) {
	case map[string]any, *[]any:
		return true
	}
	return false
}

func newContainer(nextKey string) any {
	if _, err := strconv.Atoi(nextKey); err == nil && !strings.HasPrefix(nextKey, "-") {
		return &[]any{}
	}
	return map[string]any{}
}

// resolveArrays replaces the *[]any placeholders setPath used.
func resolveArrays(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = resolveArrays(e)
		}
		return x
	case *[]any:
		for i, e := range *x {
			(*x)[i] = resolveArrays(e)
		}
		return *x
	}
	return v
}

// transformValue fills one flattened value; defined is false for
// JavaScript's undefined, which drops the key.
func transformValue(value any, path string, vars templateVars, timezone string) (any, bool) {
	operator := path[strings.LastIndexByte(path, '.')+1:]
	if !strings.HasPrefix(operator, "$") {
		operator = ""
	}
	if s, ok := value.(string); ok {
		if m := templatePattern.FindStringSubmatch(s); m != nil {
			key := strings.TrimSpace(m[1])
			if key == "$nRole" {
				// a function variable: it returns the current role, or undefined
				if vars.role == "" {
					return nil, false
				}
				value = vars.role
			} else {
				value = lookupVar(vars, key)
			}
		}
	}
	if dateOperators[operator] {
		return withTimezone(value, timezone), true
	}
	return value, true
}

func lookupVar(vars templateVars, key string) any {
	root := map[string]any{"ctx": map[string]any{"state": vars.state}}
	if vars.user != nil {
		root["$user"] = vars.user
	}
	return valuesByPath(root, key)
}

// valuesByPath is NocoBase's getValuesByPath: a path through arrays
// collects from every element; a path to nothing is null.
func valuesByPath(v any, path string) any {
	keys := strings.Split(path, ".")
	var results []any
	fromArray := false
	cur := v
	for i, k := range keys {
		if arr, ok := cur.([]any); ok {
			fromArray = true
			rest := strings.Join(keys[i:], ".")
			for _, e := range arr {
				r := valuesByPath(e, rest)
				if l, ok := r.([]any); ok {
					results = append(results, l...)
				} else {
					results = append(results, r)
				}
			}
			break
		}
		m, ok := cur.(map[string]any)
		if !ok {
			break
		}
		next, ok := m[k]
		if !ok {
			break
		}
		cur = next
		if i == len(keys)-1 {
			results = append(results, cur)
		}
	}
	if len(results) == 0 {
		return nil
	}
	if fromArray {
		out := make([]any, 0, len(results))
		for _, r := range results {
			if r != nil {
				out = append(out, r)
			}
		}
		return out
	}
	return results[0]
}

var timezoneSuffix = regexp.MustCompile(`(\+|-)\d\d:\d\d$`)

func withTimezone(value any, timezone string) any {
	switch x := value.(type) {
	case nil:
		return nil
	case []any:
		out := append([]any(nil), x...)
		switch len(out) {
		case 2:
			out = append(out, "[]", timezoneValue(timezone))
		case 3:
			out = append(out, timezoneValue(timezone))
		}
		return out
	case string:
		if x == "" {
			return nil
		}
		if timezone == "" || timezoneSuffix.MatchString(x) {
			return x
		}
		return x + timezone
	}
	if !jsonval.Truthy(value) {
		return nil
	}
	return value
}

func timezoneValue(tz string) any {
	if tz == "" {
		return nil
	}
	return tz
}
