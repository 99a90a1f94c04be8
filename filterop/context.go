package filterop

import "context"

type ctxKey int

const (
	variablesKey ctxKey = iota
	timezoneKey
	fieldGuardKey
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

// FieldGuard decides whether a filter may name a field or an association.
// s is the schema the name is resolved in: the model's, or an association
// target's for the later segments of a path ("createdBy.email" asks for
// createdBy on the model's schema, then for email on the users schema).
// name is the field's Key (its JSON name) or the association's Name, the
// names a response uses, whichever of its names the filter wrote; the
// guard may look it up with s.Field or s.Relation. A non-nil error refuses
// the filter.
type FieldGuard func(s *Schema, name string) error

// WithFieldGuard returns a context whose filters are checked with g: every
// field and association a filter names, at any depth, in dotted keys
// ("createdBy.email", "title.$ne") and nested association filters alike,
// is passed to g before it reaches SQL, and a refusal aborts compiling
// with an *Error of kind ErrFieldNotAllowed whose Path names the filter
// key. A permission layer uses it so that a filter cannot test columns
// the caller may not read. The error's text is the one a name the model
// does not have gets at that path ("filter: createdBy.email: users has no
// field email"), so that a response never tells an unreadable column from
// a missing one; errors.Is finds ErrFieldNotAllowed and g's own error.
func WithFieldGuard(ctx context.Context, g FieldGuard) context.Context {
	return context.WithValue(ctx, fieldGuardKey, g)
}

// FieldGuardFrom returns the guard set with WithFieldGuard.
func FieldGuardFrom(ctx context.Context) (FieldGuard, bool) {
	g, ok := ctx.Value(fieldGuardKey).(FieldGuard)
	return g, ok && g != nil
}
