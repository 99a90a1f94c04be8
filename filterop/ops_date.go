package filterop

import "time"

// The date operators, with NocoBase's reading of date values
// (@nocobase/utils parseDate and getDayRangeByParams).
//
// A value names a span of time:
//
//   - A date or datetime without "Z" is the whole period its precision
//     names, in the request's timezone (WithTimezone; UTC without one) or
//     in the offset written after it: "2024" is a year, "2024Q1" a
//     quarter, "2024-01" a month, "2024W01" an ISO week, "2024w01" a
//     Sunday-first week (week 1 holds January 1), "2024-01-02" a day,
//     "2024-01-02 10" an hour, "2024-01-02T10:30" a minute,
//     "2024-01-02 10:30:00" a second and "2024-01-02 10:30:00.123" a
//     millisecond (one unit of the last digit written, down to
//     microseconds, what the databases keep). "2024-01-02+08:00"
//     and the RFC 3339 "2024-01-02T10:30:00+08:00" carry their own offset.
//   - A datetime ending in "Z" ("2024-01-02T10:30:00.5Z"), or a time.Time
//     from a variable, is one instant.
//   - [from, to] and NocoBase's [from, to, brackets, timezone] run from
//     from to to, each an instant or a period as above; brackets "[]" (the
//     default), "[)", "(]" or "()" say whether each end is in: "(" starts
//     after from (after its period), ")" ends before to (before its
//     period). timezone, an offset, is checked but not used: as in
//     NocoBase, whose date operators read a list in the database's
//     timezone, the ends are read in the request's timezone unless they
//     carry their own. "[2024-01-01,2024-01-31]+08:00" is the same as a
//     string, whose offset does apply.
//   - {"type": "today"} and the other relative ranges of NocoBase's date
//     picker: today, yesterday, tomorrow, this/last/nextWeek (ISO weeks),
//     ...Month, ...Quarter, ...Year; {"type": "past"|"next", "unit":
//     "day"|"week"|..., "number": n}: the n whole units before the current
//     one or after it; last7Days/next7Days, last30Days/next30Days,
//     last90Days/next90Days: the n days up to and including today, or from
//     tomorrow. They are read in the request's timezone at the time now.
//
// On a span the operators are: $dateOn and $dateBetween, in it; $dateNotOn,
// not in it (a NULL is neither, as in NocoBase); $dateBefore, before it;
// $dateNotBefore, in it or after it; $dateAfter, after it; $dateNotAfter, in
// it or before it. A NULL date matches none of them. The operators take
// only time fields (TypeTime).
//
// The bounds are computed here as instants and go into the SQL as
// time.Time arguments, so the SQL is the same on every database: bun
// writes a time.Time as '2006-01-02 15:04:05.999999+00:00' in UTC. On
// PostgreSQL (timestamptz) that is a timestamp literal. On SQLite it is
// also exactly the text bun stores for a time.Time, and that text sorts in
// time order (the trimmed fraction included, as '+' sorts before '.' and
// the digits), so the comparisons are of text with text. Times written in
// SQLite some other way (another offset, a 'T', a "Z") do not compare
// correctly.

func init() { operatorFamilies = append(operatorFamilies, dateOperators) }

func dateOperators() map[string]OperatorFunc {
	return map[string]OperatorFunc{
		"$dateOn":        dateOperator(spanIn),
		"$dateBetween":   dateOperator(spanIn),
		"$dateNotOn":     dateOperator(spanNotIn),
		"$dateBefore":    dateOperator(spanBefore),
		"$dateNotBefore": dateOperator(spanNotBefore),
		"$dateAfter":     dateOperator(spanAfter),
		"$dateNotAfter":  dateOperator(spanNotAfter),
	}
}

// dateSpan is the instants from lo to hi; loOpen and hiOpen leave an end out.
// One instant is [t, t].
type dateSpan struct {
	lo, hi         time.Time
	loOpen, hiOpen bool
}

func (s dateSpan) instant() bool { return !s.loOpen && !s.hiOpen && s.lo.Equal(s.hi) }

func instantSpan(t time.Time) dateSpan { return dateSpan{lo: t, hi: t} }

// periodSpan is [start, end).
func periodSpan(start, end time.Time) dateSpan { return dateSpan{lo: start, hi: end, hiOpen: true} }

func dateOperator(compile func(c *Cond, s dateSpan) Expr) OperatorFunc {
	return func(c *Cond) (Expr, error) {
		if c.Field == nil {
			return nil, c.Errorf("%s works on date and time fields only", c.Operator)
		}
		if c.Field.Type != TypeTime {
			return nil, c.Errorf("%s works on date and time fields; %s is not one", c.Operator, c.Field.Name)
		}
		p := &dateParser{c: c}
		s, err := p.value(c.Value)
		if err != nil {
			return nil, err
		}
		for _, t := range []time.Time{s.lo, s.hi} {
			if y := t.UTC().Year(); y < 1 || y > 9999 {
				return nil, c.Errorf("%s: %v reaches %s, outside the years 0001 to 9999 a database stores", c.Operator, dateShow(c.Value), t.UTC().Format(time.RFC3339))
			}
		}
		s.lo, s.hi = s.lo.UTC(), s.hi.UTC()
		return compile(c, s), nil
	}
}

// The comparisons with each end of a span. The operators are fixed text;
// the bounds go in as time.Time arguments, which bun writes the way it
// writes stored times.

func afterLo(s dateSpan) string { // the column is at or after lo
	if s.loOpen {
		return ">"
	}
	return ">="
}

func beforeLo(s dateSpan) string { // the column is before lo
	if s.loOpen {
		return "<="
	}
	return "<"
}

func beforeHi(s dateSpan) string { // the column is at or before hi
	if s.hiOpen {
		return "<"
	}
	return "<="
}

func afterHi(s dateSpan) string { // the column is after hi
	if s.hiOpen {
		return ">="
	}
	return ">"
}

func spanIn(c *Cond, s dateSpan) Expr {
	if s.instant() {
		return SQL("? = ?", c.Column, s.lo)
	}
	return SQL("? "+afterLo(s)+" ? AND ? "+beforeHi(s)+" ?", c.Column, s.lo, c.Column, s.hi)
}

// spanNotIn does not match NULL: NocoBase's $dateNotOn is "<> t" or
// "< lo OR >= hi", which SQL never makes true for NULL.
func spanNotIn(c *Cond, s dateSpan) Expr {
	if s.instant() {
		return SQL("? <> ?", c.Column, s.lo)
	}
	return SQL("? "+beforeLo(s)+" ? OR ? "+afterHi(s)+" ?", c.Column, s.lo, c.Column, s.hi)
}

func spanBefore(c *Cond, s dateSpan) Expr    { return SQL("? "+beforeLo(s)+" ?", c.Column, s.lo) }
func spanNotBefore(c *Cond, s dateSpan) Expr { return SQL("? "+afterLo(s)+" ?", c.Column, s.lo) }
func spanAfter(c *Cond, s dateSpan) Expr     { return SQL("? "+afterHi(s)+" ?", c.Column, s.hi) }
func spanNotAfter(c *Cond, s dateSpan) Expr  { return SQL("? "+beforeHi(s)+" ?", c.Column, s.hi) }
