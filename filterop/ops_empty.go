package filterop

// $empty and $notEmpty, after NocoBase's operators/empty.js. The value is
// ignored ({"$empty": true} and {"$empty": false} alike), as in NocoBase.
// What "empty" means depends on the field:
//
//   - string fields: NULL or ''; $notEmpty is neither;
//   - array fields (PostgreSQL arrays, and JSON columns of a Go slice or
//     array type): what $arrayEmpty / $arrayNotEmpty say (ops_array.go):
//     NULL, JSON null, anything that is not an array, or an empty array;
//   - other JSON fields: NULL or JSON null (bun writes a nil map or
//     pointer as JSON null, so NocoBase's IS NULL alone would never match
//     them);
//   - any other field: NULL.

func init() { operatorFamilies = append(operatorFamilies, emptyOperators) }

func emptyOperators() map[string]OperatorFunc {
	return map[string]OperatorFunc{
		"$empty":    opEmpty(false),
		"$notEmpty": opEmpty(true),
	}
}

func opEmpty(not bool) OperatorFunc {
	return func(c *Cond) (Expr, error) {
		f := c.Field
		switch {
		case f.Type == TypeString && !f.Array:
			if not {
				return SQL("(? IS NOT NULL AND ? <> ?)", c.Column, c.Column, ""), nil
			}
			return SQL("(? IS NULL OR ? = ?)", c.Column, c.Column, ""), nil
		case holdsArray(f):
			store, err := arrayStorage(c)
			if err != nil {
				return nil, err
			}
			return arrayEmptiness(c, store, !not)
		case f.Type == TypeJSON:
			isNull, err := jsonIsNull(c)
			if err != nil {
				return nil, err
			}
			if not {
				return SQL("NOT (?)", isNull), nil
			}
			return isNull, nil
		}
		if not {
			return SQL("? IS NOT NULL", c.Column), nil
		}
		return SQL("? IS NULL", c.Column), nil
	}
}

// jsonIsNull is true when a JSON column is NULL or holds JSON null; never
// NULL itself.
func jsonIsNull(c *Cond) (Expr, error) {
	switch c.Dialect {
	case "pg":
		return SQL("(? IS NULL OR jsonb_typeof(CAST(? AS jsonb)) = 'null')", c.Column, c.Column), nil
	case "sqlite":
		return SQL("(? IS NULL OR COALESCE(?, '') = 'null')", c.Column, sqliteJSONType(c.Column)), nil
	}
	return nil, c.Errorf("%s on a JSON field is not supported on %q databases", c.Operator, c.Dialect)
}
