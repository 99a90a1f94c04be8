package datasync_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

func ExampleParseSchedule() {
	options := map[string]any{"schedule": map[string]any{"cron": "0 3 * * *"}}
	s, scheduled, err := datasync.ParseSchedule(options)
	fmt.Println(s, scheduled, err)
	fmt.Println(s.Next(time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)))

	_, _, err = datasync.ParseSchedule(map[string]any{"schedule": map[string]any{"every": "-1h"}})
	fmt.Println(err)
	// Output:
	// cron 0 3 * * * true <nil>
	// 2026-01-02 03:00:00 +0000 UTC
	// datasync: invalid source: schedule.every: want a positive duration, got -1h0m0s
}

// scheduleCase is one options object and what ParseSchedule makes of it:
// the schedule's String, or an error containing wantErr.
type scheduleCase struct {
	name      string
	options   string // JSON, decoded with UseNumber as a source row's options are
	want      string
	scheduled bool
	wantErr   string
}

func runScheduleCases(t *testing.T, cases []scheduleCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, scheduled, err := datasync.ParseSchedule(decodeOptions(t, c.options))
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) || !errors.Is(err, datasync.ErrInvalidSource) {
					t.Fatalf("err = %v, want one wrapping ErrInvalidSource containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if scheduled != c.scheduled {
				t.Fatalf("scheduled = %v, want %v", scheduled, c.scheduled)
			}
			if scheduled && s.String() != c.want {
				t.Fatalf("schedule = %q, want %q", s, c.want)
			}
		})
	}
}

func decodeOptions(t testing.TB, src string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(src))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestParseSchedule(t *testing.T) {
	runScheduleCases(t, []scheduleCase{
		{name: "no schedule key", options: `{"path": "x.csv"}`},
		{name: "null schedule", options: `{"schedule": null}`},
		{name: "empty is the default interval", options: `{"schedule": {}}`, scheduled: true, want: "every 12h0m0s"},
		{name: "every as a duration", options: `{"schedule": {"every": "90m"}}`, scheduled: true, want: "every 1h30m0s"},
		{name: "every as seconds", options: `{"schedule": {"every": 43200}}`, scheduled: true, want: "every 12h0m0s"},
		{name: "every as fractional seconds", options: `{"schedule": {"every": 0.25}}`, scheduled: true, want: "every 250ms"},
		{name: "cron", options: `{"schedule": {"cron": "0 3 * * *"}}`, scheduled: true, want: "cron 0 3 * * *"},
		{name: "cron descriptor", options: `{"schedule": {"cron": "@daily"}}`, scheduled: true, want: "cron @daily"},
		{name: "cron with time zone", options: `{"schedule": {"cron": "CRON_TZ=Europe/Paris 0 3 * * 1-5"}}`, scheduled: true, want: "cron CRON_TZ=Europe/Paris 0 3 * * 1-5"},
		{name: "jitter as a duration", options: `{"schedule": {"every": "1h", "jitter": "5m"}}`, scheduled: true, want: "every 1h0m0s, jitter 5m0s"},
		{name: "jitter as seconds with cron", options: `{"schedule": {"cron": "@hourly", "jitter": 300}}`, scheduled: true, want: "cron @hourly, jitter 5m0s"},
		{name: "jitter alone keeps the default interval", options: `{"schedule": {"jitter": "1m"}}`, scheduled: true, want: "every 12h0m0s, jitter 1m0s"},

		{name: "not an object", options: `{"schedule": "12h"}`, wantErr: "schedule: want an object, got a string"},
		{name: "every and cron", options: `{"schedule": {"every": "1h", "cron": "@daily"}}`, wantErr: "schedule: every and cron exclude each other"},
		{name: "unknown key", options: `{"schedule": {"interval": "1h"}}`, wantErr: "schedule.interval: unknown option"},
		{name: "bad duration", options: `{"schedule": {"every": "soon"}}`, wantErr: `schedule.every: want a duration such as "12h" or a number of seconds, got "soon"`},
		{name: "zero duration", options: `{"schedule": {"every": "0s"}}`, wantErr: "schedule.every: want a positive duration"},
		{name: "negative duration", options: `{"schedule": {"every": "-5m"}}`, wantErr: "schedule.every: want a positive duration"},
		{name: "zero seconds", options: `{"schedule": {"every": 0}}`, wantErr: "schedule.every: want a positive number of seconds"},
		{name: "negative seconds", options: `{"schedule": {"jitter": -1}}`, wantErr: "schedule.jitter: want a positive number of seconds"},
		{name: "too many seconds", options: `{"schedule": {"every": 1e300}}`, wantErr: "schedule.every: want at most"},
		{name: "duration of another type", options: `{"schedule": {"every": true}}`, wantErr: "schedule.every: want a duration such as \"12h\" or a number of seconds, got a boolean"},
		{name: "bad jitter with cron", options: `{"schedule": {"cron": "@daily", "jitter": "x"}}`, wantErr: "schedule.jitter:"},
		{name: "bad cron", options: `{"schedule": {"cron": "0 3 * *"}}`, wantErr: "schedule.cron: expected exactly 5 fields"},
		{name: "cron out of range", options: `{"schedule": {"cron": "61 * * * *"}}`, wantErr: "schedule.cron:"},
		{name: "cron with seconds field", options: `{"schedule": {"cron": "0 0 3 * * *"}}`, wantErr: "schedule.cron: expected exactly 5 fields"},
		{name: "cron not a string", options: `{"schedule": {"cron": 5}}`, wantErr: "schedule.cron: want a cron expression string, got a number"},
		{name: "cron that never matches", options: `{"schedule": {"cron": "0 0 30 2 *"}}`, wantErr: `schedule.cron: "0 0 30 2 *" never matches a date`},
		{name: "cron time zone without fields", options: `{"schedule": {"cron": "TZ=x"}}`, wantErr: `schedule.cron: cannot parse "TZ=x"`},
		{name: "empty cron", options: `{"schedule": {"cron": ""}}`, wantErr: "schedule.cron:"},
	})
}

func mustSchedule(t testing.TB, options string) datasync.Schedule {
	t.Helper()
	s, ok, err := datasync.ParseSchedule(decodeOptions(t, options))
	if err != nil || !ok {
		t.Fatalf("ParseSchedule(%s) = %v, %v", options, ok, err)
	}
	return s
}

func TestScheduleNext(t *testing.T) {
	after := time.Date(2026, 3, 9, 10, 17, 4, 0, time.UTC)
	cases := []struct {
		name, options string
		want          time.Time
	}{
		{"interval", `{"schedule": {"every": "90m"}}`, after.Add(90 * time.Minute)},
		{"default interval", `{"schedule": {}}`, after.Add(12 * time.Hour)},
		{"cron later today", `{"schedule": {"cron": "30 14 * * *"}}`, time.Date(2026, 3, 9, 14, 30, 0, 0, time.UTC)},
		{"cron tomorrow", `{"schedule": {"cron": "0 3 * * *"}}`, time.Date(2026, 3, 10, 3, 0, 0, 0, time.UTC)},
		{"cron descriptor", `{"schedule": {"cron": "@daily"}}`, time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)},
		// 2026-03-09 is a Monday: the next Saturday at 06:00.
		{"cron weekday", `{"schedule": {"cron": "0 6 * * 6"}}`, time.Date(2026, 3, 14, 6, 0, 0, 0, time.UTC)},
		{"cron in its own zone", `{"schedule": {"cron": "CRON_TZ=Asia/Tokyo 0 9 * * *"}}`, time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := mustSchedule(t, c.options).Next(after)
			if !got.Equal(c.want) {
				t.Fatalf("Next(%v) = %v, want %v", after, got, c.want)
			}
		})
	}
}

func TestScheduleNextJitter(t *testing.T) {
	const jitter = 5 * time.Minute
	interval := mustSchedule(t, `{"schedule": {"every": "1h", "jitter": "5m"}}`)
	daily := mustSchedule(t, `{"schedule": {"cron": "0 3 * * *", "jitter": 300}}`)
	start := time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC)
	var minDelay, maxDelay time.Duration = jitter, 0
	for i := range 2000 {
		after := start.Add(time.Duration(i) * 7919 * time.Millisecond)
		for _, c := range []struct {
			s    datasync.Schedule
			base time.Time
		}{
			{interval, after.Add(time.Hour)},
			{daily, time.Date(2026, 3, 10, 3, 0, 0, 0, time.UTC)},
		} {
			got := c.s.Next(after)
			delay := got.Sub(c.base)
			if delay < 0 || delay >= jitter {
				t.Fatalf("Next(%v) = %v: delay %v outside [0, %v)", after, got, delay, jitter)
			}
			if again := c.s.Next(after); !again.Equal(got) {
				t.Fatalf("Next(%v) twice: %v then %v; want the same time", after, got, again)
			}
			minDelay, maxDelay = min(minDelay, delay), max(maxDelay, delay)
		}
	}
	// The delays spread over the window rather than clustering.
	if minDelay > 30*time.Second || maxDelay < jitter-30*time.Second {
		t.Fatalf("delays span [%v, %v], want close to [0, %v)", minDelay, maxDelay, jitter)
	}
}

func FuzzParseSchedule(f *testing.F) {
	for _, seed := range []string{
		`{}`, `{"every": "12h"}`, `{"every": 43200, "jitter": "5m"}`, `{"cron": "0 3 * * *"}`,
		`{"cron": "@every 1h30m"}`, `{"cron": "CRON_TZ=UTC */5 * * * *", "jitter": 1.5}`, `{"every": 1e-10}`,
		`{"cron": "0 3 * * *", "every": 1}`, `{"x": 1}`, `"12h"`, `null`,
	} {
		f.Add(seed)
	}
	after := time.Date(2026, 3, 9, 10, 17, 4, 0, time.UTC)
	f.Fuzz(func(t *testing.T, schedule string) {
		dec := json.NewDecoder(strings.NewReader(`{"schedule": ` + schedule + `}`))
		dec.UseNumber()
		var options map[string]any
		if dec.Decode(&options) != nil {
			return
		}
		s, scheduled, err := datasync.ParseSchedule(options)
		if err != nil {
			if !errors.Is(err, datasync.ErrInvalidSource) || !strings.Contains(err.Error(), "schedule") {
				t.Fatalf("error %q does not wrap ErrInvalidSource naming the option", err)
			}
			return
		}
		if !scheduled {
			return
		}
		if next := s.Next(after); !next.After(after) {
			t.Fatalf("%s: Next(%v) = %v, not after it", s, after, next)
		}
	})
}
