package users

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/filterop"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// ActionOptions configure the users actions.
type ActionOptions struct {
	// DB runs the queries. Required.
	DB *bun.DB
	// UserModel is the user model when a host extends User (a pointer to a
	// struct embedding users.User with bun:",extend", as given to
	// CreateTables); User by default. Its own columns may then be listed
	// in EditableFields.
	UserModel any
	// Filters compiles listExcludeRole's filter; filterop.Default() when
	// nil. Give the registry resourcer/crud uses, with RegisterOperators,
	// for $isCurrentUser and friends.
	Filters *filterop.Registry
	// EditableFields the profile may change (default nickname, username,
	// email, phone), by JSON name or column. RequiredFields must stay
	// non-empty: a profile update may leave them out, but not empty them.
	// RequiredFields defaults to username, as in NocoBase's profile form;
	// give an empty, non-nil slice to require nothing. Hidden fields (the
	// password) and the primary key cannot be editable, and a required
	// field must be editable; Actions panics otherwise.
	EditableFields, RequiredFields []string
	// EnableEditProfile / EnableChangePassword are the app's system
	// settings (NocoBase's systemSettings.enableEditProfile and
	// enableChangePassword); nil means enabled.
	EnableEditProfile, EnableChangePassword func(ctx context.Context) bool
}

// DefaultEditableFields are the profile fields NocoBase's profile form
// edits.
var DefaultEditableFields = []string{"nickname", "username", "email", "phone"}

// Actions returns resourcer handlers keyed "users:updateProfile",
// "users:updateLang", "users:changePassword", "users:listExcludeRole", for
// rs.RegisterActionHandlers before defining the users resource. Each acts
// for the user in the request's context (WithCurrentUser); the ACL decides
// who may call them (ACLPresets lets any signed-in user update their
// profile and language).
//
// The writing actions (updateProfile, updateLang, changePassword) are
// marked resourcer.StateChanging, so GET and HEAD answer 405, and apply
// the write scope the ACL left in the params as resourcer/crud does: a
// whitelist, a fields list (a second whitelist) and a blacklist.
//
//   - updateProfile writes the editable fields found in params.values to
//     the current user and returns the user. Other keys (roles,
//     systemSettings, password, ...) are ignored, as NocoBase picks the
//     profile form's fields, and so are fields the write scope excludes;
//     filterByTk is ignored too. 401 without a
//     user, 403 "User profile is not allowed to be edited" when the
//     setting is off, 400 naming the field for a value of the wrong type
//     or an emptied required field, 409 when a unique field (username,
//     email, phone) is taken.
//   - updateLang sets the current user's appLang from values.appLang (a
//     string, or null to clear it). 401 without a user, 403 naming appLang
//     when the write scope excludes it.
//   - changePassword takes values {oldPassword, newPassword,
//     confirmPassword}: 401 without a user, 403 "Password is not allowed to
//     be changed" when the setting is off, 403 naming password when the
//     write scope excludes it, 400 when the new password is empty or
//     differs from the confirmation, 400 "The password is
//     incorrect, please re-enter" when the old one does not verify
//     (NocoBase answers 401 there; 400 keeps clients from taking it for an
//     expired session). The new password is written through User's hook,
//     which hashes it, sets passwordChangeTz and calls the database's
//     Invalidator. It returns null.
//   - listExcludeRole lists the users who do not have the role roleName (a
//     name or a list of names; 400 without one) and match params.filter,
//     paginated by page and pageSize (default 20, at most 1000):
//     {"data": users, "meta": {count, page, pageSize, totalPage}}. Unlike
//     NocoBase, which returns whole records, it keeps to the request's
//     data scope: the records hold the fields, except and appends the ACL
//     left in the params, trimmed to what the request may read, never a
//     hidden field, and a filter the client sent may name only readable
//     fields (400 otherwise, as for a field that does not exist).
func Actions(opts ActionOptions) map[string]http.Handler {
	a, err := newActions(opts)
	if err != nil {
		panic(err) // a wiring mistake, found at start-up
	}
	return map[string]http.Handler{
		"users:updateProfile":   resourcer.StateChanging(resourcer.HandlerFunc(a.updateProfile)),
		"users:updateLang":      resourcer.StateChanging(resourcer.HandlerFunc(a.updateLang)),
		"users:changePassword":  resourcer.StateChanging(resourcer.HandlerFunc(a.changePassword)),
		"users:listExcludeRole": resourcer.HandlerFunc(a.listExcludeRole),
	}
}

const (
	listDefaultPageSize = 20
	listMaxPageSize     = 1000
)

type actions struct {
	db       *bun.DB
	model    reflect.Type // the user struct type
	schema   *filterop.Schema
	filters  *filterop.Registry
	editable []*filterop.Field
	required map[*filterop.Field]bool
	appLang  *filterop.Field
	opts     ActionOptions
}

func newActions(opts ActionOptions) (*actions, error) {
	if opts.DB == nil {
		return nil, errors.New("users: ActionOptions.DB is required")
	}
	t, err := userModelType(opts.UserModel)
	if err != nil {
		return nil, err
	}
	RegisterModels(opts.DB)
	s, err := filterop.SchemaFor(opts.DB, reflect.New(t).Interface())
	if err != nil {
		return nil, err
	}
	a := &actions{db: opts.DB, model: t, schema: s, filters: opts.Filters, opts: opts}
	if a.filters == nil {
		a.filters = filterop.Default()
	}
	if len(s.PKs()) != 1 {
		return nil, fmt.Errorf("users: UserModel %s needs exactly one primary key", t)
	}
	if a.editable, err = editableFields(s, opts.EditableFields); err != nil {
		return nil, err
	}
	if a.required, err = requiredFields(s, a.editable, opts.RequiredFields); err != nil {
		return nil, err
	}
	if a.appLang, _ = s.Field("appLang"); a.appLang == nil {
		return nil, fmt.Errorf("users: UserModel %s has no appLang field", t)
	}
	return a, nil
}

// userModelType is the struct type of ActionOptions.UserModel, User by
// default; it must embed User.
func userModelType(model any) (reflect.Type, error) {
	if model == nil {
		model = (*User)(nil)
	}
	t := reflect.TypeOf(model)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("users: UserModel must point to a struct, got %T", model)
	}
	if _, ok := reflect.New(t).Interface().(interface{ directoryUser() *User }); !ok {
		return nil, fmt.Errorf("users: UserModel %s does not embed users.User", t)
	}
	return t, nil
}

// editableFields resolves ActionOptions.EditableFields (by default
// DefaultEditableFields): fields that exist, are not hidden and are not
// the primary key, each once.
func editableFields(s *filterop.Schema, names []string) ([]*filterop.Field, error) {
	if names == nil {
		names = DefaultEditableFields
	}
	pk := s.PKs()[0]
	var out []*filterop.Field
	for _, name := range names {
		f, ok := s.Field(name)
		switch {
		case !ok:
			return nil, fmt.Errorf("users: EditableFields: %s has no field %s", s.Table, name)
		case f.Hidden:
			return nil, fmt.Errorf("users: EditableFields: %s is hidden and cannot be edited through the profile", name)
		case f == pk:
			return nil, fmt.Errorf("users: EditableFields: the primary key %s cannot be edited", name)
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out, nil
}

// requiredFields resolves ActionOptions.RequiredFields, username by
// default when it is editable; each must be editable.
func requiredFields(s *filterop.Schema, editable []*filterop.Field, names []string) (map[*filterop.Field]bool, error) {
	if names == nil {
		if f, ok := s.Field("username"); ok && slices.Contains(editable, f) {
			names = []string{"username"}
		}
	}
	out := map[*filterop.Field]bool{}
	for _, name := range names {
		f, ok := s.Field(name)
		if !ok || !slices.Contains(editable, f) {
			return nil, fmt.Errorf("users: RequiredFields: %s is not an editable field", name)
		}
		out[f] = true
	}
	return out, nil
}

func statusError(status int, format string, args ...any) error {
	return &resourcer.StatusError{Status: status, Message: fmt.Sprintf(format, args...)}
}

var errUnauthorized = statusError(http.StatusUnauthorized, "Unauthorized")

func enabled(setting func(context.Context) bool, ctx context.Context) bool {
	return setting == nil || setting(ctx)
}

// newUser returns a new *model for the user with this id.
func (a *actions) newUser(id int64) reflect.Value {
	m := reflect.New(a.model)
	m.Interface().(interface{ directoryUser() *User }).directoryUser().ID = id
	return m
}

func valuesOf(p resourcer.Params) (map[string]any, error) {
	switch v := p["values"].(type) {
	case nil:
		return map[string]any{}, nil
	case map[string]any:
		return v, nil
	}
	return nil, statusError(http.StatusBadRequest, "values must be an object")
}

// lookup finds a field's value in values, under its JSON name or column.
func lookup(values map[string]any, f *filterop.Field) (any, bool) {
	if v, ok := values[f.Key]; ok {
		return v, true
	}
	v, ok := values[f.Column]
	return v, ok
}

// setField stores a JSON value in the model's field and reports whether
// the value is empty.
func setField(model reflect.Value, f *filterop.Field, v any) (empty bool, err error) {
	if err := f.Set(model.Elem(), v); err != nil {
		return false, statusError(http.StatusBadRequest, "values.%s: %v", f.Key, err)
	}
	return model.Elem().FieldByIndex(f.Bun().Index).IsZero(), nil
}

// update writes columns of the user m, with the columns its hook fills,
// and answers 404 when the user does not exist.
func (a *actions) update(ctx context.Context, m reflect.Value, columns []string) error {
	if h, ok := m.Interface().(interface {
		HookColumns(ctx context.Context, insert bool) []string
	}); ok {
		for _, c := range h.HookColumns(ctx, false) {
			if !slices.Contains(columns, c) {
				columns = append(columns, c)
			}
		}
	}
	res, err := a.db.NewUpdate().Model(m.Interface()).Column(columns...).WherePK().Exec(ctx)
	if err != nil {
		return dbError(err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return statusError(http.StatusNotFound, "user not found")
	}
	return nil
}

// load reads the user with m's key into m.
func (a *actions) load(ctx context.Context, m reflect.Value) error {
	if err := a.db.NewSelect().Model(m.Interface()).WherePK().Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return statusError(http.StatusNotFound, "user not found")
		}
		return err
	}
	return nil
}

func (a *actions) updateProfile(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	ctx := r.Context()
	id, ok := CurrentUserID(ctx)
	if !ok {
		return nil, errUnauthorized
	}
	if !enabled(a.opts.EnableEditProfile, ctx) {
		return nil, statusError(http.StatusForbidden, "User profile is not allowed to be edited")
	}
	values, err := valuesOf(ac.Params)
	if err != nil {
		return nil, err
	}
	scope, err := readWriteScope(ac.Params)
	if err != nil {
		return nil, err
	}
	m := a.newUser(id)
	var columns []string
	for _, f := range a.editable {
		v, given := lookup(values, f)
		if !given || !scope.allows(f.Key, f.Column) {
			continue
		}
		empty, err := setField(m, f, v)
		if err != nil {
			return nil, err
		}
		if empty && a.required[f] {
			return nil, statusError(http.StatusBadRequest, "values.%s: %s cannot be empty", f.Key, f.Key)
		}
		columns = append(columns, f.Column)
	}
	if len(columns) > 0 {
		if err := a.update(ctx, m, columns); err != nil {
			return nil, err
		}
	}
	out := a.newUser(id)
	if err := a.load(ctx, out); err != nil {
		return nil, err
	}
	return Desensitize(out.Interface()), nil
}

func (a *actions) updateLang(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	ctx := r.Context()
	id, ok := CurrentUserID(ctx)
	if !ok {
		return nil, errUnauthorized
	}
	values, err := valuesOf(ac.Params)
	if err != nil {
		return nil, err
	}
	v, given := lookup(values, a.appLang)
	if !given {
		return nil, statusError(http.StatusBadRequest, "values.appLang is required")
	}
	if err := a.mayWrite(ac.Params, a.appLang.Key, a.appLang.Column); err != nil {
		return nil, err
	}
	m := a.newUser(id)
	if _, err := setField(m, a.appLang, v); err != nil {
		return nil, err
	}
	return nil, a.update(ctx, m, []string{a.appLang.Column})
}

func (a *actions) changePassword(r *http.Request, ac *resourcer.ActionContext) (any, error) {
	ctx := r.Context()
	id, ok := CurrentUserID(ctx)
	if !ok {
		return nil, errUnauthorized
	}
	if !enabled(a.opts.EnableChangePassword, ctx) {
		return nil, statusError(http.StatusForbidden, "Password is not allowed to be changed")
	}
	values, err := valuesOf(ac.Params)
	if err != nil {
		return nil, err
	}
	if err := a.mayWrite(ac.Params, "password"); err != nil {
		return nil, err
	}
	oldPassword, newPassword, confirm, err := passwordValues(values)
	if err != nil {
		return nil, err
	}
	if newPassword == "" {
		return nil, statusError(http.StatusBadRequest, "values.newPassword: the new password cannot be empty")
	}
	if newPassword != confirm {
		return nil, statusError(http.StatusBadRequest, "The password is inconsistent, please re-enter")
	}
	m := a.newUser(id)
	if err := a.load(ctx, m); err != nil {
		return nil, err
	}
	u := m.Interface().(interface{ directoryUser() *User }).directoryUser()
	// A stored value Verify cannot read (no password, a foreign format)
	// cannot be matched either: the old password is wrong.
	if ok, err := VerifyPassword(oldPassword, u.Password); err != nil || !ok {
		return nil, statusError(http.StatusBadRequest, "The password is incorrect, please re-enter")
	}
	u.Password = newPassword // hashed by BeforeAppendModel, which also sets passwordChangeTz
	if err := a.update(ctx, m, []string{"password"}); err != nil {
		return nil, err
	}
	return nil, nil
}

// passwordValues reads changePassword's values; a missing one is "".
func passwordValues(values map[string]any) (oldPassword, newPassword, confirm string, err error) {
	out := make([]string, 3)
	for i, name := range []string{"oldPassword", "newPassword", "confirmPassword"} {
		switch v := values[name].(type) {
		case nil:
		case string:
			out[i] = v
		default:
			return "", "", "", statusError(http.StatusBadRequest, "values.%s: want a string", name)
		}
	}
	return out[0], out[1], out[2], nil
}

// mayWrite answers 403 naming the field when the params the ACL narrowed
// (whitelist, fields, blacklist) do not let the action write it: an
// action that writes one field has nothing to drop silently.
func (a *actions) mayWrite(p resourcer.Params, names ...string) error {
	scope, err := readWriteScope(p)
	if err != nil {
		return err
	}
	if !scope.allows(names...) {
		return statusError(http.StatusForbidden, "values.%s: the grant does not let this action write %s", names[0], names[0])
	}
	return nil
}

var (
	sqliteUnique = regexp.MustCompile(`UNIQUE constraint failed: ([\w."]+)`)
	pgKeyDetail  = regexp.MustCompile(`Key \(([^)]+)\)=`)
)

// dbError answers 409 naming the field when a unique field (username,
// email, phone) is taken; other errors stay server errors.
func dbError(err error) error {
	var pgErr interface{ Field(byte) string }
	if errors.As(err, &pgErr) && pgErr.Field('C') == "23505" {
		field := ""
		if m := pgKeyDetail.FindStringSubmatch(pgErr.Field('D')); m != nil {
			field = m[1]
		}
		return statusError(http.StatusConflict, "%s: a user with this value already exists", field)
	}
	if m := sqliteUnique.FindStringSubmatch(err.Error()); m != nil {
		field := m[1]
		if i := strings.LastIndexByte(field, '.'); i >= 0 {
			field = field[i+1:]
		}
		return statusError(http.StatusConflict, "%s: a user with this value already exists", field)
	}
	return err
}
