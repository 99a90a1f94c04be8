package filterop

import "context"

type ctxKey int

const (
	variablesKey ctxKey = iota
	timezoneKey
)

// Variables resolve the paths of {{ }} templates in filter values, e.g.
// "ctx.state.currentUser.id", "$user.id" or "$nRole"; ok is false for a
// path that names nothing.
type Variables func(path string) (value any, ok bool)

// WithVariables returns a context whose filters resolve templates with v.
// Without it, any template in a filter is an error (ErrUnknownVariable).
func WithVariables(ctx context.Context, v Variables) context.Context {
	return context.WithValue(ctx, variablesKey, v)
}

// WithTimezone returns a context whose date operators read dates in tz, an
// offset such as "+08:00" (NocoBase's X-Timezone header).
func WithTimezone(ctx context.Context, tz string) context.Context {
	return context.WithValue(ctx, timezoneKey, tz)
}

// VariablesFrom returns the variables set with WithVariables, or nil;
// operators that resolve paths themselves ($isVar) use it.
func VariablesFrom(ctx context.Context) Variables {
	v, _ := ctx.Value(variablesKey).(Variables)
	return v
}

func timezoneFrom(ctx context.Context) string {
	tz, _ := ctx.Value(timezoneKey).(string)
	return tz
}
