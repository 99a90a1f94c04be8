package listapi

import "github.com/gatehouse-dev/gatehouse/resourcer"

// StringValue reads a string field of a request's values; field is its
// path as the client should see it ("values.name").
func StringValue(field string, v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", BadRequest("%s must be a string, got %.64s", field, Show(v))
	}
	return s, nil
}

// BoolValue reads a boolean field of a request's values. Only JSON's true
// and false are booleans: "true" is a typo a client should hear about.
func BoolValue(field string, v any) (bool, error) {
	b, ok := v.(bool)
	if !ok {
		return false, BadRequest("%s must be true or false, got %.64s", field, Show(v))
	}
	return b, nil
}

// WholeNumberValue reads a whole-number field of a request's values, as
// [resourcer.WholeNumber] reads one (so 3, 3.0 and "3" are all 3).
func WholeNumberValue(field string, v any) (int64, error) {
	n, ok := resourcer.WholeNumber(v)
	if !ok {
		return 0, BadRequest("%s must be a whole number, got %.64s", field, Show(v))
	}
	return n, nil
}
