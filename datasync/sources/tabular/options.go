package tabular

import (
	"fmt"
	"strings"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

// Mapping says which header column feeds which record field. A column
// name is compared with the header after trimming spaces; "" means the
// table has no such column. One column may feed several fields (an
// "email" column as both Username and Email is common).
type Mapping struct {
	UID, Username, Nickname, Email, Phone, Password, Enabled string // header column names; "" = not in the table
	// Department is a column holding a department uid: a membership in a
	// department that another source (a tree or department source) makes.
	Department string
	// DepartmentPath is a column holding a path like "Sales/EMEA/Berlin":
	// the source makes the departments of every path it reads.
	DepartmentPath string
	// Role is a column holding a role name. With it mapped, every user
	// record has "roles": the names of its rows' Role cells, [] when all
	// are empty (so a role removed from the table is removed from the
	// user).
	Role string
	// Fields maps extra record fields (a host's custom user columns) to
	// columns.
	Fields map[string]string
}

// Options configure a [Source].
type Options struct {
	Mapping Mapping
	// MatchKey is the UserData.MatchKey of the users emitted: the field
	// that finds an existing user for a uid seen for the first time ("" =
	// the core's default).
	MatchKey string
	// PathSeparator splits DepartmentPath cells; "/" when empty.
	PathSeparator string
	// ChunkSize is how many records each emitted UserData holds;
	// datasync.DefaultChunkSize when 0.
	ChunkSize int
}

// reservedFields are the record keys a Fields entry may not name: the
// core's own keys, and those the Mapping fills from its named columns.
var reservedFields = map[string]bool{
	"uid": true, "departments": true, "roles": true, "isDeleted": true, "parentUid": true,
	"username": true, "nickname": true, "email": true, "phone": true, "password": true, "enabled": true,
}

// validate checks opts and fills in defaults.
func (opts *Options) validate() error {
	opts.Mapping = opts.Mapping.trimmed()
	m := opts.Mapping
	if m.UID == "" && m.Username == "" {
		return fmt.Errorf("%w: tabular: the mapping needs a UID or a Username column", datasync.ErrInvalidSource)
	}
	if m.Department != "" && m.DepartmentPath != "" {
		// Two sources of memberships in one row would make one list of
		// uids from two namespaces; a table has one or the other.
		return fmt.Errorf("%w: tabular: map Department or DepartmentPath, not both", datasync.ErrInvalidSource)
	}
	for field, col := range m.Fields {
		switch {
		case field == "":
			return fmt.Errorf("%w: tabular: a Fields entry has no field name", datasync.ErrInvalidSource)
		case reservedFields[field]:
			return fmt.Errorf("%w: tabular: Fields may not name the field %q: it is reserved", datasync.ErrInvalidSource, field)
		case col == "":
			return fmt.Errorf("%w: tabular: the field %q has no column", datasync.ErrInvalidSource, field)
		}
	}
	if opts.ChunkSize < 0 {
		return fmt.Errorf("%w: tabular: ChunkSize %d is negative", datasync.ErrInvalidSource, opts.ChunkSize)
	}
	if opts.ChunkSize == 0 {
		opts.ChunkSize = datasync.DefaultChunkSize
	}
	if opts.PathSeparator == "" {
		opts.PathSeparator = "/"
	}
	return nil
}

// trimmed returns m with its column names trimmed, as header names are:
// "Email " in a mapping is the column "Email".
func (m Mapping) trimmed() Mapping {
	for _, col := range []*string{&m.UID, &m.Username, &m.Nickname, &m.Email, &m.Phone, &m.Password, &m.Enabled, &m.Department, &m.DepartmentPath, &m.Role} {
		*col = strings.TrimSpace(*col)
	}
	if m.Fields != nil {
		fields := make(map[string]string, len(m.Fields))
		for field, col := range m.Fields {
			fields[field] = strings.TrimSpace(col)
		}
		m.Fields = fields
	}
	return m
}
