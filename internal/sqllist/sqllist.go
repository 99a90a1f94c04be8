// Package sqllist passes long lists of values to SQLite and PostgreSQL as
// one argument. A list of literals (bun.List) costs more to format and for
// the database to parse than the rows it selects cost to read: a sync
// looks up a thousand keys at a time.
package sqllist

import (
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/schema"
)

// InTexts is the condition "column is one of values": on PostgreSQL
// column = ANY(text array), on SQLite column IN the elements of one JSON
// array (json_each yields them as TEXT, so they compare as the strings
// they are).
func InTexts(db bun.IDB, column schema.Ident, values []string) schema.QueryWithArgs {
	if db.Dialect().Name() == dialect.PG {
		return bun.SafeQuery("? = ANY(?::text[])", column, pgdialect.Array(values))
	}
	return bun.SafeQuery("? IN (SELECT value FROM json_each(?))", column, JSONArray(values))
}

// JSONArray is values as a JSON array of strings.
func JSONArray(values []string) string {
	size := 2
	for _, v := range values {
		size += len(v) + 3
	}
	b := make([]byte, 0, size)
	b = append(b, '[')
	for i, v := range values {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendJSONString(b, v)
	}
	return string(append(b, ']'))
}

// AppendJSONString appends s as a JSON string. Bytes other than quotes,
// backslashes and control characters pass through as they are, so the
// database reads back exactly s (encoding/json would replace invalid
// UTF-8, and a key looked up would then not be found).
func AppendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		if c == '"' || c == '\\' {
			b = append(b, '\\', c)
		} else {
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
