package datasync

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
)

// DefaultScheduleInterval is how often a source with an empty schedule
// ("schedule": {}) runs: every 12 hours, the reference's 43,200 s.
const DefaultScheduleInterval = 43200 * time.Second

// Schedule is when a source runs, read from the "schedule" object of its
// options by [ParseSchedule]: a fixed interval or a cron expression, plus
// an optional jitter. The zero Schedule is not usable; build one with
// ParseSchedule.
type Schedule struct {
	every  time.Duration // the interval, when cron is nil
	cron   cron.Schedule
	expr   string // cron's expression, for String
	jitter time.Duration
}

// scheduleKeys are the options "schedule" accepts, in the order errors
// list them.
var scheduleKeys = []string{"every", "cron", "jitter"}

// ParseSchedule reads options["schedule"]:
//
//	"schedule": {"every": "12h"}                      // a Go duration, or a number of seconds: 43200
//	"schedule": {"cron": "0 3 * * *", "jitter": "5m"} // standard 5 fields, or @daily, @every 1h…
//	"schedule": {}                                    // every DefaultScheduleInterval
//
// A scheduled run's cron times are in the host's local time zone
// (time.Local) unless the expression starts with CRON_TZ=Zone/Name: set
// one when a fleet's hosts are in different zones.
//
// scheduled is false when there is no "schedule" key (or it is null): the
// source then runs only when pulled. every and cron together, an unknown
// key, a zero or negative duration, or a cron expression
// [cron.ParseStandard] refuses or that matches no date is an error wrapping [ErrInvalidSource]
// that names the option ("schedule.cron: ...").
//
// "fullSchedule", in the same form, is read by the [Scheduler] beside
// "schedule" (its errors name it: "fullSchedule.every: ..."): with both,
// a [DeltaSource] runs deltas by "schedule" and full runs by
// "fullSchedule".
func ParseSchedule(options map[string]any) (s Schedule, scheduled bool, err error) {
	return parseSchedule(options, "schedule")
}

// parseSchedule reads the schedule under key ("schedule" or
// "fullSchedule"); errors name the option under key.
func parseSchedule(options map[string]any, key string) (s Schedule, scheduled bool, err error) {
	raw, ok := options[key]
	if !ok || raw == nil {
		return Schedule{}, false, nil
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return Schedule{}, false, scheduleError(key, "want an object, got %s", jsonval.TypeName(raw))
	}
	for k := range obj {
		if !slices.Contains(scheduleKeys, k) {
			return Schedule{}, false, scheduleError(key+"."+k, "unknown option (want one of %s)", strings.Join(scheduleKeys, ", "))
		}
	}
	_, hasEvery := obj["every"]
	_, hasCron := obj["cron"]
	if hasEvery && hasCron {
		return Schedule{}, false, scheduleError(key, "every and cron exclude each other: give one")
	}
	if s.jitter, err = optionalDuration(obj, key, "jitter"); err != nil {
		return Schedule{}, false, err
	}
	if hasCron {
		if s.cron, s.expr, err = parseCron(key+".cron", obj["cron"]); err != nil {
			return Schedule{}, false, err
		}
		return s, true, nil
	}
	if s.every, err = optionalDuration(obj, key, "every"); err != nil {
		return Schedule{}, false, err
	}
	if s.every == 0 {
		s.every = DefaultScheduleInterval
	}
	return s, true, nil
}

func scheduleError(option, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidSource, option, fmt.Sprintf(format, args...))
}

// optionalDuration reads <schedule>.<key>: a Go duration string or a
// number of seconds, which must be positive. A missing key is zero.
func optionalDuration(obj map[string]any, schedule, key string) (time.Duration, error) {
	raw, ok := obj[key]
	if !ok {
		return 0, nil
	}
	option := schedule + "." + key
	var d time.Duration
	switch v := raw.(type) {
	case string:
		parsed, err := time.ParseDuration(v)
		if err != nil {
			return 0, scheduleError(option, "want a duration such as \"12h\" or a number of seconds, got %q", v)
		}
		d = parsed
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			return 0, scheduleError(option, "want a number of seconds, got %s", v)
		}
		return secondsDuration(option, f)
	case float64:
		return secondsDuration(option, v)
	case int:
		return secondsDuration(option, float64(v))
	case int64:
		return secondsDuration(option, float64(v))
	default:
		return 0, scheduleError(option, "want a duration such as \"12h\" or a number of seconds, got %s", jsonval.TypeName(raw))
	}
	if d <= 0 {
		return 0, scheduleError(option, "want a positive duration, got %s", d)
	}
	return d, nil
}

// maxScheduleSeconds keeps a number of seconds inside time.Duration: about
// 292 years.
const maxScheduleSeconds = float64(math.MaxInt64 / int64(time.Second))

func secondsDuration(option string, seconds float64) (time.Duration, error) {
	if math.IsNaN(seconds) || seconds > maxScheduleSeconds {
		return 0, scheduleError(option, "want at most %d seconds", int64(maxScheduleSeconds))
	}
	d := time.Duration(seconds * float64(time.Second))
	if d <= 0 {
		return 0, scheduleError(option, "want a positive number of seconds, got %v", seconds)
	}
	return d, nil
}

func parseCron(option string, raw any) (cron.Schedule, string, error) {
	expr, ok := raw.(string)
	if !ok {
		return nil, "", scheduleError(option, "want a cron expression string, got %s", jsonval.TypeName(raw))
	}
	sched, err := parseStandardCron(expr)
	if err != nil {
		return nil, "", scheduleError(option, "%v", err)
	}
	// The parser takes days that no month has ("0 0 30 2 *"); its Next
	// then gives the zero time, which would make the source always due.
	if sched.Next(time.Now()).IsZero() {
		return nil, "", scheduleError(option, "%q never matches a date", expr)
	}
	return sched, expr, nil
}

// parseStandardCron is cron.ParseStandard, which panics on some input
// (v3.0.1 slices out of range on "TZ=x" without a space after it): an
// operator's typo must fail the option, not the process.
func parseStandardCron(expr string) (sched cron.Schedule, err error) {
	defer func() {
		if p := recover(); p != nil {
			sched, err = nil, fmt.Errorf("cannot parse %q", expr)
		}
	}()
	return cron.ParseStandard(expr)
}

// Next is when the source runs next after a run that started at after:
// after plus the interval, or the cron expression's next time after it
// (in after's location, unless the expression starts with CRON_TZ=), plus
// a random delay in [0, jitter). The delay comes from a generator seeded
// with after, so Next is a function of its argument: asked twice, or by
// two instances of a fleet reading the same last run, it gives the same
// time, while sources whose runs started at different moments spread out.
func (s Schedule) Next(after time.Time) time.Time {
	var next time.Time
	if s.cron != nil {
		next = s.cron.Next(after)
	} else {
		next = after.Add(s.every)
	}
	if s.jitter > 0 {
		r := rand.New(rand.NewPCG(uint64(after.UnixNano()), 0x9e3779b97f4a7c15))
		next = next.Add(time.Duration(r.Int64N(int64(s.jitter))))
	}
	return next
}

// String describes the schedule for logs: "every 12h0m0s",
// "cron 0 3 * * *, jitter 5m0s".
func (s Schedule) String() string {
	out := "every " + s.every.String()
	if s.cron != nil {
		out = "cron " + s.expr
	}
	if s.jitter > 0 {
		out += ", jitter " + s.jitter.String()
	}
	return out
}

// NextRun is when the enabled source named sourceName runs next by its
// schedule: [Schedule.Next] of its latest task's start, or now when it
// never ran; with a "fullSchedule" as well, the earlier of that and the
// time its next full run is due (see [Scheduler]). A missing source is an
// error matching ErrSourceNotFound, one without a schedule
// ErrNotScheduled, a bad schedule ErrInvalidSource.
func (m *Manager) NextRun(ctx context.Context, sourceName string) (time.Time, error) {
	_, at, _, err := m.nextScheduled(ctx, sourceName)
	return at, err
}

// nextScheduled reads the source, its schedules, its latest task and its
// state, and returns the row, when it runs next and from when on its runs
// are full (see runPlan.next).
func (m *Manager) nextScheduled(ctx context.Context, sourceName string) (row *SyncSource, at, fullFrom time.Time, err error) {
	row, err = m.SourceByName(ctx, sourceName)
	if err != nil {
		return nil, at, fullFrom, err
	}
	plan, ok, err := parseRunPlan(row.Options)
	if err != nil {
		return nil, at, fullFrom, fmt.Errorf("datasync: source %q: %w", sourceName, err)
	}
	if !ok {
		return nil, at, fullFrom, fmt.Errorf("datasync: source %q: %w", sourceName, ErrNotScheduled)
	}
	last, err := m.latestTask(ctx, row.ID)
	if err != nil {
		return nil, at, fullFrom, err
	}
	st, err := loadSyncState(ctx, m.db, row.Name)
	if err != nil {
		return nil, at, fullFrom, err
	}
	at, fullFrom = plan.next(last, st, time.Now())
	return row, at, fullFrom, nil
}

// runPlan is a scheduled source's schedules: every run by "schedule",
// or, with "fullSchedule", deltas by the one and full runs by the other.
type runPlan struct {
	sched Schedule
	full  *Schedule
}

// parseRunPlan reads "schedule" and "fullSchedule"; ok is false without a
// "schedule" (a "fullSchedule" alone runs nothing).
func parseRunPlan(options map[string]any) (p runPlan, ok bool, err error) {
	if p.sched, ok, err = ParseSchedule(options); err != nil || !ok {
		return runPlan{}, false, err
	}
	full, hasFull, err := parseSchedule(options, "fullSchedule")
	if err != nil {
		return runPlan{}, false, err
	}
	if hasFull {
		p.full = &full
	}
	return p, true, nil
}

// next is when the source runs next, after its latest task last (nil when
// it never ran: now) with its state st (nil when none), and fullFrom: a
// run that starts at or after fullFrom is full, one before it a delta.
//
// Without "fullSchedule", or before the source has a watermark and a full
// run, every run is full (fullFrom is the zero time). With it, a run is
// due by "schedule" after the latest task, or when the full run comes due
// (by "fullSchedule" after LastFullAt) if no run started since: a full run
// that failed is tried again at the next "schedule" time, not every tick.
func (p runPlan) next(last *SyncTask, st *SyncState, now time.Time) (at, fullFrom time.Time) {
	at = now
	if last != nil {
		at = p.sched.nextAfter(last)
	}
	if p.full == nil || st == nil || st.Watermark == "" || st.LastFullAt == nil {
		return at, time.Time{}
	}
	fullFrom = p.full.Next(st.LastFullAt.In(time.Local))
	if (last == nil || last.CreatedAt.Before(fullFrom)) && fullFrom.Before(at) {
		at = fullFrom
	}
	return at, fullFrom
}

// nextAfter is when the source runs after its task last: Next of the
// task's start in the local time zone, as a database hands times back in
// UTC and a cron "0 3 * * *" means 03:00 where the host is.
func (s Schedule) nextAfter(last *SyncTask) time.Time {
	return s.Next(last.CreatedAt.In(time.Local))
}

// latestTask returns the source's newest task, or nil when it has none.
func (m *Manager) latestTask(ctx context.Context, sourceID int64) (*SyncTask, error) {
	task := new(SyncTask)
	err := m.db.NewSelect().Model(task).
		Where("? = ?", bun.Ident("sourceId"), sourceID).
		OrderExpr("? DESC", bun.Ident("id")).
		Limit(1).
		Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("datasync: latest task of source %d: %w", sourceID, err)
	}
	return task, nil
}
