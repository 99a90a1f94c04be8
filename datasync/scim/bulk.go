package scim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

// The schemas of a bulk request and its answer (RFC 7644 §3.7).
const (
	BulkRequestURN  = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
	BulkResponseURN = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
)

// bulkIDPrefix marks a reference to a resource an earlier operation of
// the same request created: "bulkId:qwerty" in a path or a value stands
// for its id (RFC 7644 §3.7.2).
const bulkIDPrefix = "bulkId:"

// bulkRequest is a /Bulk body. FailOnErrors stops the request after that
// many failed operations (0: never).
type bulkRequest struct {
	Schemas      []string `json:"schemas"`
	FailOnErrors int      `json:"failOnErrors"`
	Operations   []bulkOp `json:"Operations"`
}

// bulkOp is one operation: Version, when set, is its If-Match.
type bulkOp struct {
	Method  string          `json:"method"`
	BulkID  string          `json:"bulkId"`
	Version string          `json:"version"`
	Path    string          `json:"path"`
	Data    json.RawMessage `json:"data"`
}

// bulkResult is the answer to one operation: status as a string, as in
// errors; response holds the error of a failed one.
type bulkResult struct {
	Location string `json:"location,omitempty"`
	Method   string `json:"method"`
	BulkID   string `json:"bulkId,omitempty"`
	Version  string `json:"version,omitempty"`
	Status   string `json:"status"`
	Response *Error `json:"response,omitempty"`
}

// bulk is POST /Bulk. Every operation runs in one datasync edit, so the
// request is one transaction; each operation runs inside a savepoint, so
// that a failed one leaves nothing behind while the others stand (the
// RFC's semantics: operations are not rolled back for another's error).
// More operations than MaxBulkOperations, or a body over
// MaxPayloadBytes, is 413, as §3.7.4 has it.
func (h *handler) bulk(w http.ResponseWriter, r *http.Request, _ string) error {
	body, err := h.readBody(w, r)
	if err != nil {
		return err
	}
	var req bulkRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return newError(http.StatusBadRequest, ScimTypeInvalidSyntax, "the bulk request is not valid: %v", err)
	}
	if !slices.Contains(req.Schemas, BulkRequestURN) {
		return newError(http.StatusBadRequest, ScimTypeInvalidSyntax, "schemas must hold %s", BulkRequestURN)
	}
	if n := len(req.Operations); n > h.opts.MaxBulkOperations {
		return newError(http.StatusRequestEntityTooLarge, "", "the bulk request holds %d operations, more than maxOperations (%d)", n, h.opts.MaxBulkOperations)
	}
	base := h.baseURL(r)
	results := []bulkResult{}
	err = h.m.Edit(r.Context(), h.source, func(ctx context.Context, e *datasync.Editor) error {
		ids := map[string]string{} // bulkId → the id its POST made
		failed := 0
		for _, op := range req.Operations {
			if req.FailOnErrors > 0 && failed >= req.FailOnErrors {
				break
			}
			res, err := h.bulkOne(ctx, e, op, ids, base)
			var se *Error
			switch {
			case errors.As(err, &se):
				failed++
				res.Status, res.Response = strconv.Itoa(se.Status), se
			case err != nil:
				return err
			}
			results = append(results, res)
		}
		return nil
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"schemas": []string{BulkResponseURN}, "Operations": results})
	return nil
}

// bulkOne runs one operation inside a savepoint of the edit's transaction.
func (h *handler) bulkOne(ctx context.Context, e *datasync.Editor, op bulkOp, ids map[string]string, base string) (bulkResult, error) {
	res := bulkResult{Method: strings.ToUpper(op.Method), BulkID: op.BulkID}
	fn, rt, req, err := h.bulkWrite(op, ids, base)
	if err != nil {
		return res, err
	}
	if _, err := e.DB().ExecContext(ctx, "SAVEPOINT scim_bulk"); err != nil {
		return res, err
	}
	out, err := fn(ctx, e, req)
	if err != nil {
		if _, rbErr := e.DB().ExecContext(ctx, "ROLLBACK TO SAVEPOINT scim_bulk"); rbErr != nil {
			return res, rbErr
		}
		return res, err
	}
	if _, err := e.DB().ExecContext(ctx, "RELEASE SAVEPOINT scim_bulk"); err != nil {
		return res, err
	}
	id := req.id
	if res.Method == http.MethodPost {
		id, _ = out.res.res["id"].(string)
		ids[op.BulkID] = id
	}
	res.Status, res.Version = strconv.Itoa(out.status), out.res.version
	res.Location = base + rt.Endpoint + "/" + id
	return res, nil
}

// bulkWrite finds an operation's write and builds its request, bulkId
// references resolved.
func (h *handler) bulkWrite(op bulkOp, ids map[string]string, base string) (writeOp, *ResourceType, writeReq, error) {
	method := strings.ToUpper(op.Method)
	path, err := resolveBulkIDs(op.Path, ids)
	if err != nil {
		return nil, nil, writeReq{}, err
	}
	rt, ok := parseRoute(path.(string))
	fn := h.writes[routeKey{rt.endpoint, rt.id != "", method}]
	if !ok || fn == nil {
		return nil, nil, writeReq{}, newError(http.StatusBadRequest, ScimTypeInvalidPath, "%s %s is not an operation /Bulk can run", method, op.Path)
	}
	if method == http.MethodPost && op.BulkID == "" {
		return nil, nil, writeReq{}, newError(http.StatusBadRequest, ScimTypeInvalidSyntax, "a POST operation needs a bulkId")
	}
	req := writeReq{id: rt.id, ifMatch: op.Version, base: base}
	if len(op.Data) > 0 && method != http.MethodDelete {
		data, err := decodeAny(op.Data)
		if err != nil {
			return nil, nil, writeReq{}, err
		}
		if data, err = resolveBulkIDs(data, ids); err != nil {
			return nil, nil, writeReq{}, err
		}
		// A value decoded from JSON always encodes again.
		req.body, _ = json.Marshal(data)
	}
	return fn, writtenType(rt.endpoint), req, nil
}

// decodeAny decodes an operation's data, numbers kept as json.Number.
func decodeAny(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, newError(http.StatusBadRequest, ScimTypeInvalidSyntax, "data is not valid JSON: %v", err)
	}
	return v, nil
}

// resolveBulkIDs replaces every "bulkId:X" in v (a path, or a value at
// any depth) by the id the operation with bulkId X created; a reference
// to an operation that has not run (or failed) is a 400 invalidValue.
func resolveBulkIDs(v any, ids map[string]string) (any, error) {
	switch x := v.(type) {
	case string:
		return resolveBulkString(x, ids)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			var err error
			if out[i], err = resolveBulkIDs(e, ids); err != nil {
				return nil, err
			}
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			var err error
			if out[k], err = resolveBulkIDs(e, ids); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return v, nil
}

// resolveBulkString resolves a value that is a reference, or a path whose
// last segment is one ("/Groups/bulkId:qwerty").
func resolveBulkString(s string, ids map[string]string) (any, error) {
	head, last := "", s
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		head, last = s[:i+1], s[i+1:]
	}
	ref, ok := strings.CutPrefix(last, bulkIDPrefix)
	if !ok {
		return s, nil
	}
	id, ok := ids[ref]
	if !ok {
		return nil, newError(http.StatusBadRequest, ScimTypeInvalidValue, "bulkId %q names no resource an earlier operation of this request created", ref)
	}
	return head + id, nil
}
