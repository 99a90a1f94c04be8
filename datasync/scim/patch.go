package scim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
)

// PatchOpURN is the schema of a PATCH request body (RFC 7644 §3.5.2).
const PatchOpURN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

// maxPatchOps bounds one PATCH. RFC 7644 sets no limit and names no
// scimType for one (tooMany is about filters yielding too many results,
// 413 about /Bulk), so going over it is a 400 invalidValue.
const maxPatchOps = 10000

// The PATCH operations, lower-cased.
const (
	opAdd     = "add"
	opReplace = "replace"
	opRemove  = "remove"
)

// PatchOp is one operation of a PATCH request: Op is "add", "replace" or
// "remove" (ParsePatch lower-cases it: Entra sends "Replace"), Path the
// target ("" for the resource itself), Value the decoded JSON value with
// numbers as json.Number.
type PatchOp struct {
	Op    string
	Path  string
	Value any
}

// ParsePatch decodes a PatchOp request body. Its "schemas" must hold
// [PatchOpURN]; a malformed body or an unknown op is a 400 invalidSyntax,
// no operations, more than 10,000, or an add or replace without a value
// a 400 invalidValue.
func ParsePatch(body []byte) ([]PatchOp, error) {
	var req struct {
		Schemas    []string `json:"schemas"`
		Operations []struct {
			Op    string          `json:"op"`
			Path  string          `json:"path"`
			Value json.RawMessage `json:"value"`
		} `json:"Operations"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&req); err != nil {
		return nil, newError(http.StatusBadRequest, ScimTypeInvalidSyntax, "PATCH body is not a PatchOp: %v", err)
	}
	if dec.Decode(&struct{}{}) != io.EOF {
		return nil, newError(http.StatusBadRequest, ScimTypeInvalidSyntax, "PATCH body has data after its JSON object")
	}
	if !slices.ContainsFunc(req.Schemas, func(s string) bool { return strings.EqualFold(s, PatchOpURN) }) {
		return nil, newError(http.StatusBadRequest, ScimTypeInvalidSyntax, "PATCH body: schemas must contain %s", PatchOpURN)
	}
	if n := len(req.Operations); n == 0 || n > maxPatchOps {
		return nil, newError(http.StatusBadRequest, ScimTypeInvalidValue, "PATCH body: Operations must hold 1 to %d operations, not %d", maxPatchOps, n)
	}
	ops := make([]PatchOp, len(req.Operations))
	for i, o := range req.Operations {
		op := strings.ToLower(o.Op)
		if op != opAdd && op != opReplace && op != opRemove {
			return nil, newError(http.StatusBadRequest, ScimTypeInvalidSyntax, "Operations[%d].op %q: must be add, replace or remove", i, o.Op)
		}
		if len(o.Value) == 0 && op != opRemove {
			return nil, newError(http.StatusBadRequest, ScimTypeInvalidValue, "Operations[%d]: %s needs a value", i, op)
		}
		ops[i] = PatchOp{Op: op, Path: o.Path}
		if len(o.Value) > 0 {
			vd := json.NewDecoder(bytes.NewReader(o.Value))
			vd.UseNumber()
			_ = vd.Decode(&ops[i].Value) // o.Value is valid JSON: the body decoded
		}
	}
	return ops, nil
}

// ApplyPatch applies ops in order to a copy of res (stored form) and
// returns the copy; res is left untouched and nothing is applied unless
// every operation succeeds. A password set by the patch comes back apart,
// as stored forms never hold one.
//
// The semantics are RFC 7644 §3.5.2's, with what Okta and Entra send:
//   - no path: value is an object whose keys are paths of their own,
//     plain ("active"), dotted ("name.givenName", Entra), URN-qualified
//     ("urn:…:enterprise:2.0:User:department"), or an extension URN
//     holding an object of its attributes;
//   - add to a multi-valued attribute appends what is not there yet
//     (members by value, other values when identical); replace of one
//     without a filter replaces the whole list; add or replace of a
//     complex attribute merges its sub-attributes;
//   - a value added with "primary": true makes the attribute's other
//     values non-primary (RFC 7643 §2.4);
//   - a filter that matches nothing is 400 noTarget for replace; for add,
//     when the filter is made of eq terms (emails[type eq "work"].value,
//     as Entra sends for a user without a work address), a value built
//     from them is appended, else noTarget; for remove it is no change,
//     so that removing a member twice (a retried request) succeeds;
//   - remove with a value on a multi-valued attribute removes just those
//     values (Entra removes members as path "members", value
//     [{"value": id}]);
//   - a null value: add does nothing, replace unassigns (RFC 7643 §2.5);
//   - readOnly targets are 400 mutability, except a readOnly attribute
//     set to the value it has (Okta sends "id" back in replace); immutable
//     ones may only be set where unset; no path on remove is 400 noTarget.
func ApplyPatch(rt *ResourceType, res map[string]any, ops []PatchOp) (out map[string]any, password string, err error) {
	if len(ops) > maxPatchOps {
		return nil, "", newError(http.StatusBadRequest, ScimTypeInvalidValue, "PATCH holds %d operations, more than %d", len(ops), maxPatchOps)
	}
	pa := &patcher{rt: rt, res: jsonval.Clone(res).(map[string]any)}
	for i, op := range ops {
		if err := pa.apply(op); err != nil {
			var se *Error
			if errors.As(err, &se) {
				se.Detail = fmt.Sprintf("Operations[%d]: %s", i, se.Detail)
			}
			return nil, "", err
		}
	}
	if err := pa.finish(); err != nil {
		return nil, "", err
	}
	return pa.res, pa.password, nil
}

// patcher holds the copy being patched.
type patcher struct {
	rt       *ResourceType
	res      map[string]any
	password string
}

func (pa *patcher) apply(op PatchOp) error {
	name := strings.ToLower(op.Op)
	switch name {
	case opAdd, opReplace, opRemove:
	default:
		return newError(http.StatusBadRequest, ScimTypeInvalidSyntax, "op %q: must be add, replace or remove", op.Op)
	}
	if op.Path == "" {
		if name == opRemove {
			return newError(http.StatusBadRequest, ScimTypeNoTarget, "remove needs a path")
		}
		return pa.applyObject(name, "", op.Value)
	}
	if ext := pa.rt.extension(op.Path); ext != nil {
		if name == opRemove {
			delete(pa.res, ext.ID)
			return nil
		}
		return pa.applyObject(name, ext.ID, op.Value)
	}
	t, err := pa.target(op.Path)
	if err != nil {
		return err
	}
	return pa.applyTarget(name, t, op.Value)
}

// applyObject applies op to each key of v, an object of attributes: the
// resource's own (urn "") or those of the extension urn. Keys are taken in
// sorted order so that a value naming both "name" and "name.givenName"
// always gives the same result.
func (pa *patcher) applyObject(op, urn string, v any) error {
	obj, ok := v.(map[string]any)
	if !ok {
		return newError(http.StatusBadRequest, ScimTypeInvalidValue, "%s without a path needs an object of attributes as value", op)
	}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		if urn == "" && strings.EqualFold(k, "schemas") {
			continue // derived from the attributes present: see finish
		}
		if ext := pa.rt.extension(k); urn == "" && ext != nil {
			if err := pa.applyObject(op, ext.ID, obj[k]); err != nil {
				return err
			}
			continue
		}
		path := k
		if urn != "" {
			path = urn + ":" + k
		}
		t, err := pa.target(path)
		if err != nil {
			return err
		}
		if err := pa.applyTarget(op, t, obj[k]); err != nil {
			return err
		}
	}
	return nil
}

func (pa *patcher) applyTarget(op string, t *patchTarget, v any) error {
	if v == nil && op == opAdd {
		return nil
	}
	if v == nil {
		op = opRemove
	}
	if t.path.URN == "" && t.path.Attr.Name == "password" {
		return pa.setPassword(op, t, v)
	}
	if err := pa.checkReadOnly(op, t, v); err != nil || t.skip {
		return err
	}
	switch {
	case t.filter != nil:
		return pa.applyFiltered(op, t, v)
	case t.path.Sub != nil:
		return pa.applySub(op, t, v)
	}
	return pa.applyAttr(op, t, v)
}

func (pa *patcher) setPassword(op string, t *patchTarget, v any) error {
	if op == opRemove || t.path.Sub != nil || t.filter != nil {
		return newError(http.StatusBadRequest, ScimTypeMutability, "password can only be set")
	}
	nv, err := pa.normalize(t.path, v)
	if err != nil {
		return err
	}
	pa.password, _ = nv.(string)
	return nil
}

// checkReadOnly refuses to change a readOnly attribute. Setting one to
// the value it already has is let through as no change (t.skip), because
// Okta sends a group's "id" back in its replace operations.
func (pa *patcher) checkReadOnly(op string, t *patchTarget, v any) error {
	if t.path.Attr.Mutability != mutReadOnly && (t.path.Sub == nil || t.path.Sub.Mutability != mutReadOnly) {
		return nil
	}
	if op != opRemove && t.filter == nil && equalJSON(t.path.Get(pa.res), v) {
		t.skip = true
		return nil
	}
	return newError(http.StatusBadRequest, ScimTypeMutability, "%s is readOnly", t.text)
}

// finish drops extensions left empty, rewrites "schemas" to the schemas
// the resource now carries (RFC 7643 §3: it lists the extensions present)
// and checks the required attributes are still there.
func (pa *patcher) finish() error {
	for _, ext := range pa.rt.Extensions {
		if m, ok := pa.res[ext.ID].(map[string]any); ok && len(m) == 0 {
			delete(pa.res, ext.ID)
		}
	}
	pa.res["schemas"] = presentSchemas(pa.rt, pa.res)
	return checkRequired("", pa.rt.Schema.Attributes, pa.res)
}

// normalize checks a value for p with [NormalizeValue]. A value for a
// multi-valued attribute is taken as a list even when sent bare: RFC 7644
// §3.5.2.1 lets add carry one value, which is then added, not set.
func (pa *patcher) normalize(p ResolvedPath, v any) (any, error) {
	if _, ok := v.([]any); !ok && p.Sub == nil && p.Attr.MultiValued {
		v = []any{v}
	}
	return NormalizeValue(p, v)
}

// normalizeElem checks one element of the multi-valued complex p.Attr;
// nil for an empty one.
func (pa *patcher) normalizeElem(p ResolvedPath, v any) (map[string]any, error) {
	nv, err := NormalizeValue(ResolvedPath{URN: p.URN, Attr: p.Attr}, v)
	if err != nil {
		return nil, err
	}
	m, ok := nv.(map[string]any)
	if !ok && nv != nil {
		return nil, newError(http.StatusBadRequest, ScimTypeInvalidValue, "%s: want one object, got %s", p.Attr.Name, describe(v, false))
	}
	return m, nil
}
