package datasync

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

func peopleResult(all, success, failed int, failures ...FailedRecord) []SyncResult {
	if failures == nil {
		failures = []FailedRecord{}
	}
	return []SyncResult{{Resource: "people", Detail: SyncDetail{
		Count:         SyncCount{All: all, Success: success, Failed: failed},
		FailedRecords: failures,
	}}}
}

func (f *taskFixture) recordSources(t *testing.T) map[string]string {
	t.Helper()
	var rows []SyncRecord
	if err := f.db.NewSelect().Model(&rows).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows {
		out[r.SourceUk] = r.SourceName
	}
	return out
}

func TestPush(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newTaskFixture(t, db)

		got, err := f.m.Push(ctx, userData(Record{"uid": "1", "nickname": "test"}))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(peopleResult(1, 1, 0), got); diff != "" {
			t.Fatalf("results (-want +got):\n%s", diff)
		}

		hr := userData(Record{"uid": "2", "nickname": "Grace"})
		hr.SourceName = "hr"
		if _, err := f.m.Push(ctx, hr); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string]string{"1": "api", "2": "hr"}, f.recordSources(t)); diff != "" {
			t.Fatalf("sync records' sources (-want +got):\n%s", diff)
		}

		// The same uid from "api" again updates the row it made.
		if _, err := f.m.Push(ctx, userData(Record{"uid": "1", "nickname": "test2"})); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string]string{"1": "test2", "2": "Grace"}, f.nicknames(t)); diff != "" {
			t.Fatalf("people (-want +got):\n%s", diff)
		}
	})
}

func TestPushRefusesWithoutWriting(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newTaskFixture(t, db)
		for _, c := range []struct {
			name   string
			data   UserData
			target error
			msg    string
		}{
			{"no dataType", UserData{Records: []Record{{"uid": "1"}}}, ErrInvalidData, "dataType for user data synchronize is required"},
			{"bad dataType", UserData{DataType: "group", Records: []Record{{"uid": "1"}}}, ErrInvalidData, "dataType must be user or department"},
			{"no records", UserData{DataType: DataTypeUser}, ErrInvalidData, "records for user data synchronize is required"},
			{"empty records", UserData{DataType: DataTypeUser, Records: []Record{}}, ErrInvalidData, "records must have at least one piece of data"},
			{"unsupported", UserData{DataType: DataTypeDepartment, Records: []Record{{"uid": "1"}}}, ErrInvalidData, "dataType department is not supported"},
			{"no uid", userData(Record{"uid": "1"}, Record{"nickname": "x"}), ErrInvalidData, "record must has uid, error record: records[1]"},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := f.m.Push(ctx, c.data)
				wantError(t, err, c.target, c.msg)
			})
		}

		_, err := f.m.Push(ctx, userData(Record{"uid": "1", "nickname": "Ada"}, Record{"uid": "2", "nickname": "boom"}))
		var failed *FailedError
		if !errors.As(err, &failed) || failed.Resource != "people" || len(failed.Failures) != 1 || failed.Failures[0].Message != "nickname boom is refused" {
			t.Fatalf("Push with a refused record = %v, want a *FailedError naming it", err)
		}
		if n := f.syncRecordCount(t); n != 0 {
			t.Fatalf("%d sync records after refused pushes, want 0", n)
		}
		if got := f.nicknames(t); len(got) != 0 {
			t.Fatalf("people after refused pushes: %v, want none", got)
		}
	})
}
