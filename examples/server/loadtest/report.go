package main

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/loadrun"
)

// opStats is one operation's figures over one run.
type opStats struct {
	Name     string
	Requests int64
	RPS      float64
	P50, P99 time.Duration
	Errors   map[int]int64 // by status, every status but 200; 0: the request failed
}

// ErrorCount is the number of requests that did not answer 200.
func (s opStats) ErrorCount() int64 {
	var n int64
	for _, c := range s.Errors {
		n += c
	}
	return n
}

// summarize computes the figures of each op in ops from samples gathered
// over elapsed; an op no sample has is reported with 0 requests.
func summarize(samples []sample, elapsed time.Duration, ops []op, names []string) []opStats {
	out := make([]opStats, len(ops))
	took := make([][]time.Duration, len(ops))
	for i := range ops {
		out[i] = opStats{Name: names[i], Errors: map[int]int64{}}
	}
	for _, s := range samples {
		i := slices.Index(ops, s.op)
		if i < 0 {
			continue
		}
		out[i].Requests++
		took[i] = append(took[i], s.took)
		if s.status != http.StatusOK {
			out[i].Errors[s.status]++
		}
	}
	for i := range out {
		slices.Sort(took[i])
		out[i].RPS = float64(out[i].Requests) / elapsed.Seconds()
		out[i].P50, out[i].P99 = percentile(took[i], 50), percentile(took[i], 99)
	}
	return out
}

// percentile is the nearest-rank p-th percentile of sorted.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100
	return sorted[max(rank, 1)-1]
}

// printStats writes one line per op.
func printStats(w io.Writer, title string, stats []opStats) {
	fmt.Fprintf(w, "%-22s %9s %9s %9s %9s  %s\n", title, "requests", "req/s", "p50", "p99", "errors by status")
	for _, s := range stats {
		fmt.Fprintf(w, "%-22s %9d %9.0f %9s %9s  %s\n", s.Name, s.Requests, s.RPS, ms(s.P50), ms(s.P99), loadrun.ErrorText(s.Errors))
	}
}

// ms writes d in milliseconds with one decimal.
func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }
