package scim

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
)

// readBody reads a request body of the SCIM or plain JSON media type (RFC
// 7644 §3.1 says clients send application/scim+json; many send
// application/json, and some none), at most Options.MaxPayloadBytes of it.
func (h *handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != MediaType && mt != "application/json") {
			return nil, newError(http.StatusUnsupportedMediaType, "", "Content-Type %q: want %s or application/json", ct, MediaType)
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.opts.MaxPayloadBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		// RFC 7644 §3.7.4 answers a body over maxPayloadSize 413 with no
		// scimType.
		return nil, newError(http.StatusRequestEntityTooLarge, "", "the request body is over %d bytes", tooLarge.Limit)
	case err != nil:
		return nil, newError(http.StatusBadRequest, ScimTypeInvalidSyntax, "read the request body: %v", err)
	}
	return body, nil
}

// decodeObject decodes a body that must be one JSON object, numbers kept
// as json.Number.
func decodeObject(body []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, newError(http.StatusBadRequest, ScimTypeInvalidSyntax, "the body is not valid JSON: %v", err)
	}
	if dec.More() {
		return nil, newError(http.StatusBadRequest, ScimTypeInvalidSyntax, "the body has data after its JSON object")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, newError(http.StatusBadRequest, ScimTypeInvalidSyntax, "the body must be a JSON object, got %s", jsonval.TypeName(v))
	}
	return obj, nil
}
