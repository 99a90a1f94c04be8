package sqlitedb

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDSN(t *testing.T) {
	tests := []struct {
		name   string
		dsn    string
		extra  []string
		want   string
		memory bool
	}{
		{
			name: "file path gets WAL, busy timeout, foreign keys and immediate transactions",
			dsn:  "/var/lib/app/app.db",
			want: "/var/lib/app/app.db?_pragma=busy_timeout%285000%29&_pragma=foreign_keys%281%29&_pragma=journal_mode%28WAL%29&_pragma=synchronous%28NORMAL%29&_txlock=immediate",
		},
		{
			name: "a pragma and _txlock the DSN sets are kept",
			dsn:  "file:app.db?_pragma=busy_timeout(100)&_pragma=Journal_Mode=DELETE&_txlock=deferred",
			want: "file:app.db?_pragma=busy_timeout%28100%29&_pragma=Journal_Mode%3DDELETE&_pragma=foreign_keys%281%29&_pragma=synchronous%28NORMAL%29&_txlock=deferred",
		},
		{
			name:  "extra pragmas replace defaults of the same name",
			dsn:   "app.db",
			extra: []string{"foreign_keys(0)", "cache_size(-2000)"},
			want:  "app.db?_pragma=foreign_keys%280%29&_pragma=cache_size%28-2000%29&_pragma=busy_timeout%285000%29&_pragma=journal_mode%28WAL%29&_pragma=synchronous%28NORMAL%29&_txlock=immediate",
		},
		{
			name: "read-only files keep their journal mode",
			dsn:  "file:app.db?mode=ro",
			want: "file:app.db?_pragma=busy_timeout%285000%29&_pragma=foreign_keys%281%29&_txlock=immediate&mode=ro",
		},
		{
			name:   "shared-cache memory spelling becomes a named memdb",
			dsn:    "file:quickstart?mode=memory&cache=shared&_pragma=foreign_keys(1)",
			want:   "file:/quickstart?_pragma=foreign_keys%281%29&_pragma=busy_timeout%285000%29&_txlock=immediate&vfs=memdb",
			memory: true,
		},
		{
			name:   "memdb spelling is kept",
			dsn:    "file:/cache?vfs=memdb",
			want:   "file:/cache?_pragma=busy_timeout%285000%29&_pragma=foreign_keys%281%29&_txlock=immediate&vfs=memdb",
			memory: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := parseDSN(tt.dsn)
			if err != nil {
				t.Fatal(err)
			}
			src.applyDefaults(DefaultBusyTimeout, tt.extra)
			if diff := cmp.Diff(tt.want, src.String()); diff != "" {
				t.Errorf("DSN (-want +got):\n%s", diff)
			}
			if src.memory != tt.memory {
				t.Errorf("memory = %v, want %v", src.memory, tt.memory)
			}
		})
	}
}

// TestDSNPrivateMemory checks that every anonymous spelling gets a memdb
// name of its own: two ":memory:" opens must never share a database.
func TestDSNPrivateMemory(t *testing.T) {
	for _, dsn := range []string{"", ":memory:", "file::memory:", "file::memory:?cache=shared"} {
		a, errA := parseDSN(dsn)
		b, errB := parseDSN(dsn)
		if errA != nil || errB != nil {
			t.Fatalf("%q: %v, %v", dsn, errA, errB)
		}
		a.applyDefaults(time.Second, nil)
		if !a.memory || !strings.HasPrefix(a.String(), "file:/sqlitedb_") || !strings.Contains(a.String(), "vfs=memdb") {
			t.Errorf("%q -> %q, want a private memdb", dsn, a.String())
		}
		if strings.Contains(a.String(), "cache=") {
			t.Errorf("%q -> %q keeps shared cache", dsn, a.String())
		}
		if a.path == b.path {
			t.Errorf("%q: two opens share the name %q", dsn, a.path)
		}
	}
}

func TestDSNErrors(t *testing.T) {
	for _, dsn := range []string{
		"file:app.db?_pragma=%zz",
		"file:x?mode=memory&vfs=unix-none",
		"file:x?vfs=memdb&vfs=unix",
		"file:/?vfs=memdb",
	} {
		_, err := parseDSN(dsn)
		if !errors.Is(err, ErrDSN) {
			t.Errorf("parseDSN(%q) = %v, want ErrDSN", dsn, err)
		}
	}
}
