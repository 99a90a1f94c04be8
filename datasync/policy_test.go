package datasync

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

func TestParsePolicyDefaults(t *testing.T) {
	for _, options := range []map[string]any{nil, {}, {"url": "ldap://x", "schedule": map[string]any{"interval": 60.0}}} {
		p, err := ParsePolicy(options)
		if err != nil {
			t.Fatalf("%v: %v", options, err)
		}
		if diff := cmp.Diff(DefaultPolicy(), p); diff != "" {
			t.Errorf("%v: policy (-want +got):\n%s", options, diff)
		}
	}
	p := DefaultPolicy()
	if p.OnMissing != MissingDisable || p.FirstSync != FirstSyncRetain || p.UserIdentity != IdentityID || p.Adopt != "" {
		t.Errorf("DefaultPolicy = %+v: want disable, retain, id identity, no adoption", p)
	}
	if !p.Owns("nickname") || !p.Owns("anything") {
		t.Error("the default policy owns every field")
	}
}

func TestParsePolicyReadsEveryOption(t *testing.T) {
	p, err := ParsePolicy(map[string]any{
		"onMissing":            "disable",
		"purgeAfterDays":       30.0,
		"deletionLimits":       map[string]any{"percent": 30.0},
		"identity":             map[string]any{"user": "username", "department": "name"},
		"adopt":                "email",
		"firstSync":            "clear",
		"ownedFields":          []any{"nickname", "email"},
		"roles":                map[string]any{"create": true},
		"password":             map[string]any{"format": "sha256-hex"},
		"confirmDatasetSwitch": true,
		"retry":                map[string]any{"attempts": 3.0, "backoff": "30s"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := &Policy{
		OnMissing: MissingDisable, PurgeAfterDays: 30, Limits: DeletionLimits{Percent: 30},
		UserIdentity: IdentityUsername, DepartmentIdentity: IdentityName, Adopt: IdentityEmail,
		FirstSync: FirstSyncClear, OwnedFields: []string{"nickname", "email"},
		CreateRoles: true, PasswordFormat: "sha256-hex", ConfirmDatasetSwitch: true,
		Retry: RetryPolicy{Attempts: 3, Backoff: 30 * time.Second},
	}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("policy (-want +got):\n%s", diff)
	}
	if !p.Owns("email") || p.Owns("phone") {
		t.Error("ownedFields [nickname email]: want email owned, phone not")
	}
}

func TestEditableWhileSynced(t *testing.T) {
	p, err := ParsePolicy(map[string]any{"editableWhileSynced": true})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range EditableWhileSyncedFields {
		if p.Owns(f) {
			t.Errorf("editableWhileSynced: %s is still owned", f)
		}
	}
	if !p.Owns("username") || !p.Owns("enabled") {
		t.Error("editableWhileSynced: username and enabled stay the source's")
	}
	if p, _ := ParsePolicy(map[string]any{"editableWhileSynced": false}); !p.Owns("email") {
		t.Error("editableWhileSynced false owns every field")
	}
}

func TestParsePolicyErrors(t *testing.T) {
	for _, tc := range []struct {
		options map[string]any
		err     string
	}{
		{map[string]any{"onMissing": "remove"}, "option onMissing: want one of disable, delete, keep"},
		{map[string]any{"onMissing": true}, "option onMissing: want one of"},
		{map[string]any{"purgeAfterDays": 0.0}, "option purgeAfterDays: want 1 or more"},
		{map[string]any{"purgeAfterDays": 1.5}, "option purgeAfterDays: want a whole number"},
		{map[string]any{"onMissing": "delete", "purgeAfterDays": 3.0}, `option purgeAfterDays: purging applies to disabled users: onMissing is "delete"`},
		{map[string]any{"identity": "username"}, "option identity: want an object"},
		{map[string]any{"identity": map[string]any{"user": "uid"}}, "option identity.user: want one of id, username, email, phone"},
		{map[string]any{"identity": map[string]any{"department": "title"}}, "option identity.department: want one of id, name"},
		{map[string]any{"identity": map[string]any{"users": "id"}}, "option identity.users: unknown option (want department, user)"},
		{map[string]any{"adopt": "nickname"}, "option adopt: want one of username, email, phone"},
		{map[string]any{"adopt": "email", "blockSoftMatch": true}, "option adopt: blockSoftMatch is on"},
		{map[string]any{"blockSoftMatch": "yes"}, "option blockSoftMatch: want true or false"},
		{map[string]any{"firstSync": "wipe"}, "option firstSync: want one of retain, clear"},
		{map[string]any{"ownedFields": "email"}, "option ownedFields: want a list of field names"},
		{map[string]any{"ownedFields": []any{"email", 3.0}}, "option ownedFields[1]: want a field name"},
		{map[string]any{"ownedFields": []any{}, "editableWhileSynced": true}, "option ownedFields: editableWhileSynced says the same thing"},
		{map[string]any{"roles": map[string]any{"create": "yes"}}, "option roles.create: want true or false"},
		{map[string]any{"roles": map[string]any{"make": true}}, "option roles.make: unknown option (want create)"},
		{map[string]any{"password": map[string]any{"format": ""}}, "option password.format: want a format name"},
		{map[string]any{"password": "plain"}, "option password: want an object"},
		{map[string]any{"confirmDatasetSwitch": 1.0}, "option confirmDatasetSwitch: want true or false"},
		{map[string]any{"retry": map[string]any{"attempts": 0.0}}, "option retry.attempts: want 1 or more"},
		{map[string]any{"retry": map[string]any{"backoff": "soon"}}, `option retry.backoff: want a duration such as "30s"`},
		{map[string]any{"retry": map[string]any{"backoff": "-1s"}}, `option retry.backoff: want a duration`},
		{map[string]any{"deletionLimits": map[string]any{"percent": 0.0}}, "deletionLimits.percent: want 1 to 100"},
	} {
		_, err := ParsePolicy(tc.options)
		if !errors.Is(err, ErrInvalidSource) || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%v: err = %v, want ErrInvalidSource saying %q", tc.options, err, tc.err)
		}
	}
}

// The manager's options never reach a source type, so a type may refuse
// keys it does not know without refusing the manager's.
func TestTypeOptionsLeaveOutPolicy(t *testing.T) {
	options := map[string]any{"url": "ldap://x", "schedule": 1, "fullSchedule": 2}
	for _, k := range policyOptions {
		options[k] = true
	}
	if diff := cmp.Diff(map[string]any{"url": "ldap://x"}, typeOptions(options)); diff != "" {
		t.Errorf("typeOptions (-want +got):\n%s", diff)
	}
}

// A run's resources see the policy of the source row with the run's
// source name, and the default policy when no row has that name.
func TestBatchPolicyComesFromTheSourceRow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		if err := CreateTables(ctx, db); err != nil {
			t.Fatal(err)
		}
		m := NewManager(db, Options{})
		seen := &policyProbe{}
		if err := m.RegisterResource(seen, RegisterOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := m.RegisterSourceType("probe", SourceType{New: func(SourceConfig) (Source, error) { return nil, errors.New("unused") }}); err != nil {
			t.Fatal(err)
		}
		row := &SyncSource{Name: "hr", SourceType: "probe", Options: map[string]any{"onMissing": "keep", "adopt": "email"}}
		if err := m.AddSource(ctx, row); err != nil {
			t.Fatal(err)
		}
		push := func(source string) *Policy {
			t.Helper()
			if _, err := m.Push(ctx, UserData{DataType: DataTypeUser, SourceName: source, Records: []Record{{"uid": "1"}}}); err != nil {
				t.Fatal(err)
			}
			return seen.last
		}
		if p := push("hr"); p.OnMissing != MissingKeep || p.Adopt != IdentityEmail {
			t.Errorf("push from hr: policy %+v, want the row's onMissing keep and adopt email", p)
		}
		if diff := cmp.Diff(DefaultPolicy(), push("crm")); diff != "" {
			t.Errorf("push from a source with no row: policy (-want +got):\n%s", diff)
		}
		if _, err := db.NewUpdate().Model(row).Set("? = ?", bun.Ident("options"), `{"onMissing": "erase"}`).WherePK().Exec(ctx); err != nil {
			t.Fatal(err)
		}
		_, err := m.Push(ctx, UserData{DataType: DataTypeUser, SourceName: "hr", Records: []Record{{"uid": "1"}}})
		if !errors.Is(err, ErrInvalidSource) || !strings.Contains(err.Error(), `source "hr": `) || !strings.Contains(err.Error(), "option onMissing") {
			t.Errorf("push from a source with a bad option: err = %v, want ErrInvalidSource naming the source and the option", err)
		}
	})
}

// policyProbe is a batch resource that keeps the policy its last batch
// saw.
type policyProbe struct{ last *Policy }

func (p *policyProbe) Name() string        { return "probe" }
func (p *policyProbe) Accepts() []DataType { return []DataType{DataTypeUser} }
func (p *policyProbe) PlanBatch(_ context.Context, _ bun.IDB, b *Batch) (*ResourcePlan, error) {
	p.last = b.Policy()
	return &ResourcePlan{Resource: p.Name()}, nil
}
func (p *policyProbe) ApplyBatch(context.Context, bun.IDB, *Batch, *ResourcePlan) ([]LinkChange, error) {
	return nil, nil
}
