package sqlrows

import (
	"math"
	"strconv"
	"time"
)

// cellText is a driver value as text: the types database/sql drivers
// return (driver.Value), each in the form a person would type it into a
// CSV file, so a sync reads the same from a query as from its export.
// ok is false for a type no driver should return.
func cellText(v any) (text string, null, ok bool) {
	switch v := v.(type) {
	case nil:
		return "", true, true
	case string:
		return v, false, true
	case []byte:
		return string(v), false, true
	case int64:
		return strconv.FormatInt(v, 10), false, true
	case float64:
		return floatText(v), false, true
	case bool:
		return strconv.FormatBool(v), false, true
	case time.Time:
		// RFC3339Nano drops trailing zeros, so a whole second reads as plain
		// RFC 3339 and a fraction is not lost.
		return v.Format(time.RFC3339Nano), false, true
	}
	return "", false, false
}

// floatText is the shortest text that reads back as f, without an
// exponent for whole numbers: a phone or id kept in a REAL or
// DOUBLE PRECISION column is 13800000000, not 1.38e+10.
func floatText(f float64) string {
	if f == math.Trunc(f) && !math.IsInf(f, 0) {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}
