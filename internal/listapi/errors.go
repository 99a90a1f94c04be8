package listapi

import (
	"fmt"
	"net/http"

	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// BadRequest is a 400 whose message is what the client sees: it names the
// field at fault. It is a *resourcer.StatusError, so resourcer answers
// with the message as it is.
func BadRequest(format string, args ...any) error {
	return &resourcer.StatusError{Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

// Show renders a client's value for an error message: its JSON type when
// it is not a scalar, so that no large value is echoed back.
func Show(v any) string {
	switch v.(type) {
	case map[string]any, []any:
		return jsonval.TypeName(v)
	}
	return fmt.Sprintf("%v", v)
}
