package datasync

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
)

// DefaultMaxPushBody is the largest push body [Manager.PushHandler]
// accepts unless told otherwise: 32 MiB.
const DefaultMaxPushBody = 32 << 20

// statusClientClosedRequest answers a push whose client went away before
// the answer was ready (nginx's 499): nobody reads it, and it is no server
// error.
const statusClientClosedRequest = 499

// maxFailuresShown bounds the failed records a 422 answer lists.
const maxFailuresShown = 10

// PushHandlerOptions configure [Manager.PushHandler].
type PushHandlerOptions struct {
	// MaxBodyBytes bounds a request body (DefaultMaxPushBody when 0 or
	// less); a larger one is answered 413.
	MaxBodyBytes int64
}

// PushHandler serves NocoBase's POST /api/userData:push (the host mounts
// it at that path, behind its authentication and ACL). The body is
// {dataType, matchKey?, records, sourceName?}, pushed through
// [Manager.Push]; the answer is NocoBase's body under its "data" wrapper:
//
//	{"data":{"code":0,"message":"success","result":[SyncResult...]}}
//
// Errors answer {"data":{"code":<status>,"message":"..."}} with that HTTP
// status: 400 for malformed JSON (with the offset), a body that is not
// NocoBase's shape (unknown keys included: the body is read strictly), and
// the reference's validation messages, where NocoBase answers 500; 405 for
// a method other than POST, 413 for a body over the limit, 415 for a
// Content-Type other than JSON, 422 with the first failed records when
// records cannot be applied, 499 when the client went away, and 500 with a
// generic message (the error is logged) for anything else.
func (m *Manager) PushHandler(opts PushHandlerOptions) http.Handler {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxPushBody
	}
	return &pushHandler{m: m, maxBody: opts.MaxBodyBytes}
}

type pushHandler struct {
	m       *Manager
	maxBody int64
}

// requestError is a push request refused before it reaches the manager.
type requestError struct {
	status int
	msg    string
}

func (e *requestError) Error() string { return e.msg }

func (e *requestError) HTTPStatus() int { return e.status }

func badRequest(format string, args ...any) error {
	return &requestError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

// pushReply is NocoBase's push answer (the part under "data").
type pushReply struct {
	Code    int          `json:"code"`
	Message string       `json:"message"`
	Result  []SyncResult `json:"result"`
}

// pushErrorReply is an error answer; a 422 also names the resource and its
// first failed records.
type pushErrorReply struct {
	Code          int            `json:"code"`
	Message       string         `json:"message"`
	Resource      string         `json:"resource,omitempty"`
	FailedRecords []FailedRecord `json:"failedRecords,omitempty"`
}

func (h *pushHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.fail(w, r, &requestError{status: http.StatusMethodNotAllowed, msg: "Method " + r.Method + " is not allowed: use POST"})
		return
	}
	if !isJSONContentType(r.Header.Get("Content-Type")) {
		h.fail(w, r, &requestError{status: http.StatusUnsupportedMediaType, msg: "Content-Type must be application/json"})
		return
	}
	data, err := h.readBody(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	// NocoBase's action asks the resources first, before push validates.
	if data.DataType != "" && !h.m.Supports(data.DataType) {
		h.fail(w, r, badRequest("dataType %.100s is not supported", data.DataType))
		return
	}
	results, err := h.m.Push(r.Context(), data)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if results == nil {
		results = []SyncResult{}
	}
	h.write(w, r, http.StatusOK, pushReply{Code: 0, Message: "success", Result: results})
}

func isJSONContentType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

func (h *pushHandler) readBody(w http.ResponseWriter, r *http.Request) (UserData, error) {
	tooLarge := &requestError{status: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("body exceeds %d bytes", h.maxBody)}
	if r.ContentLength > h.maxBody {
		return UserData{}, tooLarge
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return UserData{}, tooLarge
	case err != nil:
		return UserData{}, fmt.Errorf("datasync: read the push body: %w", err)
	}
	return decodePushBody(raw)
}

// decodePushBody reads a push body strictly: one JSON object with only
// NocoBase's keys, numbers as json.Number, records a list of objects.
// Missing or empty values are left to Push, which answers them with
// NocoBase's messages.
func decodePushBody(raw []byte) (UserData, error) {
	var data UserData
	obj, err := decodeObject(raw)
	if err != nil {
		return data, err
	}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		switch k {
		case "dataType", "matchKey", "sourceName", "records":
		default:
			return data, badRequest("body: unknown field %.64q: want dataType, matchKey, records and sourceName", k)
		}
	}
	dataType, err := optionalString(obj, "dataType")
	if err != nil {
		return data, err
	}
	data.DataType = DataType(dataType)
	if data.MatchKey, err = optionalString(obj, "matchKey"); err != nil {
		return data, err
	}
	if data.SourceName, err = optionalString(obj, "sourceName"); err != nil {
		return data, err
	}
	data.Records, err = decodeRecords(obj["records"])
	return data, err
}

func decodeObject(raw []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, jsonError(err, len(raw))
	}
	if rest := bytes.TrimLeft(raw[dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
		return nil, badRequest("body is not valid JSON: data after the JSON value at offset %d", len(raw)-len(rest))
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, badRequest("body: want a JSON object, got %s", jsonval.TypeName(v))
	}
	return obj, nil
}

func jsonError(err error, size int) error {
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &syntax):
		// Offset counts the bytes read, the offending one included.
		return badRequest("body is not valid JSON at offset %d: %s", max(syntax.Offset-1, 0), syntax.Error())
	case errors.Is(err, io.EOF):
		return badRequest("body is empty: want a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("body is not valid JSON at offset %d: it ends inside its value", size)
	}
	return badRequest("body is not valid JSON: %v", err)
}

// optionalString reads a string field; absent and null are "".
func optionalString(obj map[string]any, key string) (string, error) {
	switch v := obj[key].(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	default:
		return "", badRequest("%s: want a string, got %s", key, jsonval.TypeName(v))
	}
}

// decodeRecords reads "records": absent or null stays nil (Push says it is
// required), a list must hold objects only.
func decodeRecords(v any) ([]Record, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, badRequest("records: want a list of objects, got %s", jsonval.TypeName(v))
	}
	records := make([]Record, len(list))
	for i, e := range list {
		rec, ok := e.(map[string]any)
		if !ok {
			return nil, badRequest("records[%d]: want an object, got %s", i, jsonval.TypeName(e))
		}
		records[i] = rec
	}
	return records, nil
}

// fail answers err with its status: the error's own HTTPStatus() below
// 500, 499 or 503 when the request's context ended, else 500 with a
// generic message and the error logged.
func (h *pushHandler) fail(w http.ResponseWriter, r *http.Request, err error) {
	reply := pushErrorReply{Code: http.StatusInternalServerError, Message: "Internal server error"}
	var (
		withStatus interface{ HTTPStatus() int }
		failed     *FailedError
	)
	switch {
	case errors.Is(r.Context().Err(), context.Canceled):
		reply.Code, reply.Message = statusClientClosedRequest, "Request cancelled"
	case errors.Is(r.Context().Err(), context.DeadlineExceeded):
		reply.Code, reply.Message = http.StatusServiceUnavailable, "The request took too long"
	case errors.As(err, &withStatus) && withStatus.HTTPStatus() < 500:
		reply.Code, reply.Message = withStatus.HTTPStatus(), err.Error()
	}
	if reply.Code == http.StatusUnprocessableEntity && errors.As(err, &failed) {
		reply.Resource = failed.Resource
		reply.FailedRecords = failed.Failures[:min(len(failed.Failures), maxFailuresShown)]
	}
	log := h.m.log
	switch {
	case reply.Code >= 500:
		log.ErrorContext(r.Context(), "datasync: push failed", "status", reply.Code, "error", err)
	case failed != nil:
		// A failure's message may quote the record's values: counts only.
		log.DebugContext(r.Context(), "datasync: push refused", "status", reply.Code, "resource", failed.Resource, "failed", len(failed.Failures))
	default:
		log.DebugContext(r.Context(), "datasync: push refused", "status", reply.Code, "error", err)
	}
	h.write(w, r, reply.Code, reply)
}

// write answers status with {"data": body}.
func (h *pushHandler) write(w http.ResponseWriter, r *http.Request, status int, body any) {
	raw, err := json.Marshal(struct {
		Data any `json:"data"`
	}{body})
	if err != nil {
		h.m.log.ErrorContext(r.Context(), "datasync: encode the push answer", "error", err)
		status = http.StatusInternalServerError
		raw = []byte(`{"data":{"code":500,"message":"Internal server error"}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(raw)
}
