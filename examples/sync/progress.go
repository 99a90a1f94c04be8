package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// progress shows the records applied so far: a bar on a terminal, else a
// line at most every second (and one at the end).
type progress struct {
	out     io.Writer
	bar     *progressbar.ProgressBar
	applied map[datasync.DataType]int
	total   int
	last    time.Time
}

func newProgress(out io.Writer, terminal bool) *progress {
	p := &progress{out: out, applied: map[datasync.DataType]int{}}
	if terminal {
		p.bar = progressbar.NewOptions(-1,
			progressbar.OptionSetWriter(out),
			progressbar.OptionSetDescription("syncing"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("records"),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	return p
}

// wrap counts what src's parts apply.
func (p *progress) wrap(src datasync.Source) datasync.Source { return progressSource{src, p} }

type progressSource struct {
	src datasync.Source
	p   *progress
}

func (s progressSource) Pull(ctx context.Context, emit func(datasync.UserData) error) error {
	return s.src.Pull(ctx, func(d datasync.UserData) error {
		if err := emit(d); err != nil {
			return err
		}
		s.p.add(d.DataType, len(d.Records))
		return nil
	})
}

func (p *progress) add(dataType datasync.DataType, n int) {
	p.applied[dataType] += n
	p.total += n
	if p.bar != nil {
		p.bar.Describe(fmt.Sprintf("syncing %ss", dataType))
		_ = p.bar.Add(n) // a write error on the terminal is no reason to stop the sync
		return
	}
	if now := time.Now(); now.Sub(p.last) >= time.Second {
		p.last = now
		fmt.Fprintf(p.out, "sync: %d %s records processed (%d in all)\n", p.applied[dataType], dataType, p.total)
	}
}

// done ends the bar, or prints the last line.
func (p *progress) done() {
	if p.bar != nil {
		_ = p.bar.Finish()
		return
	}
	fmt.Fprintf(p.out, "sync: %d records processed\n", p.total)
}
