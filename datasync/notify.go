package datasync

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// notifyTimeout bounds one call of a Notifier, and is the
// WebhookNotifier's request timeout when it has no Client of its own.
const notifyTimeout = 10 * time.Second

// Notifier is told when a source starts failing ([Options.Notifier]): on
// the first failed task after a success, or after the manager started.
// Further consecutive failures of that source send nothing; its next
// success re-arms the reminder. It is also told each time a task ends
// pendingApproval ([NoticeApproval]): someone has to approve or fix the
// source. Implement it to page, mail or post to a chat; [SlogNotifier]
// and [WebhookNotifier] are built in.
//
// Notify runs on a goroutine of its own as the task fails, with a context
// bounded to 10 s; [Manager.Close] waits for it. Its error is logged and
// changes nothing else: the task's outcome does not depend on it.
type Notifier interface {
	Notify(ctx context.Context, n Notice) error
}

// NoticeKind says why a Notifier is told.
type NoticeKind string

// Notice kinds.
const (
	// NoticeFailure: the source has started failing.
	NoticeFailure NoticeKind = "failure"
	// NoticeApproval: a task ended pendingApproval, its deletion limits
	// having refused the users it would disable or delete; the message
	// says how many. [Manager.Approve] runs it again with them allowed.
	NoticeApproval NoticeKind = "pendingApproval"
)

// Notice is what a Notifier is told: why, which source, in which task,
// and the task's message (the same text the task row keeps, which names
// the failure or the refusal but never a record's contents).
type Notice struct {
	Kind       NoticeKind `json:"kind"`
	SourceName string     `json:"sourceName"`
	TaskID     int64      `json:"taskId"`
	Message    string     `json:"message"`
	At         time.Time  `json:"at"`
}

// SlogNotifier logs each notice, a failure at Error level and an approval
// at Warn level, for hosts whose alerting already watches their logs.
type SlogNotifier struct {
	// Logger receives the notices; slog.Default() when nil.
	Logger *slog.Logger
}

// Notify logs n. It never fails.
func (s SlogNotifier) Notify(ctx context.Context, n Notice) error {
	log := s.Logger
	if log == nil {
		log = slog.Default()
	}
	if n.Kind == NoticeApproval {
		log.WarnContext(ctx, "datasync: source run awaits approval", "source", n.SourceName, "task", n.TaskID, "message", n.Message, "at", n.At)
		return nil
	}
	log.ErrorContext(ctx, "datasync: source failing", "source", n.SourceName, "task", n.TaskID, "message", n.Message, "at", n.At)
	return nil
}

// WebhookNotifier POSTs each notice as JSON to URL:
//
//	{"kind":"failure","sourceName":"hr","taskId":7,"message":"…","at":"2026-11-30T17:00:00Z"}
type WebhookNotifier struct {
	URL string
	// Client sends the request; when nil, a client with a 10 s timeout.
	// Use your own for proxies, TLS settings or redirect rules.
	Client *http.Client
	// Header is added to every request (an Authorization header, say);
	// Content-Type is application/json unless Header sets it.
	Header http.Header
}

// Notify posts n. An answer outside 2xx is an error naming its status;
// the answer's body is read and dropped, never logged, since a service
// that refuses a request may echo it.
func (w WebhookNotifier) Notify(ctx context.Context, n Notice) error {
	body, err := json.Marshal(n)
	if err != nil {
		return fmt.Errorf("datasync: webhook notifier: encode notice: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("datasync: webhook notifier: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, vs := range w.Header {
		req.Header.Del(k)
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	client := w.Client
	if client == nil {
		client = &http.Client{Timeout: notifyTimeout}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("datasync: webhook notifier: %w", err)
	}
	defer resp.Body.Close()
	// Draining lets the connection be reused; the limit stops a
	// misbehaving server from holding the notifier.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("datasync: webhook notifier: %s answered %s", req.URL.Host, resp.Status)
	}
	return nil
}

// reminder is the per-source state behind the failure reminder: which
// sources are failing. It is in memory on purpose: a restart re-arms
// every source, so a failure that outlives a deploy is reported again.
type reminder struct {
	mu      sync.Mutex
	failing map[string]bool // source name → its last task failed
}

// observe records a task's outcome and reports whether to notify: true
// only for a failure that follows a success or nothing.
func (r *reminder) observe(source string, ok bool) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ok {
		delete(r.failing, source)
		return false
	}
	if r.failing[source] {
		return false
	}
	r.failing[source] = true
	return true
}

// remind hands a task's outcome (runErr nil for a success; msg the failed
// task's message) to the reminder, and notifies Options.Notifier when the
// source has just started failing. The outcome is recorded at once, so
// outcomes count in the order tasks end; the notification goes out on a
// goroutine counted in m.tasks, so a slow notifier delays neither the task
// nor its waiters, and Close waits for it. A run that Close cancelled
// (ctx done) says nothing about the source and is left out.
func (m *Manager) remind(ctx context.Context, name string, taskID int64, runErr error, msg string) {
	if m.opts.Notifier == nil || ctx.Err() != nil {
		return
	}
	if !m.reminder.observe(name, runErr == nil) {
		return
	}
	m.notify(ctx, Notice{Kind: NoticeFailure, SourceName: name, TaskID: taskID, Message: msg, At: time.Now().UTC()})
}

// notify sends notice to Options.Notifier, if any, on a goroutine counted
// in m.tasks, so a slow notifier delays neither the task nor its waiters,
// and Close waits for it.
func (m *Manager) notify(ctx context.Context, notice Notice) {
	n := m.opts.Notifier
	if n == nil {
		return
	}
	// The caller runs inside a run counted in m.tasks, so the count is not
	// zero here and adding to it cannot race Close's Wait.
	what := "datasync: failure reminder not sent"
	if notice.Kind == NoticeApproval {
		what = "datasync: approval notice not sent"
	}
	m.tasks.Go(func() {
		nctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), notifyTimeout)
		defer cancel()
		if err := n.Notify(nctx, notice); err != nil {
			m.log.Error(what, "source", notice.SourceName, "task", notice.TaskID, "error", err)
		}
	})
}
