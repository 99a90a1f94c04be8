package filterop

// Reading the value of a date operator into the span of time it names:
// date and datetime strings at their precision, ranges, [from, to] lists
// and NocoBase's relative ranges ({"type": "past", "unit": "day",
// "number": 3}), in the request's time zone.

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
)

// nowKey holds the time relative ranges are computed from, for tests.
type nowKey struct{}

// withNow fixes "now" for the relative ranges ({"type": "today"}).
func withNow(ctx context.Context, now time.Time) context.Context {
	return context.WithValue(ctx, nowKey{}, now)
}

func nowFrom(ctx context.Context) time.Time {
	if ctx != nil {
		if t, ok := ctx.Value(nowKey{}).(time.Time); ok {
			return t
		}
	}
	return time.Now()
}

// dateParser reads one operator's value.
type dateParser struct {
	c        *Cond
	zone     *time.Location // the request's, once read
	zoneRead bool
}

// requestZone is Cond.Timezone, read the first time a value needs it.
func (p *dateParser) requestZone() (*time.Location, error) {
	if !p.zoneRead {
		loc, err := parseZone(p.c.Timezone)
		if err != nil {
			return nil, p.c.Errorf("%s: the request's timezone %q: %v", p.c.Operator, p.c.Timezone, err)
		}
		p.zone, p.zoneRead = loc, true
	}
	return p.zone, nil
}

func (p *dateParser) errorf(format string, args ...any) error {
	return p.c.Errorf("%s: "+format, append([]any{p.c.Operator}, args...)...)
}

func (p *dateParser) value(v any) (dateSpan, error) {
	switch x := v.(type) {
	case nil:
		return dateSpan{}, p.errorf("needs a date, not null")
	case string:
		return p.str(x, nil, true)
	case []any:
		return p.list(x)
	case map[string]any:
		return p.relative(x)
	}
	if t, ok := timeOf(v); ok {
		return instantSpan(t), nil
	}
	return dateSpan{}, p.errorf("wants a date string, a [from, to] list or a {\"type\": ...} range, not %v", dateShow(v))
}

func timeOf(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, true
	case *time.Time:
		if t != nil {
			return *t, true
		}
	}
	return time.Time{}, false
}

var (
	// NocoBase takes a trailing offset off a value before anything else.
	offsetSuffix = regexp.MustCompile(`^(.+)([+-]\d\d:\d\d)$`)
	rangeString  = regexp.MustCompile(`^([\[(])(.+),(.+)([\])])$`)
	datePattern  = regexp.MustCompile(`^(\d{4})(?:-(\d\d)(?:-(\d\d)(?:[T ](\d\d)(?::(\d\d)(?::(\d\d)(?:\.(\d{1,6}))?)?)?)?)?)?$`)
	quarterPat   = regexp.MustCompile(`^(\d{4})Q(\d)$`)
	weekPattern  = regexp.MustCompile(`^(\d{4})([Ww])(\d\d)$`)
)

// str reads a string value; zone is the one to read it in when it has no
// offset of its own (nil: the request's). A range string "[a,b]" is
// allowed at the top level only.
func (p *dateParser) str(s string, zone *time.Location, top bool) (dateSpan, error) {
	body := s
	if m := offsetSuffix.FindStringSubmatch(s); m != nil {
		loc, err := parseZone(m[2])
		if err != nil {
			return dateSpan{}, p.errorf("%q: offset %s: %v", s, m[2], err)
		}
		body, zone = m[1], loc
	}
	if top && (strings.HasPrefix(body, "[") || strings.HasPrefix(body, "(")) {
		m := rangeString.FindStringSubmatch(body)
		if m == nil {
			return dateSpan{}, p.errorf("%q is not a range like \"[2024-01-01,2024-01-31]\"", s)
		}
		return p.between(m[2], m[3], m[1]+m[4], zone, strconv.Quote(s))
	}
	return p.point(s, body, zone)
}

// point reads one date: an instant ending in Z or a period in zone (nil:
// the request's).
func (p *dateParser) point(orig, s string, zone *time.Location) (dateSpan, error) {
	if strings.HasSuffix(s, "Z") {
		iso := s
		if len(iso) > 10 && iso[10] == ' ' {
			iso = iso[:10] + "T" + iso[11:]
		}
		t, err := time.Parse(time.RFC3339Nano, iso)
		if err != nil {
			return dateSpan{}, p.errorf("%q is not a UTC time like \"2024-01-02T10:00:00Z\"", orig)
		}
		return instantSpan(t), nil
	}
	if zone == nil {
		var err error
		if zone, err = p.requestZone(); err != nil {
			return dateSpan{}, err
		}
	}
	if m := quarterPat.FindStringSubmatch(s); m != nil {
		y, q := digits(m[1]), digits(m[2])
		if q < 1 || q > 4 {
			return dateSpan{}, p.errorf("%q: there is no quarter %d", orig, q)
		}
		start := time.Date(y, time.Month(3*q-2), 1, 0, 0, 0, 0, zone)
		return periodSpan(start, addUnits(start, "quarter", 1)), nil
	}
	if m := weekPattern.FindStringSubmatch(s); m != nil {
		y, n := digits(m[1]), digits(m[3])
		first := firstWeek
		if m[2] == "W" {
			first = firstISOWeek
		}
		start := addUnits(first(y, zone), "week", n-1)
		if n < 1 || !start.Before(first(y+1, zone)) {
			return dateSpan{}, p.errorf("%q: %d has no week %d", orig, y, n)
		}
		return periodSpan(start, addUnits(start, "week", 1)), nil
	}
	m := datePattern.FindStringSubmatch(s)
	if m == nil {
		return dateSpan{}, p.errorf("%q is not a date: use forms like \"2024-01-02\", \"2024-01-02 10:00:00\", \"2024-01-02T10:00:00+08:00\" or \"2024-01-02T10:00:00Z\"", orig)
	}
	y := digits(m[1])
	mo, d, h, mi, sec := 1, 1, 0, 0, 0
	unit := "year"
	for i, f := range []*int{&mo, &d, &h, &mi, &sec} {
		if m[2+i] == "" {
			break
		}
		*f = digits(m[2+i])
		unit = []string{"month", "day", "hour", "minute", "second"}[i]
	}
	switch {
	case y < 1:
		return dateSpan{}, p.errorf("%q: there is no year 0000", orig)
	case mo < 1 || mo > 12:
		return dateSpan{}, p.errorf("%q: there is no month %d", orig, mo)
	case d < 1 || d > daysIn(y, time.Month(mo)):
		return dateSpan{}, p.errorf("%q: %s %d has no day %d", orig, time.Month(mo), y, d)
	case h > 23 || mi > 59 || sec > 59:
		return dateSpan{}, p.errorf("%q: %02d:%02d:%02d is not a time of day", orig, h, mi, sec)
	}
	nanos, step := 0, time.Duration(0)
	if frac := m[7]; frac != "" {
		nanos = digits(frac + strings.Repeat("0", 9-len(frac)))
		step = time.Duration(math.Pow10(9 - len(frac)))
	}
	start := time.Date(y, time.Month(mo), d, h, mi, sec, nanos, zone)
	if step > 0 {
		return periodSpan(start, start.Add(step)), nil
	}
	return periodSpan(start, addUnits(start, unit, 1)), nil
}

// list reads [from, to], [from, to, brackets] and [from, to, brackets,
// timezone].
func (p *dateParser) list(l []any) (dateSpan, error) {
	if len(l) < 2 || len(l) > 4 {
		return dateSpan{}, p.errorf("a list must be [from, to], [from, to, brackets] or [from, to, brackets, timezone], not %d values", len(l))
	}
	orig := dateShow(l)
	brackets := "[]"
	if len(l) > 2 && l[2] != nil && l[2] != "" {
		b, ok := l[2].(string)
		if !ok {
			return dateSpan{}, p.errorf("brackets must be \"[]\", \"[)\", \"(]\" or \"()\", not %v", dateShow(l[2]))
		}
		brackets = b
	}
	if len(l) > 3 && l[3] != nil && l[3] != "" {
		tz, ok := l[3].(string)
		if !ok {
			return dateSpan{}, p.errorf("the timezone of a range must be a string like \"+08:00\", not %v", dateShow(l[3]))
		}
		if _, err := parseZone(tz); err != nil {
			return dateSpan{}, p.errorf("timezone %q: %v", tz, err)
		}
	}
	// The list's own timezone is checked but not used: NocoBase's date
	// operators read both ends in the database's timezone whatever the
	// list names, so the request's timezone (WithTimezone) wins here too.
	return p.between(l[0], l[1], brackets, nil, orig)
}

// between builds the span from from to to, as NocoBase's parseDateBetween:
// an instant end is in or out as its bracket says; a period end is taken
// whole ("[" and "]") or left out ("(" starts at its end, ")" ends at its
// start).
func (p *dateParser) between(from, to any, brackets string, zone *time.Location, orig string) (dateSpan, error) {
	switch brackets {
	case "[]", "[)", "(]", "()":
	default:
		return dateSpan{}, p.errorf("brackets must be \"[]\", \"[)\", \"(]\" or \"()\", not %q", brackets)
	}
	ends := [2]dateSpan{}
	for i, v := range []any{from, to} {
		var err error
		switch x := v.(type) {
		case string:
			ends[i], err = p.str(x, zone, false)
		case nil:
			err = p.errorf("%s: the %s of a range cannot be null", orig, [2]string{"start", "end"}[i])
		default:
			t, ok := timeOf(v)
			if !ok {
				err = p.errorf("%s: the %s of a range must be a date string, not %v", orig, [2]string{"start", "end"}[i], dateShow(v))
			}
			ends[i] = instantSpan(t)
		}
		if err != nil {
			return dateSpan{}, err
		}
	}
	var s dateSpan
	if f := ends[0]; f.instant() {
		s.lo, s.loOpen = f.lo, brackets[0] == '('
	} else if brackets[0] == '(' {
		s.lo = f.hi // after the whole period
	} else {
		s.lo = f.lo
	}
	if t := ends[1]; t.instant() {
		s.hi, s.hiOpen = t.hi, brackets[1] == ')'
	} else if brackets[1] == ')' {
		s.hi, s.hiOpen = t.lo, true // before the whole period
	} else {
		s.hi, s.hiOpen = t.hi, true
	}
	return s, nil
}

// relative reads {"type": "today"}, {"type": "past", "unit": "day",
// "number": 7} and the like, from now in the request's timezone.
func (p *dateParser) relative(m map[string]any) (dateSpan, error) {
	for k := range m {
		switch k {
		case "type", "unit", "number", "timezone": // NocoBase ignores timezone for the request's
		default:
			return dateSpan{}, p.errorf("a relative range has keys type, unit and number, not %q", k)
		}
	}
	typ, ok := m["type"].(string)
	if !ok {
		return dateSpan{}, p.errorf("a relative range needs a \"type\" string such as \"today\", not %v", dateShow(m["type"]))
	}
	zone, err := p.requestZone()
	if err != nil {
		return dateSpan{}, err
	}
	now := nowFrom(p.c.Ctx).In(zone)
	if typ == "past" || typ == "next" {
		unit := "day"
		if u, present := m["unit"]; present && u != nil {
			us, ok := u.(string)
			if !ok || !relativeUnits[us] {
				return dateSpan{}, p.errorf("unit must be one of minute, hour, day, week, month, quarter, year, not %v", dateShow(u))
			}
			unit = us
		}
		n := 1
		if v, present := m["number"]; present && v != nil {
			if n, ok = relativeCount(v); !ok {
				return dateSpan{}, p.errorf("number must be a whole number from 1 to %d, not %v", maxRelative, dateShow(v))
			}
		}
		base := startOf(now, unit)
		if typ == "past" {
			return periodSpan(addUnits(base, unit, -n), base), nil
		}
		return periodSpan(addUnits(base, unit, 1), addUnits(base, unit, 1+n)), nil
	}
	if r, ok := relativeRanges[typ]; ok {
		start := addUnits(startOf(now, r.unit), r.unit, r.offset)
		return periodSpan(start, addUnits(start, r.unit, r.length)), nil
	}
	return dateSpan{}, p.errorf("%q is not a relative range type (today, yesterday, tomorrow, thisWeek, lastMonth, nextYear, past, next, last7Days, ...)", typ)
}

var relativeUnits = map[string]bool{"minute": true, "hour": true, "day": true, "week": true, "month": true, "quarter": true, "year": true}

// maxRelative bounds {"number": n}: more than that many units leave the
// years a database stores.
const maxRelative = 1000000

func relativeCount(v any) (int, bool) {
	if s, ok := v.(string); ok {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		return n, err == nil && n >= 1 && n <= maxRelative
	}
	n, ok, err := jsonval.NumberOf(v)
	if !ok || err != nil || !n.IsInt || n.Int < 1 || n.Int > maxRelative {
		return 0, false
	}
	return int(n.Int), true
}

// relativeRanges: length units starting offset units from the current one.
var relativeRanges = map[string]struct {
	unit           string
	offset, length int
}{
	"today": {"day", 0, 1}, "yesterday": {"day", -1, 1}, "tomorrow": {"day", 1, 1},
	"thisWeek": {"week", 0, 1}, "lastWeek": {"week", -1, 1}, "nextWeek": {"week", 1, 1},
	"thisMonth": {"month", 0, 1}, "lastMonth": {"month", -1, 1}, "nextMonth": {"month", 1, 1},
	"thisQuarter": {"quarter", 0, 1}, "lastQuarter": {"quarter", -1, 1}, "nextQuarter": {"quarter", 1, 1},
	"thisYear": {"year", 0, 1}, "lastYear": {"year", -1, 1}, "nextYear": {"year", 1, 1},
	// NocoBase's $nDate variables: the last n days end with today, the
	// next n start tomorrow.
	"last7Days": {"day", -6, 7}, "next7Days": {"day", 1, 7},
	"last30Days": {"day", -29, 30}, "next30Days": {"day", 1, 30},
	"last90Days": {"day", -89, 90}, "next90Days": {"day", 1, 90},
}

// startOf is the start of t's unit in t's location; weeks start on Monday.
func startOf(t time.Time, unit string) time.Time {
	y, m, d := t.Date()
	loc := t.Location()
	switch unit {
	case "year":
		return time.Date(y, 1, 1, 0, 0, 0, 0, loc)
	case "quarter":
		return time.Date(y, (m-1)/3*3+1, 1, 0, 0, 0, 0, loc)
	case "month":
		return time.Date(y, m, 1, 0, 0, 0, 0, loc)
	case "week":
		return time.Date(y, m, d-(int(t.Weekday())+6)%7, 0, 0, 0, 0, loc)
	case "day":
		return time.Date(y, m, d, 0, 0, 0, 0, loc)
	case "hour":
		return time.Date(y, m, d, t.Hour(), 0, 0, 0, loc)
	case "minute":
		return time.Date(y, m, d, t.Hour(), t.Minute(), 0, 0, loc)
	}
	return t
}

// addUnits adds n units to t, the start of a unit: calendar units keep to
// midnights in t's location, hours and shorter are elapsed time.
func addUnits(t time.Time, unit string, n int) time.Time {
	y, m, d := t.Date()
	loc := t.Location()
	switch unit {
	case "year":
		return time.Date(y+n, m, d, 0, 0, 0, 0, loc)
	case "quarter":
		return time.Date(y, m+time.Month(3*n), d, 0, 0, 0, 0, loc)
	case "month":
		return time.Date(y, m+time.Month(n), d, 0, 0, 0, 0, loc)
	case "week":
		return time.Date(y, m, d+7*n, 0, 0, 0, 0, loc)
	case "day":
		return time.Date(y, m, d+n, 0, 0, 0, 0, loc)
	case "hour":
		return t.Add(time.Duration(n) * time.Hour)
	case "minute":
		return t.Add(time.Duration(n) * time.Minute)
	case "second":
		return t.Add(time.Duration(n) * time.Second)
	}
	return t
}

// firstISOWeek is the Monday of ISO week 1 of year y: the week of
// January 4.
func firstISOWeek(y int, loc *time.Location) time.Time {
	jan4 := time.Date(y, 1, 4, 0, 0, 0, 0, loc)
	return time.Date(y, 1, 4-(int(jan4.Weekday())+6)%7, 0, 0, 0, 0, loc)
}

// firstWeek is the Sunday of week 1 of year y in dayjs's default locale:
// the week of January 1.
func firstWeek(y int, loc *time.Location) time.Time {
	jan1 := time.Date(y, 1, 1, 0, 0, 0, 0, loc)
	return time.Date(y, 1, 1-int(jan1.Weekday()), 0, 0, 0, 0, loc)
}

func daysIn(y int, m time.Month) int { return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day() }

// atoi reads digits a pattern has matched.
func digits(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

var (
	offsetZone = regexp.MustCompile(`^([+-])(\d\d)(?::?(\d\d))?$`)
	namedZones sync.Map // IANA name -> *time.Location, the ones that loaded
)

// parseZone reads a timezone: "" or "Z" or "UTC" for UTC, an offset
// ("+08:00", "-0330", "+05") or an IANA name ("Asia/Shanghai", when the
// system has the tz database).
func parseZone(tz string) (*time.Location, error) {
	switch tz {
	case "", "Z", "UTC":
		return time.UTC, nil
	case "Local":
		return nil, fmt.Errorf("the server's local zone cannot be asked for; use an offset like +08:00")
	}
	if m := offsetZone.FindStringSubmatch(tz); m != nil {
		h, mins := digits(m[2]), digits(m[3])
		if h > 23 || mins > 59 {
			return nil, fmt.Errorf("%s is not a UTC offset", tz)
		}
		secs := (h*60 + mins) * 60
		if secs == 0 {
			return time.UTC, nil
		}
		if m[1] == "-" {
			secs = -secs
		}
		return time.FixedZone(tz, secs), nil
	}
	if loc, ok := namedZones.Load(tz); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("not an offset like +08:00 or a known timezone name")
	}
	namedZones.Store(tz, loc)
	return loc, nil
}

// dateShow shows a value in an error, shortened.
func dateShow(v any) string {
	var s string
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		s = strconv.Quote(x)
	case map[string]any:
		s = "an object"
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			parts = append(parts, dateShow(e))
		}
		s = "[" + strings.Join(parts, ", ") + "]"
	default:
		s = fmt.Sprintf("%v", x)
	}
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}
