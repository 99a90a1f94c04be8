package filterop

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
	// The named-zone tests must run on a machine without a tz database
	// (a minimal container): the test binary carries its own.
	_ "time/tzdata"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// The seeded posts are created at (UTC) 5: 2023-12-31 10:00, 1: 2024-01-01
// 10:00, 2: 2024-01-02 10:00, 3: 2024-01-03 10:00; 4 has no date (NULL).
// In +08:00 that is 18:00 on the same days, in -11:00 23:00 the day
// before, in +14:00 midnight the day after.

// dateNow is "now" for the relative ranges: Tuesday 2024-01-02 12:00 UTC.
var dateNow = time.Date(2024, 1, 2, 12, 0, 0, 0, time.UTC)

func dateCtx(tz string) context.Context {
	return withNow(WithTimezone(context.Background(), tz), dateNow)
}

func TestDateOperatorsUTC(t *testing.T) {
	runCases(t, dateCtx(""), []filterCase{
		// a day
		{"on day", `{"created_at":{"$dateOn":"2024-01-01"}}`, []int64{1}},
		{"on day +08:00", `{"created_at":{"$dateOn":"2024-01-01+08:00"}}`, []int64{1}},
		{"on day -11:00", `{"created_at":{"$dateOn":"2024-01-01-11:00"}}`, []int64{2}},
		{"on day +14:00 starts at a stored time", `{"created_at":{"$dateOn":"2024-01-01+14:00"}}`, []int64{5}},
		{"on day +14:00 ends before one", `{"created_at":{"$dateOn":"2024-01-02+14:00"}}`, []int64{1}},
		{"not on day skips null", `{"created_at":{"$dateNotOn":"2024-01-01"}}`, []int64{2, 3, 5}},
		{"before day", `{"created_at":{"$dateBefore":"2024-01-02"}}`, []int64{1, 5}},
		{"not before day", `{"created_at":{"$dateNotBefore":"2024-01-02"}}`, []int64{2, 3}},
		{"after day", `{"created_at":{"$dateAfter":"2024-01-02"}}`, []int64{3}},
		{"not after day", `{"created_at":{"$dateNotAfter":"2024-01-02"}}`, []int64{1, 2, 5}},
		{"between one day", `{"created_at":{"$dateBetween":"2024-01-02"}}`, []int64{2}},
		{"$not keeps null out", `{"$not":{"created_at":{"$dateOn":"2024-01-01"}}}`, []int64{2, 3, 5}},
		{"two operators", `{"created_at":{"$dateNotBefore":"2024-01-01","$dateBefore":"2024-01-03"}}`, []int64{1, 2}},
		{"dotted operator", `{"created_at.$dateOn":"2024-01-03"}`, []int64{3}},

		// instants
		{"on instant", `{"created_at":{"$dateOn":"2024-01-02T10:00:00Z"}}`, []int64{2}},
		{"on instant with ms and space", `{"created_at":{"$dateOn":"2024-01-02 10:00:00.000Z"}}`, []int64{2}},
		{"on instant off by 1ms", `{"created_at":{"$dateOn":"2024-01-02T10:00:00.001Z"}}`, nil},
		{"not on instant", `{"created_at":{"$dateNotOn":"2024-01-02T10:00:00Z"}}`, []int64{1, 3, 5}},
		{"before instant", `{"created_at":{"$dateBefore":"2024-01-02T10:00:00Z"}}`, []int64{1, 5}},
		{"not before instant", `{"created_at":{"$dateNotBefore":"2024-01-02T10:00:00Z"}}`, []int64{2, 3}},
		{"after instant", `{"created_at":{"$dateAfter":"2024-01-02T10:00:00Z"}}`, []int64{3}},
		{"not after instant", `{"created_at":{"$dateNotAfter":"2024-01-02T10:00:00Z"}}`, []int64{1, 2, 5}},

		// datetimes without Z: the second (minute, hour, ms) they name
		{"on RFC 3339 second with offset", `{"created_at":{"$dateOn":"2024-01-02T18:00:00+08:00"}}`, []int64{2}},
		{"on the next second", `{"created_at":{"$dateOn":"2024-01-02T18:00:01+08:00"}}`, nil},
		{"on second", `{"created_at":{"$dateOn":"2024-01-02 10:00:00"}}`, []int64{2}},
		{"on second before", `{"created_at":{"$dateOn":"2024-01-02 09:59:59"}}`, nil},
		{"on minute", `{"created_at":{"$dateOn":"2024-01-02 10:00"}}`, []int64{2}},
		{"on hour", `{"created_at":{"$dateOn":"2024-01-02T10"}}`, []int64{2}},
		{"on millisecond", `{"created_at":{"$dateOn":"2024-01-02 10:00:00.000"}}`, []int64{2}},
		{"after second", `{"created_at":{"$dateAfter":"2024-01-02 10:00:00"}}`, []int64{3}},
		{"not before second", `{"created_at":{"$dateNotBefore":"2024-01-02 10:00:00"}}`, []int64{2, 3}},
		{"not after second", `{"created_at":{"$dateNotAfter":"2024-01-02 10:00:00"}}`, []int64{1, 2, 5}},
		{"before second", `{"created_at":{"$dateBefore":"2024-01-02 10:00:00"}}`, []int64{1, 5}},

		// longer periods
		{"year", `{"created_at":{"$dateOn":"2024"}}`, []int64{1, 2, 3}},
		{"last year", `{"created_at":{"$dateOn":"2023"}}`, []int64{5}},
		{"after a year", `{"created_at":{"$dateAfter":"2023"}}`, []int64{1, 2, 3}},
		{"month", `{"created_at":{"$dateOn":"2023-12"}}`, []int64{5}},
		{"before a month", `{"created_at":{"$dateBefore":"2024-01"}}`, []int64{5}},
		{"quarter", `{"created_at":{"$dateOn":"2024Q1"}}`, []int64{1, 2, 3}},
		{"quarter 4", `{"created_at":{"$dateOn":"2023Q4"}}`, []int64{5}},
		{"ISO week", `{"created_at":{"$dateOn":"2024W01"}}`, []int64{1, 2, 3}},
		{"ISO week 52", `{"created_at":{"$dateOn":"2023W52"}}`, []int64{5}},
		{"Sunday week", `{"created_at":{"$dateOn":"2024w01"}}`, []int64{1, 2, 3, 5}},
		{"Sunday week 52", `{"created_at":{"$dateOn":"2023w52"}}`, nil},

		// ranges of days: the brackets take or leave each end's day
		{"between days", `{"created_at":{"$dateBetween":["2024-01-01","2024-01-02"]}}`, []int64{1, 2}},
		{"on days", `{"created_at":{"$dateOn":["2024-01-01","2024-01-02"]}}`, []int64{1, 2}},
		{"between days [)", `{"created_at":{"$dateBetween":["2024-01-01","2024-01-02","[)"]}}`, []int64{1}},
		{"between days (]", `{"created_at":{"$dateBetween":["2024-01-01","2024-01-02","(]"]}}`, []int64{2}},
		{"between days ()", `{"created_at":{"$dateBetween":["2023-12-31","2024-01-03","()"]}}`, []int64{1, 2}},
		{"between next days ()", `{"created_at":{"$dateBetween":["2024-01-01","2024-01-02","()"]}}`, nil},
		{"a list's own zone is ignored (NocoBase)", `{"created_at":{"$dateBetween":["2024-01-01","2024-01-02","[]","-11:00"]}}`, []int64{1, 2}},
		{"null brackets and zone", `{"created_at":{"$dateBetween":["2024-01-01","2024-01-02",null,null]}}`, []int64{1, 2}},
		{"an end with its own offset", `{"created_at":{"$dateBetween":["2024-01-01+14:00","2024-01-01"]}}`, []int64{1, 5}},
		{"not on days", `{"created_at":{"$dateNotOn":["2024-01-01","2024-01-02"]}}`, []int64{3, 5}},
		{"before days", `{"created_at":{"$dateBefore":["2024-01-02","2024-01-03"]}}`, []int64{1, 5}},
		{"before days (]", `{"created_at":{"$dateBefore":["2024-01-02","2024-01-03","(]"]}}`, []int64{1, 2, 5}},
		{"not before days", `{"created_at":{"$dateNotBefore":["2024-01-02","2024-01-03"]}}`, []int64{2, 3}},
		{"after days", `{"created_at":{"$dateAfter":["2024-01-01","2024-01-02"]}}`, []int64{3}},
		{"after days [)", `{"created_at":{"$dateAfter":["2024-01-01","2024-01-02","[)"]}}`, []int64{2, 3}},
		{"not after days", `{"created_at":{"$dateNotAfter":["2024-01-01","2024-01-02"]}}`, []int64{1, 2, 5}},
		{"not after days [)", `{"created_at":{"$dateNotAfter":["2024-01-01","2024-01-02","[)"]}}`, []int64{1, 5}},

		// ranges of instants: the brackets take or leave the instants
		{"between instants", `{"created_at":{"$dateBetween":["2024-01-01T10:00:00Z","2024-01-02T10:00:00Z"]}}`, []int64{1, 2}},
		{"between instants [)", `{"created_at":{"$dateBetween":["2024-01-01T10:00:00Z","2024-01-02T10:00:00Z","[)"]}}`, []int64{1}},
		{"between instants (]", `{"created_at":{"$dateBetween":["2024-01-01T10:00:00Z","2024-01-02T10:00:00Z","(]"]}}`, []int64{2}},
		{"between instants ()", `{"created_at":{"$dateBetween":["2024-01-01T10:00:00Z","2024-01-02T10:00:00Z","()"]}}`, nil},
		{"between instant and day", `{"created_at":{"$dateBetween":["2023-12-31T10:00:00Z","2024-01-02","(]"]}}`, []int64{1, 2}},
		{"not on instants []", `{"created_at":{"$dateNotOn":["2024-01-01T10:00:00Z","2024-01-02T10:00:00Z"]}}`, []int64{3, 5}},
		{"not on instants ()", `{"created_at":{"$dateNotOn":["2024-01-01T10:00:00Z","2024-01-02T10:00:00Z","()"]}}`, []int64{1, 2, 3, 5}},
		{"after instants", `{"created_at":{"$dateAfter":["2024-01-01T10:00:00Z","2024-01-02T10:00:00Z"]}}`, []int64{3}},
		{"after instants [)", `{"created_at":{"$dateAfter":["2024-01-01T10:00:00Z","2024-01-02T10:00:00Z","[)"]}}`, []int64{2, 3}},
		{"before instants", `{"created_at":{"$dateBefore":["2024-01-01T10:00:00Z","2024-01-02T10:00:00Z"]}}`, []int64{5}},
		{"before instants (]", `{"created_at":{"$dateBefore":["2024-01-01T10:00:00Z","2024-01-02T10:00:00Z","(]"]}}`, []int64{1, 5}},
		{"not before instants (]", `{"created_at":{"$dateNotBefore":["2024-01-01T10:00:00Z","2024-01-02T10:00:00Z","(]"]}}`, []int64{2, 3}},
		{"not after instants [)", `{"created_at":{"$dateNotAfter":["2024-01-01T10:00:00Z","2024-01-02T10:00:00Z","[)"]}}`, []int64{1, 5}},

		// NocoBase's range strings
		{"range string", `{"created_at":{"$dateBetween":"[2024-01-01,2024-01-02]"}}`, []int64{1, 2}},
		{"range string [)", `{"created_at":{"$dateOn":"[2024-01-01,2024-01-02)"}}`, []int64{1}},
		{"range string (]", `{"created_at":{"$dateOn":"(2023-12-31,2024-01-02]"}}`, []int64{1, 2}},
		{"range string with offset", `{"created_at":{"$dateOn":"[2024-01-01,2024-01-01]-11:00"}}`, []int64{2}},
	})
}

func TestDateOperatorsMinus11(t *testing.T) {
	runCases(t, dateCtx("-11:00"), []filterCase{
		{"on day", `{"created_at":{"$dateOn":"2024-01-01"}}`, []int64{2}},
		{"on next day", `{"created_at":{"$dateOn":"2024-01-02"}}`, []int64{3}},
		{"on day before", `{"created_at":{"$dateOn":"2023-12-31"}}`, []int64{1}},
		{"value's offset wins", `{"created_at":{"$dateOn":"2024-01-01+00:00"}}`, []int64{1}},
		{"before day", `{"created_at":{"$dateBefore":"2024-01-02"}}`, []int64{1, 2, 5}},
		{"after day", `{"created_at":{"$dateAfter":"2024-01-01"}}`, []int64{3}},
		{"not on day", `{"created_at":{"$dateNotOn":"2024-01-01"}}`, []int64{1, 3, 5}},
		{"instant ignores the zone", `{"created_at":{"$dateOn":"2024-01-02T10:00:00Z"}}`, []int64{2}},
		{"second", `{"created_at":{"$dateOn":"2024-01-01 23:00:00"}}`, []int64{2}},
		{"between days", `{"created_at":{"$dateBetween":["2024-01-01","2024-01-02"]}}`, []int64{2, 3}},
		{"the request's zone wins over a list's (NocoBase)", `{"created_at":{"$dateBetween":["2024-01-01","2024-01-02","[]","+00:00"]}}`, []int64{2, 3}},
		{"year", `{"created_at":{"$dateOn":"2024"}}`, []int64{2, 3}},
		{"year before", `{"created_at":{"$dateOn":"2023"}}`, []int64{1, 5}},
	})
}

func TestDateOperatorsPlus8(t *testing.T) {
	runCases(t, dateCtx("+08:00"), []filterCase{
		{"on day", `{"created_at":{"$dateOn":"2024-01-01"}}`, []int64{1}},
		{"on next day", `{"created_at":{"$dateOn":"2024-01-02"}}`, []int64{2}},
		{"local second", `{"created_at":{"$dateOn":"2024-01-02 18:00:00"}}`, []int64{2}},
		{"UTC's second", `{"created_at":{"$dateOn":"2024-01-02 10:00:00"}}`, nil},
		{"between days", `{"created_at":{"$dateBetween":["2023-12-31","2024-01-01"]}}`, []int64{1, 5}},
		{"range string takes the request's zone", `{"created_at":{"$dateOn":"[2024-01-02,2024-01-03]"}}`, []int64{2, 3}},
	})
}

func TestDateOperatorsPlus14(t *testing.T) {
	runCases(t, dateCtx("+14:00"), []filterCase{
		{"day starts at a stored time", `{"created_at":{"$dateOn":"2024-01-01"}}`, []int64{5}},
		{"day ends before one", `{"created_at":{"$dateOn":"2024-01-02"}}`, []int64{1}},
		{"before", `{"created_at":{"$dateBefore":"2024-01-02"}}`, []int64{5}},
		{"not after", `{"created_at":{"$dateNotAfter":"2024-01-01"}}`, []int64{5}},
		{"after", `{"created_at":{"$dateAfter":"2024-01-01"}}`, []int64{1, 2, 3}},
		{"year", `{"created_at":{"$dateOn":"2024"}}`, []int64{1, 2, 3, 5}},
	})
}

func TestDateOperatorsNamedZone(t *testing.T) {
	runCases(t, dateCtx("Asia/Tokyo"), []filterCase{ // +09:00
		{"on day", `{"created_at":{"$dateOn":"2024-01-02"}}`, []int64{2}},
		{"today", `{"created_at":{"$dateOn":{"type":"today"}}}`, []int64{2}}, // 21:00 on the 2nd
	})
}

func TestDateRelativeRanges(t *testing.T) {
	on := func(name, rng string, want ...int64) filterCase {
		return filterCase{name, `{"created_at":{"$dateOn":` + rng + `}}`, want}
	}
	// now is Tuesday 2024-01-02 12:00 UTC
	t.Run("UTC", func(t *testing.T) {
		runCases(t, dateCtx(""), []filterCase{
			on("today", `{"type":"today"}`, 2),
			on("yesterday", `{"type":"yesterday"}`, 1),
			on("tomorrow", `{"type":"tomorrow"}`, 3),
			on("thisWeek", `{"type":"thisWeek"}`, 1, 2, 3),
			on("lastWeek", `{"type":"lastWeek"}`, 5),
			on("nextWeek", `{"type":"nextWeek"}`),
			on("thisMonth", `{"type":"thisMonth"}`, 1, 2, 3),
			on("lastMonth", `{"type":"lastMonth"}`, 5),
			on("nextMonth", `{"type":"nextMonth"}`),
			on("thisQuarter", `{"type":"thisQuarter"}`, 1, 2, 3),
			on("lastQuarter", `{"type":"lastQuarter"}`, 5),
			on("nextQuarter", `{"type":"nextQuarter"}`),
			on("thisYear", `{"type":"thisYear"}`, 1, 2, 3),
			on("lastYear", `{"type":"lastYear"}`, 5),
			on("nextYear", `{"type":"nextYear"}`),
			on("past: a day by default", `{"type":"past"}`, 1),
			on("past 2 days", `{"type":"past","unit":"day","number":2}`, 1, 5),
			on("past week", `{"type":"past","unit":"week","number":1}`, 5),
			on("past month", `{"type":"past","unit":"month"}`, 5),
			on("past quarter", `{"type":"past","unit":"quarter"}`, 5),
			on("past year", `{"type":"past","unit":"year"}`, 5),
			on("past 24 hours", `{"type":"past","unit":"hour","number":24}`, 2),
			on("past 1440 minutes", `{"type":"past","unit":"minute","number":1440}`, 2),
			on("next day", `{"type":"next","unit":"day","number":1}`, 3),
			on("next 2 days, number as string", `{"type":"next","unit":"day","number":"2"}`, 3),
			on("next 24 hours", `{"type":"next","unit":"hour","number":24}`, 3),
			on("last7Days", `{"type":"last7Days"}`, 1, 2, 5),
			on("next7Days", `{"type":"next7Days"}`, 3),
			on("last30Days", `{"type":"last30Days"}`, 1, 2, 5),
			on("next90Days", `{"type":"next90Days"}`, 3),
			on("timezone key is ignored", `{"type":"today","timezone":"+14:00"}`, 2),
			{"before today", `{"created_at":{"$dateBefore":{"type":"today"}}}`, []int64{1, 5}},
			{"after today", `{"created_at":{"$dateAfter":{"type":"today"}}}`, []int64{3}},
			{"not on today", `{"created_at":{"$dateNotOn":{"type":"today"}}}`, []int64{1, 3, 5}},
			{"not before yesterday", `{"created_at":{"$dateNotBefore":{"type":"yesterday"}}}`, []int64{1, 2, 3}},
			{"not after yesterday", `{"created_at":{"$dateNotAfter":{"type":"yesterday"}}}`, []int64{1, 5}},
			{"between this week", `{"created_at":{"$dateBetween":{"type":"thisWeek"}}}`, []int64{1, 2, 3}},
		})
	})
	// In -11:00 it is 01:00 on Tuesday the 2nd.
	t.Run("-11:00", func(t *testing.T) {
		runCases(t, dateCtx("-11:00"), []filterCase{
			on("today", `{"type":"today"}`, 3),
			on("yesterday", `{"type":"yesterday"}`, 2),
			on("thisWeek", `{"type":"thisWeek"}`, 2, 3),
			on("lastWeek", `{"type":"lastWeek"}`, 1, 5),
			on("last7Days", `{"type":"last7Days"}`, 1, 2, 3, 5),
			on("thisYear", `{"type":"thisYear"}`, 2, 3),
			on("lastYear", `{"type":"lastYear"}`, 1, 5),
		})
	})
	// In +14:00 it is 02:00 on Wednesday the 3rd.
	t.Run("+14:00", func(t *testing.T) {
		runCases(t, dateCtx("+14:00"), []filterCase{
			on("today starts at a stored time", `{"type":"today"}`, 2),
			on("yesterday", `{"type":"yesterday"}`, 1),
			on("tomorrow", `{"type":"tomorrow"}`, 3),
			on("thisMonth", `{"type":"thisMonth"}`, 1, 2, 3, 5),
		})
	})
}

func TestDateVariables(t *testing.T) {
	t0, t1 := day0, day0.Add(24*time.Hour)
	vars := func(path string) (any, bool) {
		switch path {
		case "t0":
			return t0, true
		case "t1":
			return &t1, true
		case "day":
			return "2024-01-03", true
		}
		return nil, false
	}
	ctx := WithVariables(dateCtx(""), vars)
	runCases(t, ctx, []filterCase{
		{"time.Time is an instant", `{"created_at":{"$dateOn":"{{ t0 }}"}}`, []int64{1}},
		{"*time.Time", `{"created_at":{"$dateOn":"{{ t1 }}"}}`, []int64{2}},
		{"after a time.Time", `{"created_at":{"$dateAfter":"{{ t0 }}"}}`, []int64{2, 3}},
		{"between time.Times", `{"created_at":{"$dateBetween":["{{ t0 }}","{{ t1 }}"]}}`, []int64{1, 2}},
		{"between time.Times [)", `{"created_at":{"$dateBetween":["{{ t0 }}","{{ t1 }}","[)"]}}`, []int64{1}},
		{"a date string", `{"created_at":{"$dateOn":"{{ day }}"}}`, []int64{3}},
	})
}

// testEvent holds times around midnight in several zones, with fractions
// of a second, to check how the stored times compare with the bounds.
type testEvent struct {
	bun.BaseModel `bun:"table:date_events,alias:date_events"`
	ID            int64     `bun:"id,pk,autoincrement"`
	At            time.Time `bun:"at,nullzero"`
}

var plus8 = time.FixedZone("+08:00", 8*3600)

// seedEvents, sorted by time (UTC):
//
//	1 2024-01-01 15:59:59.999999   the last µs of the 1st in +08:00
//	2 2024-01-01 16:00:00          midnight of the 2nd in +08:00
//	6 2024-01-01 16:00:00.1        (written as 2024-01-02 00:00:00.1+08:00)
//	4 2024-01-01 16:00:00.25
//	3 2024-01-01 16:00:00.5
//	5 2024-01-01 16:00:01
//	7 2024-01-01 23:59:59.999999
//	8 2024-01-02 00:00:00
//	9 2024-01-02 10:59:59.9
//	10 2024-01-02 11:00:00         midnight of the 2nd in -11:00
//	11 NULL
var seedEvents = []*testEvent{
	{ID: 1, At: time.Date(2024, 1, 1, 15, 59, 59, 999999000, time.UTC)},
	{ID: 2, At: time.Date(2024, 1, 1, 16, 0, 0, 0, time.UTC)},
	{ID: 3, At: time.Date(2024, 1, 1, 16, 0, 0, 500000000, time.UTC)},
	{ID: 4, At: time.Date(2024, 1, 1, 16, 0, 0, 250000000, time.UTC)},
	{ID: 5, At: time.Date(2024, 1, 1, 16, 0, 1, 0, time.UTC)},
	{ID: 6, At: time.Date(2024, 1, 2, 0, 0, 0, 100000000, plus8)},
	{ID: 7, At: time.Date(2024, 1, 1, 23, 59, 59, 999999000, time.UTC)},
	{ID: 8, At: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)},
	{ID: 9, At: time.Date(2024, 1, 2, 10, 59, 59, 900000000, time.UTC)},
	{ID: 10, At: time.Date(2024, 1, 2, 11, 0, 0, 0, time.UTC)},
	{ID: 11},
}

func seedEventTable(t *testing.T, db *bun.DB) *Schema {
	t.Helper()
	ctx := context.Background()
	if _, err := db.NewCreateTable().Model((*testEvent)(nil)).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	rows := slices.Clone(seedEvents)
	if _, err := db.NewInsert().Model(&rows).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	s, err := SchemaFor(db, (*testEvent)(nil))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type zonedCase struct {
	tz     string
	filter string
	want   []int64
}

func TestDateBoundariesAndStorage(t *testing.T) {
	all := []int64{2, 3, 4, 5, 6, 7, 8, 9, 10}
	cases := []zonedCase{
		{"+08:00", `{"at":{"$dateOn":"2024-01-02"}}`, all},
		{"+08:00", `{"at":{"$dateOn":"2024-01-01"}}`, []int64{1}},
		{"+08:00", `{"at":{"$dateBefore":"2024-01-02"}}`, []int64{1}},
		{"+08:00", `{"at":{"$dateNotBefore":"2024-01-02"}}`, all},
		{"+08:00", `{"at":{"$dateNotOn":"2024-01-02"}}`, []int64{1}},
		{"+08:00", `{"at":{"$dateAfter":"2024-01-01"}}`, all},
		{"+08:00", `{"at":{"$dateNotAfter":"2024-01-01"}}`, []int64{1}},
		{"", `{"at":{"$dateOn":"2024-01-01"}}`, []int64{1, 2, 3, 4, 5, 6, 7}},
		{"", `{"at":{"$dateOn":"2024-01-02"}}`, []int64{8, 9, 10}},
		{"", `{"at":{"$dateOn":"2024-01-01 16:00:00"}}`, []int64{2, 3, 4, 6}},
		{"", `{"at":{"$dateOn":"2024-01-01 16:00:00.5"}}`, []int64{3}},
		{"", `{"at":{"$dateOn":"2024-01-01 16:00:00.1"}}`, []int64{6}},
		{"", `{"at":{"$dateOn":"2024-01-01 16:00:00.25"}}`, []int64{4}},
		{"", `{"at":{"$dateOn":"2024-01-01T16:00:00.25Z"}}`, []int64{4}},
		{"", `{"at":{"$dateOn":"2024-01-01T16:00:00.1Z"}}`, []int64{6}},
		{"", `{"at":{"$dateOn":"2024-01-01T15:59:59.999999Z"}}`, []int64{1}},
		{"", `{"at":{"$dateOn":"2024-01-01T16:00:00Z"}}`, []int64{2}},
		{"", `{"at":{"$dateAfter":"2024-01-01T16:00:00Z"}}`, []int64{3, 4, 5, 6, 7, 8, 9, 10}},
		{"", `{"at":{"$dateAfter":"2024-01-01T16:00:00.25Z"}}`, []int64{3, 5, 7, 8, 9, 10}},
		{"", `{"at":{"$dateBefore":"2024-01-01T16:00:00.25Z"}}`, []int64{1, 2, 6}},
		{"", `{"at":{"$dateNotAfter":"2024-01-01T16:00:00.1Z"}}`, []int64{1, 2, 6}},
		{"", `{"at":{"$dateBetween":["2024-01-01T16:00:00Z","2024-01-01T16:00:00.5Z","()"]}}`, []int64{4, 6}},
		{"", `{"at":{"$dateBetween":["2024-01-01T16:00:00Z","2024-01-01T16:00:00.5Z"]}}`, []int64{2, 3, 4, 6}},
		{"-11:00", `{"at":{"$dateOn":"2024-01-02"}}`, []int64{10}},
		{"-11:00", `{"at":{"$dateOn":"2024-01-01"}}`, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{"-11:00", `{"at":{"$dateBefore":"2024-01-02"}}`, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{"-11:00", `{"at":{"$dateOn":"2024-01-01 23"}}`, []int64{9}},
		{"+05:45", `{"at":{"$dateOn":"2024-01-02"}}`, []int64{7, 8, 9, 10}},
		{"+05:45", `{"at":{"$dateOn":"2024-01-02 05"}}`, []int64{7, 8}},
		{"+05:45", `{"at":{"$dateOn":"2024-01-02 05:45"}}`, []int64{8}},
	}
	// now 2024-01-01 20:00 UTC is 04:00 on the 2nd in +08:00
	relNow := time.Date(2024, 1, 1, 20, 0, 0, 0, time.UTC)
	relative := []zonedCase{
		{"+08:00", `{"at":{"$dateOn":{"type":"today"}}}`, all},
		{"+08:00", `{"at":{"$dateOn":{"type":"past","unit":"hour","number":4}}}`, []int64{2, 3, 4, 5, 6}},
		{"", `{"at":{"$dateOn":{"type":"today"}}}`, []int64{1, 2, 3, 4, 5, 6, 7}},
	}
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := seedEventTable(t, db)
		ctx := context.Background()
		run := func(now time.Time, cases []zonedCase) {
			for _, c := range cases {
				cctx := withNow(WithTimezone(ctx, c.tz), now)
				var rows []*testEvent
				q, err := Apply(cctx, db.NewSelect().Model(&rows).Order("id"), s, c.filter)
				if err != nil {
					t.Errorf("%s in %q: %v", c.filter, c.tz, err)
					continue
				}
				if err := q.Scan(cctx); err != nil {
					t.Fatalf("%s in %q: %v", c.filter, c.tz, err)
				}
				var got []int64
				for _, r := range rows {
					got = append(got, r.ID)
				}
				slices.Sort(got)
				if !slices.Equal(got, c.want) {
					t.Errorf("%s in %q = %v, want %v", c.filter, c.tz, got, c.want)
				}
			}
		}
		run(dateNow, cases)
		run(relNow, relative)

		// How the times are stored: as text in UTC on SQLite, which is
		// what the comparisons with bun's bound values rely on. (The
		// driver turns a TIMESTAMP column's text into a time.Time when it
		// reads it, hence the CAST.)
		switch db.Dialect().Name().String() {
		case "sqlite":
			for id, want := range map[int64]string{
				2: "2024-01-01 16:00:00+00:00",
				3: "2024-01-01 16:00:00.5+00:00",
				6: "2024-01-01 16:00:00.1+00:00",
				1: "2024-01-01 15:59:59.999999+00:00",
			} {
				var typ, text string
				if err := db.QueryRowContext(ctx, "SELECT typeof(at), CAST(at AS TEXT) FROM date_events WHERE id = ?", id).Scan(&typ, &text); err != nil {
					t.Fatal(err)
				}
				if typ != "text" || text != want {
					t.Errorf("SQLite stores event %d as %s %q, want text %q", id, typ, text, want)
				}
			}
		case "pg":
			var typ string
			if err := db.QueryRowContext(ctx, "SELECT data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'date_events' AND column_name = 'at'").Scan(&typ); err != nil {
				t.Fatal(err)
			}
			if typ != "timestamp with time zone" {
				t.Errorf("PostgreSQL column type %q, want timestamp with time zone", typ)
			}
		}
	})
}

// TestDateSQLIsTheSame: the bounds are computed in Go, so both databases
// get the same SQL, with the values as bun writes time literals.
func TestDateSQLIsTheSame(t *testing.T) {
	filters := map[string]string{
		`{"created_at":{"$dateOn":"2024-01-02"}}`:                          `("posts"."created_at" >= '2024-01-01 16:00:00+00:00' AND "posts"."created_at" < '2024-01-02 16:00:00+00:00')`,
		`{"created_at":{"$dateNotOn":"2024-01-02T10:00:00.5Z"}}`:           `("posts"."created_at" <> '2024-01-02 10:00:00.5+00:00')`,
		`{"created_at":{"$dateBetween":["2024-01-01","2024-01-02","()"]}}`: `("posts"."created_at" >= '2024-01-01 16:00:00+00:00' AND "posts"."created_at" < '2024-01-01 16:00:00+00:00')`,
		`{"created_at":{"$dateAfter":"2024"}}`:                             `("posts"."created_at" >= '2024-12-31 16:00:00+00:00')`,
	}
	got := map[string]map[string]string{}
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		db.RegisterModel((*testPostTag)(nil))
		s, err := SchemaFor(db, (*testPost)(nil))
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for f, want := range filters {
			e, err := Where(dateCtx("+08:00"), s, f)
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			b, err := e.AppendQuery(db.QueryGen(), nil)
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			sql := string(b)
			if sql != want {
				t.Errorf("%s:\n got %s\nwant %s", f, sql, want)
			}
			out[f] = sql
		}
		got[db.Dialect().Name().String()] = out
	})
	if len(got) == 2 && !equalMaps(got["sqlite"], got["pg"]) {
		t.Errorf("SQL differs: %v vs %v", got["sqlite"], got["pg"])
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestDateErrors(t *testing.T) {
	db := dbtest.SQLite(t)
	db.RegisterModel((*testPostTag)(nil))
	s, err := SchemaFor(db, (*testPost)(nil))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		tz, filter, want string
	}{
		{"", `{"title":{"$dateOn":"2024-01-01"}}`, "works on date and time fields; title is not one"},
		{"", `{"views":{"$dateBefore":"2024-01-01"}}`, "views is not one"},
		{"", `{"created_at":{"$dateOn":null}}`, "needs a date, not null"},
		{"", `{"created_at":{"$dateOn":""}}`, `"" is not a date`},
		{"", `{"created_at":{"$dateOn":"yesterday"}}`, `"yesterday" is not a date`},
		{"", `{"created_at":{"$dateOn":"2024-1-2"}}`, `"2024-1-2" is not a date`},
		{"", `{"created_at":{"$dateOn":"2024-02-30"}}`, "February 2024 has no day 30"},
		{"", `{"created_at":{"$dateOn":"2023-02-29"}}`, "February 2023 has no day 29"},
		{"", `{"created_at":{"$dateOn":"2024-13-01"}}`, "no month 13"},
		{"", `{"created_at":{"$dateOn":"2024-01-02 24:00:00"}}`, "24:00:00 is not a time of day"},
		{"", `{"created_at":{"$dateOn":"2024-01-02 10:60"}}`, "10:60:00 is not a time of day"},
		{"", `{"created_at":{"$dateOn":"2024Q5"}}`, "no quarter 5"},
		{"", `{"created_at":{"$dateOn":"2024W00"}}`, "2024 has no week 0"},
		{"", `{"created_at":{"$dateOn":"2024W53"}}`, "2024 has no week 53"},
		{"", `{"created_at":{"$dateOn":"2023w53"}}`, "2023 has no week 53"},
		{"", `{"created_at":{"$dateOn":"2024-01-02T25:00:00Z"}}`, "is not a UTC time"},
		{"", `{"created_at":{"$dateOn":"2024-01-02 10:00:00.1234567"}}`, "is not a date"},
		{"", `{"created_at":{"$dateOn":"2024-01-02+25:00"}}`, "offset +25:00"},
		{"", `{"created_at":{"$dateOn":"0000-01-01"}}`, "no year 0000"},
		{"", `{"created_at":{"$dateOn":"9999-12-31"}}`, "outside the years 0001 to 9999"},
		{"", `{"created_at":{"$dateOn":2024}}`, "wants a date string"},
		{"", `{"created_at":{"$dateOn":true}}`, "wants a date string"},
		{"", `{"created_at":{"$dateBetween":[]}}`, "not 0 values"},
		{"", `{"created_at":{"$dateBetween":["2024-01-01"]}}`, "not 1 values"},
		{"", `{"created_at":{"$dateBetween":["2024-01-01","2024-01-02","[]","+08:00","x"]}}`, "not 5 values"},
		{"", `{"created_at":{"$dateBetween":["2024-01-01","2024-01-02","[["]}}`, `not "[["`},
		{"", `{"created_at":{"$dateBetween":["2024-01-01","2024-01-02",5]}}`, "brackets must be"},
		{"", `{"created_at":{"$dateBetween":["2024-01-01","2024-01-02","[]","nowhere"]}}`, `timezone "nowhere"`},
		{"", `{"created_at":{"$dateBetween":["2024-01-01","2024-01-02","[]",8]}}`, "timezone of a range must be a string"},
		{"", `{"created_at":{"$dateBetween":[null,"2024-01-02"]}}`, "start of a range cannot be null"},
		{"", `{"created_at":{"$dateBetween":["2024-01-01",7]}}`, "end of a range must be a date string"},
		{"", `{"created_at":{"$dateBetween":["2024-01-01","2024-02-30"]}}`, "February 2024 has no day 30"},
		{"", `{"created_at":{"$dateBetween":["[2024-01-01,2024-01-02]","2024-01-03"]}}`, "is not a date"},
		{"", `{"created_at":{"$dateOn":"[2024-01-01]"}}`, "is not a range like"},
		{"", `{"created_at":{"$dateOn":{}}}`, `needs a "type" string`},
		{"", `{"created_at":{"$dateOn":{"type":"someday"}}}`, `"someday" is not a relative range type`},
		{"", `{"created_at":{"$dateOn":{"type":"today","when":1}}}`, `not "when"`},
		{"", `{"created_at":{"$dateOn":{"type":"past","unit":"fortnight"}}}`, "unit must be one of"},
		{"", `{"created_at":{"$dateOn":{"type":"past","number":0}}}`, "number must be a whole number"},
		{"", `{"created_at":{"$dateOn":{"type":"past","number":1.5}}}`, "number must be a whole number"},
		{"", `{"created_at":{"$dateOn":{"type":"past","number":"x"}}}`, "number must be a whole number"},
		{"", `{"created_at":{"$dateOn":{"type":"past","unit":"year","number":5000}}}`, "outside the years 0001 to 9999"},
		{"bogus/zone", `{"created_at":{"$dateOn":"2024-01-01"}}`, `the request's timezone "bogus/zone"`},
		{"Local", `{"created_at":{"$dateOn":{"type":"today"}}}`, `the request's timezone "Local"`},
	}
	for _, c := range cases {
		_, err := Where(dateCtx(c.tz), s, c.filter)
		if err == nil {
			t.Errorf("%s: no error, want %q", c.filter, c.want)
			continue
		}
		if !errors.Is(err, ErrInvalidValue) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an invalid value error with %q", c.filter, err, c.want)
		}
	}
	// A bad request timezone does not matter to an instant, which needs none.
	if _, err := Where(dateCtx("bogus/zone"), s, `{"created_at":{"$dateOn":"2024-01-01T00:00:00Z"}}`); err != nil {
		t.Errorf("instant in a bad zone: %v", err)
	}
}

func TestDateZones(t *testing.T) {
	for tz, offset := range map[string]int{"": 0, "Z": 0, "UTC": 0, "+00:00": 0, "+08:00": 8 * 3600, "-11:00": -11 * 3600, "+0530": 19800, "-03": -3 * 3600, "+05:45": 20700} {
		loc, err := parseZone(tz)
		if err != nil {
			t.Errorf("%q: %v", tz, err)
			continue
		}
		if _, got := time.Date(2024, 1, 1, 0, 0, 0, 0, loc).Zone(); got != offset {
			t.Errorf("%q: offset %d, want %d", tz, got, offset)
		}
	}
	for _, tz := range []string{"+24:00", "+08:60", "8", "+8:00", "Local", "../etc/passwd", "nowhere"} {
		if _, err := parseZone(tz); err == nil {
			t.Errorf("%q: no error", tz)
		}
	}
}

// TestDateWeeks checks the week forms against what dayjs gives in
// NocoBase (parseDate in @nocobase/utils 2.2.15).
func TestDateWeeks(t *testing.T) {
	for value, want := range map[string]string{
		"2024W01": "2024-01-01", "2026W01": "2025-12-29", "2021W01": "2021-01-04", "2020W53": "2020-12-28",
		"2024w01": "2023-12-31", "2023w01": "2023-01-01", "2022w01": "2021-12-26", "2022w53": "2022-12-25",
	} {
		p := &dateParser{c: &Cond{Operator: "$dateOn"}}
		s, err := p.value(value)
		if err != nil {
			t.Errorf("%s: %v", value, err)
			continue
		}
		if got := s.lo.Format(time.DateOnly); got != want || s.hi.Sub(s.lo) != 7*24*time.Hour {
			t.Errorf("%s = [%s, %s), want a week from %s", value, s.lo, s.hi, want)
		}
	}
}
