package filterop

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"
	"unicode"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"

	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
)

// FieldType is what a filter may do with a field.
type FieldType int

// The field types, derived from the Go type of a model's field.
const (
	TypeOther FieldType = iota
	TypeString
	TypeNumber
	TypeBool
	TypeTime
	TypeArray // a PostgreSQL array (bun:",array") or JSON array column
	TypeJSON
)

// Field is a column a filter may name.
type Field struct {
	Name   string // the column name; filters may also use Key
	Column string // the SQL column
	Key    string // the name in JSON: the json tag, else the column name
	Type   FieldType
	Array  bool // a PostgreSQL array column
	// Hidden fields (json:"-" or gatehouse:"hidden", like a password hash)
	// may be written but never filtered, sorted on or returned.
	Hidden bool
	bun    *schema.Field
}

// Bun returns bun's description of the field (its Go type, value access).
func (f *Field) Bun() *schema.Field { return f.bun }

// Relation is an association a filter may traverse ("createdBy.nickname").
type Relation struct {
	Name   string
	Schema *Schema
	rel    *schema.Relation
}

// Schema is what a filter may name on one model: its fields and
// associations. Build it once per model with SchemaFor.
type Schema struct {
	Table     string // SQL table name
	Alias     string // the alias bun's queries give the table
	fields    map[string]*Field
	ordered   []*Field // in the model's order
	relations map[string]*Relation
	dialect   schema.Dialect
	table     *schema.Table
}

// SchemaFor describes a bun model (a pointer to a struct, like
// (*User)(nil)). A field is known by its column name and by its json tag;
// an association by its Go field name and that name with a lower-case
// first letter (CreatedBy, createdBy) and its json tag.
func SchemaFor(db *bun.DB, model any) (*Schema, error) {
	t := reflect.TypeOf(model)
	for t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice) {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("filterop: SchemaFor wants a struct model, got %T", model)
	}
	return schemaOf(db, t)
}

// schemaOf turns bun's panic over a bad model (an m2m join model not
// registered with db.RegisterModel, say) into an error.
func schemaOf(db *bun.DB, t reflect.Type) (s *Schema, err error) {
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("filterop: bun cannot describe %s: %v", t, r)
		}
	}()
	return schemaFor(db.Dialect(), db.Table(t), map[*schema.Table]*Schema{}), nil
}

func schemaFor(d schema.Dialect, table *schema.Table, seen map[*schema.Table]*Schema) *Schema {
	if s, ok := seen[table]; ok {
		return s
	}
	s := &Schema{Table: table.Name, Alias: table.Alias, fields: map[string]*Field{}, relations: map[string]*Relation{}, dialect: d, table: table}
	seen[table] = s
	for _, f := range table.Fields {
		field := &Field{Name: f.Name, Column: f.Name, Key: f.Name, Type: fieldType(f), bun: f}
		if j := jsonName(f.StructField); j != "" && j != "-" {
			field.Key = j
		}
		field.Hidden = jsonName(f.StructField) == "-" || hasOption(f.StructField.Tag.Get("gatehouse"), "hidden")
		_, field.Array = f.Tag.Options["array"]
		for _, name := range fieldNames(f) {
			if _, taken := s.fields[name]; !taken {
				s.fields[name] = field
			}
		}
		s.ordered = append(s.ordered, field)
	}
	for goName, rel := range table.Relations {
		r := &Relation{Name: lowerFirst(goName), rel: rel}
		for _, name := range []string{goName, lowerFirst(goName), jsonName(rel.Field.StructField)} {
			if name != "" && name != "-" {
				s.relations[name] = r
			}
		}
	}
	// Relation schemas are built after the table's own, so that cycles
	// (users -> createdBy -> users) share one Schema.
	for _, r := range s.relations {
		if r.Schema == nil {
			r.Schema = schemaFor(d, r.rel.JoinTable, seen)
		}
	}
	return s
}

func fieldNames(f *schema.Field) []string {
	names := []string{f.Name}
	if j := jsonName(f.StructField); j != "" && j != "-" && j != f.Name {
		names = append(names, j)
	}
	return names
}

func jsonName(sf reflect.StructField) string {
	tag, ok := sf.Tag.Lookup("json")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(tag, ",")
	return name
}

// hasOption reports whether a comma-separated tag lists opt.
func hasOption(tag, opt string) bool {
	for _, o := range strings.Split(tag, ",") {
		if strings.TrimSpace(o) == opt {
			return true
		}
	}
	return false
}

func lowerFirst(s string) string {
	for i, r := range s {
		return string(unicode.ToLower(r)) + s[i+len(string(r)):]
	}
	return s
}

var timeType = reflect.TypeFor[time.Time]()

func fieldType(f *schema.Field) FieldType {
	if _, ok := f.Tag.Options["array"]; ok {
		return TypeArray
	}
	t := f.IndirectType
	if t == timeType || (t.Kind() == reflect.Struct && t.ConvertibleTo(timeType)) {
		return TypeTime
	}
	switch t.Kind() {
	case reflect.String:
		return TypeString
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return TypeNumber
	case reflect.Bool:
		return TypeBool
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return TypeOther
		}
		return TypeJSON
	case reflect.Map, reflect.Struct, reflect.Interface:
		return TypeJSON
	}
	return TypeOther
}

// Field returns the field a filter may call name.
func (s *Schema) Field(name string) (*Field, bool) {
	f, ok := s.fields[name]
	return f, ok
}

// Relation returns the association a filter may call name.
func (s *Schema) Relation(name string) (*Relation, bool) {
	r, ok := s.relations[name]
	return r, ok
}

// Dialect returns the name of the schema's SQL dialect ("sqlite", "pg").
func (s *Schema) Dialect() string { return s.dialect.Name().String() }

// Fields returns the model's fields in declaration order.
func (s *Schema) Fields() []*Field { return s.ordered }

// PKs returns the primary-key fields.
func (s *Schema) PKs() []*Field {
	var out []*Field
	for _, f := range s.ordered {
		if f.bun.IsPK {
			out = append(out, f)
		}
	}
	return out
}

// Relations returns the associations, each once, by name.
func (s *Schema) Relations() map[string]*Relation {
	out := map[string]*Relation{}
	for _, r := range s.relations {
		out[r.Name] = r
	}
	return out
}

// GoName is the association's struct field, what bun's Relation() takes.
func (r *Relation) GoName() string { return r.rel.Field.GoName }

// ToMany reports whether the association holds a list.
func (r *Relation) ToMany() bool {
	return r.rel.Type == schema.HasManyRelation || r.rel.Type == schema.ManyToManyRelation
}

// BunTable returns bun's table of the model.
func (s *Schema) BunTable() *schema.Table { return s.table }

// Set converts a JSON value to the field's Go type and stores it in model
// (the struct, addressable). Numbers (float64, json.Number, Go integers)
// are converted exactly: an integer field takes a whole number within its
// type's range ("1e3" and 1000.0 included), a string field the number's
// text (as NocoBase stores a number written to a string field). Anything
// else goes through its JSON form, so that the model's own json and time
// handling apply. The error says what the field wants: "want a whole
// number".
func (f *Field) Set(model reflect.Value, v any) error {
	t := f.bun.StructField.Type
	dst := reflect.New(t)
	if n, isNumber, numErr := jsonval.NumberOf(v); isNumber {
		done, err := setNumber(dst.Elem(), n, numErr)
		if err != nil {
			return err
		}
		if done {
			model.FieldByIndex(f.bun.Index).Set(dst.Elem())
			return nil
		}
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, dst.Interface()); err != nil {
		return fmt.Errorf("want %s", describeType(t))
	}
	model.FieldByIndex(f.bun.Index).Set(dst.Elem())
	return nil
}

// describeType names what a Go type accepts, for error messages.
func describeType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return "a date-time (RFC 3339)"
	case t.Kind() == reflect.String:
		return "a string"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return "a whole number"
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return "a number"
	case t.Kind() == reflect.Map || t.Kind() == reflect.Struct:
		return "an object"
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		return "a list"
	}
	return t.String()
}
