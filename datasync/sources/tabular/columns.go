package tabular

import (
	"maps"
	"slices"
	"strings"
)

// scalar is one single-valued record field and the column it comes from.
type scalar struct {
	field  string
	column string
	index  int
	isBool bool // "enabled": the cell is parsed as a boolean
}

// columns is the mapping resolved against one header: cell indexes
// instead of names, so that a row costs no lookups.
type columns struct {
	uid      int    // the cell holding the uid (the UID column, else Username)
	uidName  string // its header name, for errors
	scalars  []scalar
	dept     int // Department or DepartmentPath cell, -1 when neither
	deptName string
	isPath   bool // dept holds a path, not a uid
	role     int  // -1 when not mapped
	roleName string
}

// resolveColumns finds every mapped column (names already trimmed by
// Options.validate) in header. A mapped column the
// header lacks is an error: a misspelt mapping must fail the pull, not
// silently sync fewer fields. So is a column name given twice (except an
// unnamed one, which nothing can map): the mapping could not say which.
func resolveColumns(table string, header []string, m Mapping) (*columns, error) {
	at := make(map[string]int, len(header))
	for i, name := range header {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if _, dup := at[name]; dup {
			return nil, &HeaderError{Table: table, Column: name, Reason: "the column name appears twice"}
		}
		at[name] = i
	}
	find := func(col string) (int, error) {
		if col == "" {
			return -1, nil
		}
		i, ok := at[col]
		if !ok {
			return -1, &HeaderError{Table: table, Column: col, Reason: "the mapped column is not in the header"}
		}
		return i, nil
	}
	c := &columns{}
	var err error
	add := func(field, col string, isBool bool) {
		if err != nil || col == "" {
			return
		}
		var i int
		if i, err = find(col); err == nil {
			c.scalars = append(c.scalars, scalar{field: field, column: col, index: i, isBool: isBool})
		}
	}
	add("username", m.Username, false)
	add("nickname", m.Nickname, false)
	add("email", m.Email, false)
	add("phone", m.Phone, false)
	add("password", m.Password, false)
	add("enabled", m.Enabled, true)
	for _, field := range slices.Sorted(maps.Keys(m.Fields)) {
		add(field, m.Fields[field], false)
	}
	if err != nil {
		return nil, err
	}
	c.uidName = m.UID
	if c.uidName == "" {
		c.uidName = m.Username
	}
	if c.uid, err = find(c.uidName); err != nil {
		return nil, err
	}
	c.isPath = m.DepartmentPath != ""
	c.deptName = m.Department + m.DepartmentPath // at most one is set
	if c.dept, err = find(c.deptName); err != nil {
		return nil, err
	}
	c.roleName = m.Role
	if c.role, err = find(c.roleName); err != nil {
		return nil, err
	}
	return c, nil
}
