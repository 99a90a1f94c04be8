package resourcer

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
)

// Response is what a HandlerFunc may return for full control of the reply:
// NocoBase's {"data": ..., "meta": ...} with a status (200 when zero).
type Response struct {
	Status int
	Data   any
	Meta   map[string]any
}

// HandlerFunc adapts the usual shape of an action handler to http.Handler:
// it reads the request's ActionContext and returns data, which is written
// as {"data": data} (a *Response sets meta and status), or an error, which
// is written as {"errors":[{"message": ...}]} with its status.
type HandlerFunc func(r *http.Request, ac *ActionContext) (any, error)

// ServeHTTP runs f for the request's action.
func (f HandlerFunc) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ac, ok := ActionFrom(r.Context())
	if !ok {
		WriteError(w, r, notFound("no action for this request"))
		return
	}
	data, err := f(r, ac)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	if resp, ok := data.(*Response); ok {
		WriteData(w, resp.Status, resp.Data, resp.Meta)
		return
	}
	WriteData(w, http.StatusOK, data, nil)
}

// WriteData writes NocoBase's success shape: {"data": data} plus "meta"
// when meta is not nil.
func WriteData(w http.ResponseWriter, status int, data any, meta map[string]any) {
	if status == 0 {
		status = http.StatusOK
	}
	raw, err := dataBody(data, meta)
	if err != nil {
		status, raw = http.StatusInternalServerError, errorBody("Internal server error")
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(raw)
}

// WriteError writes NocoBase's error shape, {"errors":[{"message": ...}]},
// with the error's status (see StatusError). Server errors (500) are
// logged and their details kept from the client. An error from a request
// its client cancelled is no server error: it answers 499 and is logged at
// debug level.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := statusOf(err)
	if r.Context().Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		status, msg = StatusClientClosedRequest, "Request cancelled"
	}
	logger := slog.Default()
	if ac, ok := ActionFrom(r.Context()); ok && ac.logger != nil {
		logger = ac.logger
	}
	switch {
	case status == StatusClientClosedRequest:
		logger.DebugContext(r.Context(), "resourcer: request cancelled", "method", r.Method, "path", r.URL.Path, "error", err)
	case status >= 500:
		logger.ErrorContext(r.Context(), "resourcer: action failed", "method", r.Method, "path", r.URL.Path, "error", err)
	}
	var se *StatusError
	if errors.As(err, &se) {
		for k, v := range se.Header {
			w.Header()[k] = v
		}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(errorBody(msg))
}

// dataBody is {"data": data, "meta": meta} as json.Marshal writes it, meta
// left out when empty (omitempty), encoded by appendJSON.
func dataBody(data any, meta map[string]any) ([]byte, error) {
	raw, err := appendJSON(append(make([]byte, 0, 4096), `{"data":`...), data, 0)
	if err != nil {
		return nil, err
	}
	if len(meta) > 0 {
		if raw, err = appendJSON(append(raw, `,"meta":`...), meta, 0); err != nil {
			return nil, err
		}
	}
	return append(raw, '}'), nil
}

func errorBody(msg string) []byte {
	raw, _ := json.Marshal(map[string]any{"errors": []map[string]string{{"message": msg}}})
	return raw
}

// PageMeta is NocoBase's list meta: {count, page, pageSize, totalPage}.
func PageMeta(count int64, page, pageSize int) map[string]any {
	totalPage := int64(0)
	if pageSize > 0 {
		totalPage = (count + int64(pageSize) - 1) / int64(pageSize)
	}
	return map[string]any{"count": count, "page": page, "pageSize": pageSize, "totalPage": totalPage}
}
