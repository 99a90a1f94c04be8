package datasync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

func TestReminderObserve(t *testing.T) {
	steps := []struct {
		source string
		ok     bool
		notify bool
	}{
		{"hr", false, true},  // first failure since start
		{"hr", false, false}, // still failing
		{"hr", false, false},
		{"hr", true, false}, // success re-arms
		{"hr", false, true},
		{"crm", false, true}, // another source has its own state
		{"crm", true, false},
		{"hr", false, false}, // crm's success did not re-arm hr
		{"crm", true, false}, // successes in a row say nothing
		{"crm", false, true},
	}
	r := &reminder{failing: map[string]bool{}}
	for i, s := range steps {
		if got := r.observe(s.source, s.ok); got != s.notify {
			t.Errorf("step %d (%s ok=%v): notify = %v, want %v", i, s.source, s.ok, got, s.notify)
		}
	}
}

// noticeRecorder is a Notifier that hands each notice to the test and
// answers err.
type noticeRecorder struct {
	notices chan Notice
	err     error
}

func newNoticeRecorder(err error) *noticeRecorder {
	return &noticeRecorder{notices: make(chan Notice, 16), err: err}
}

func (r *noticeRecorder) Notify(_ context.Context, n Notice) error {
	r.notices <- n
	return r.err
}

// next waits for the next notice.
func (r *noticeRecorder) next(t *testing.T) Notice {
	t.Helper()
	select {
	case n := <-r.notices:
		return n
	case <-time.After(30 * time.Second):
		t.Fatal("no notice came")
		return Notice{}
	}
}

// none checks that no notice is due. A task's outcome is recorded before
// Wait returns and a notice is only sent for an outcome that calls for
// one, so after Wait there is no notice still on its way.
func (r *noticeRecorder) none(t *testing.T) {
	t.Helper()
	select {
	case n := <-r.notices:
		t.Fatalf("unexpected notice %+v", n)
	default:
	}
}

// newNotifyFixture is a task fixture whose manager notifies n.
func newNotifyFixture(t *testing.T, db *bun.DB, n Notifier) *taskFixture {
	t.Helper()
	f := newTaskFixture(t, db)
	f.m = NewManager(db, Options{Logger: slog.New(slog.NewTextHandler(f.logs, nil)), Notifier: n})
	t.Cleanup(func() { f.m.Close() })
	if err := f.m.RegisterResource(taskPeople{}, RegisterOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := f.m.RegisterSourceType("static", staticSourceType(f.started)); err != nil {
		t.Fatal(err)
	}
	return f
}

// setOptions makes the source's next pull use opts.
func (f *taskFixture) setOptions(t *testing.T, row *SyncSource, opts staticOptions) {
	t.Helper()
	row.Options = staticRow(t, row.Name, opts).Options
	if _, err := f.db.NewUpdate().Model(row).Column("options").WherePK().Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestFailureReminderThroughPulls(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		rec := newNoticeRecorder(nil)
		f := newNotifyFixture(t, db, rec)
		data := []UserData{userData(Record{"uid": "1", "nickname": "Ada"})}
		hr := f.addSource(t, "hr", staticOptions{Data: data, APIError: true})

		first := f.pullAndWait(t, "hr")
		got := rec.next(t)
		want := Notice{Kind: NoticeFailure, SourceName: "hr", TaskID: first.ID, Message: sourceAPIMessage}
		if diff := cmp.Diff(want, got, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".At" }, cmp.Ignore())); diff != "" {
			t.Errorf("first failure's notice (-want +got):\n%s", diff)
		}
		if got.Message != first.Message || strings.Contains(got.Message, "secret-detail") {
			t.Errorf("notice message %q, task message %q: want the task's, without the source's answer", got.Message, first.Message)
		}
		if got.At.IsZero() || time.Since(got.At) > time.Minute {
			t.Errorf("notice At = %v, want about now", got.At)
		}

		if task := f.pullAndWait(t, "hr"); task.Status != TaskFailed {
			t.Fatalf("second pull: status %q, want failed", task.Status)
		}
		rec.none(t)

		f.setOptions(t, hr, staticOptions{Data: data})
		if task := f.pullAndWait(t, "hr"); task.Status != TaskSuccess {
			t.Fatalf("third pull: status %q (%s), want success", task.Status, task.Message)
		}
		rec.none(t)

		f.setOptions(t, hr, staticOptions{Data: data, Fail: true})
		again := f.pullAndWait(t, "hr")
		got = rec.next(t)
		if got.SourceName != "hr" || got.TaskID != again.ID || got.Message != "static: the export broke after 1 parts" {
			t.Errorf("failure after a success: notice %+v, want hr, task %d and the task's message", got, again.ID)
		}
		rec.none(t)
	})
}

func TestFailureReminderNotifierError(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		rec := newNoticeRecorder(errors.New("chat service down"))
		f := newNotifyFixture(t, db, rec)
		f.addSource(t, "hr", staticOptions{Fail: true})
		task := f.pullAndWait(t, "hr")
		rec.next(t)
		f.m.Close() // waits for the notifier's goroutine and its log
		if task.Status != TaskFailed || task.Message != "static: the export broke after 0 parts" {
			t.Errorf("task %+v: want failed with the source's message, untouched by the notifier", task)
		}
		logs := f.logs.String()
		if !strings.Contains(logs, `msg="datasync: failure reminder not sent" source=hr task=`+fmt.Sprint(task.ID)+` error="chat service down"`) {
			t.Errorf("the notifier's error was not logged:\n%s", logs)
		}
	})
}

func TestFailureReminderQuietOnClose(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		rec := newNoticeRecorder(nil)
		f := newNotifyFixture(t, db, rec)
		f.addSource(t, "hr", staticOptions{Block: true})
		id, err := f.m.Pull(context.Background(), "hr")
		if err != nil {
			t.Fatal(err)
		}
		f.awaitStart(t)
		f.m.Close()
		if task, err := f.m.Task(context.Background(), id); err != nil || task.Status != TaskFailed {
			t.Fatalf("task after Close: %+v, %v; want failed", task, err)
		}
		rec.none(t)
	})
}

func TestWebhookNotifierSends(t *testing.T) {
	notice := Notice{Kind: NoticeFailure, SourceName: "hr", TaskID: 7, Message: "static: the export broke", At: time.Date(2026, 11, 30, 17, 0, 0, 0, time.UTC)}
	const wantBody = `{"kind":"failure","sourceName":"hr","taskId":7,"message":"static: the export broke","at":"2026-11-30T17:00:00Z"}`
	tests := []struct {
		name        string
		header      http.Header
		contentType string
	}{
		{"default content type", http.Header{"Authorization": {"Bearer t0k"}, "X-Tag": {"a", "b"}}, "application/json"},
		{"content type from Header", http.Header{"Content-Type": {"application/vnd.alert+json"}}, "application/vnd.alert+json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			type request struct {
				method string
				header http.Header
				body   string
			}
			got := make(chan request, 1)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				got <- request{r.Method, r.Header, string(body)}
				w.WriteHeader(http.StatusNoContent)
			}))
			defer srv.Close()
			if err := (WebhookNotifier{URL: srv.URL, Header: tc.header}).Notify(context.Background(), notice); err != nil {
				t.Fatal(err)
			}
			req := <-got
			if req.method != http.MethodPost || req.body != wantBody {
				t.Errorf("got %s %s, want POST %s", req.method, req.body, wantBody)
			}
			if ct := req.header.Values("Content-Type"); len(ct) != 1 || ct[0] != tc.contentType {
				t.Errorf("Content-Type %q, want %q", ct, tc.contentType)
			}
			for k, vs := range tc.header {
				if diff := cmp.Diff(vs, req.header.Values(k)); diff != "" {
					t.Errorf("header %s (-sent +received):\n%s", k, diff)
				}
			}
		})
	}
}

func TestWebhookNotifierErrorStatus(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "echo of the request: secret-detail", http.StatusInternalServerError)
	}))
	defer srv.Close()
	err := WebhookNotifier{URL: srv.URL}.Notify(context.Background(), Notice{SourceName: "hr"})
	if err == nil || !strings.Contains(err.Error(), "500 Internal Server Error") || strings.Contains(err.Error(), "secret-detail") {
		t.Errorf("err = %v, want the status named and the body left out", err)
	}
}

func TestWebhookNotifierTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)

	t.Run("context deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		err := WebhookNotifier{URL: srv.URL}.Notify(ctx, Notice{})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want the context's deadline", err)
		}
	})
	t.Run("client timeout", func(t *testing.T) {
		n := WebhookNotifier{URL: srv.URL, Client: &http.Client{Timeout: 100 * time.Millisecond}}
		err := n.Notify(context.Background(), Notice{})
		var netErr net.Error
		if !errors.As(err, &netErr) || !netErr.Timeout() {
			t.Errorf("err = %v, want a timeout", err)
		}
	})
}

func ExampleSlogNotifier() {
	// Drop the time so that the output is the same on every run.
	log := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	// A host passes it as Options{Notifier: SlogNotifier{Logger: log}};
	// here it is called directly with the notice a failed task gives.
	n := SlogNotifier{Logger: log}
	_ = n.Notify(context.Background(), Notice{
		Kind:       NoticeFailure,
		SourceName: "hr",
		TaskID:     7,
		Message:    sourceAPIMessage,
		At:         time.Date(2026, 11, 30, 17, 0, 0, 0, time.UTC),
	})
	// Output:
	// level=ERROR msg="datasync: source failing" source=hr task=7 message="The sync source API call failed. Please check the logs to troubleshoot the issue." at=2026-11-30T17:00:00.000Z
}

func ExampleWebhookNotifier() {
	// A stand-in for a chat service's incoming webhook.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Println(r.Method, r.Header.Get("Authorization"), string(body))
	}))
	defer srv.Close()

	n := WebhookNotifier{URL: srv.URL, Header: http.Header{"Authorization": {"Bearer t0k"}}}
	err := n.Notify(context.Background(), Notice{
		Kind:       NoticeFailure,
		SourceName: "hr",
		TaskID:     7,
		Message:    "static: the export broke",
		At:         time.Date(2026, 11, 30, 17, 0, 0, 0, time.UTC),
	})
	fmt.Println(err)
	// Output:
	// POST Bearer t0k {"kind":"failure","sourceName":"hr","taskId":7,"message":"static: the export broke","at":"2026-11-30T17:00:00Z"}
	// <nil>
}
