package datasync

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// OnMissing says what happens to a user its source synced and no longer
// has, once a complete pull proves it.
type OnMissing string

// What a complete pull does with a missing user.
const (
	// MissingDisable (the default) disables the user and keeps its
	// memberships, so that a user who comes back (an export that lost a
	// page, a contract renewed) gets everything back; PurgeAfterDays
	// deletes it once it has been missing that long.
	MissingDisable OnMissing = "disable"
	// MissingDelete deletes the user with its memberships.
	MissingDelete OnMissing = "delete"
	// MissingKeep leaves the user as it is.
	MissingKeep OnMissing = "keep"
)

// FirstSync says what the first run of a source does with the users that
// no source synced (made by hand or imported).
type FirstSync string

// First-sync modes.
const (
	// FirstSyncRetain (the default) leaves them alone.
	FirstSyncRetain FirstSync = "retain"
	// FirstSyncClear deletes them (never a root user) with their
	// memberships before the source's users come in.
	FirstSyncClear FirstSync = "clear"
)

// Identity values: what identifies a source's user or department.
const (
	// IdentityID (the default) is the record's uid: a user whose username
	// is renamed in the source stays the same user, with its permissions.
	IdentityID = "id"
	// IdentityUsername, IdentityEmail and IdentityPhone make that field a
	// user's identity: a renamed user is another user.
	IdentityUsername = "username"
	IdentityEmail    = "email"
	IdentityPhone    = "phone"
	// IdentityName makes a department's title its identity.
	IdentityName = "name"
)

// EditableWhileSyncedFields are the user fields local edits keep when a
// source is "editableWhileSynced": later syncs no longer overwrite them
// for users that exist.
var EditableWhileSyncedFields = []string{"nickname", "password", "phone", "email"}

// RetryPolicy retries a scheduled run that failed for a reason that may
// pass (the source's API or connection failed, ErrSourceAPI or a short
// read): Attempts more runs, the first after Backoff, each next one after
// twice the wait before it.
type RetryPolicy struct {
	Attempts int
	Backoff  time.Duration
}

// Policy is how the manager applies a source's records: the options of a
// source row ("userDataSyncSources.options") that the manager reads
// itself, whatever the source's type. [ParsePolicy] reads and validates
// them; resources see the policy of the run's source through
// [Batch.Policy]. The zero Policy is not valid: use [DefaultPolicy].
//
// The options, all optional:
//
//	{
//	  "onMissing": "disable",          // or "delete", "keep"
//	  "purgeAfterDays": 30,            // with "disable": delete after N days missing
//	  "deletionLimits": {"percent": 30, "count": 100, "allowAll": false},
//	  "identity": {"user": "id", "department": "id"},   // user: id|username|email|phone; department: id|name
//	  "adopt": "username",             // soft match: take over hand-made users by username|email|phone
//	  "blockSoftMatch": true,          // never adopt (turn it on after the first sync)
//	  "firstSync": "retain",           // or "clear" (deletes users no source synced)
//	  "ownedFields": ["nickname", "email"],   // fields the source overwrites on existing users
//	  "editableWhileSynced": true,     // = every field but nickname, password, phone, email
//	  "roles": {"create": false},      // create unknown role names instead of failing the record
//	  "password": {"format": "plain"}, // or "sha256-hex", or a transformer a resource knows
//	  "confirmDatasetSwitch": true,    // a switched dataset clears what the source synced before
//	  "retry": {"attempts": 3, "backoff": "30s"},
//	  "schedule": {...}, "fullSchedule": {...}   // see ParseSchedule
//	}
type Policy struct {
	// OnMissing is what becomes of a user a complete pull no longer has;
	// PurgeAfterDays, when positive, deletes a user disabled as missing
	// that long. Limits refuse a run that would remove too many.
	OnMissing      OnMissing
	PurgeAfterDays int
	Limits         DeletionLimits

	// UserIdentity is what anchors a synced user: IdentityID (the
	// record's uid, so a renamed username stays the same user) or the
	// "username", "email" or "phone" field. DepartmentIdentity is
	// IdentityID or IdentityName (the department's title). See
	// applyPolicy's notes in identity.go for how references follow.
	UserIdentity       string
	DepartmentIdentity string
	// Adopt is the user field a record seen for the first time finds an
	// existing, unsynced user by, to take it over; "" never adopts.
	Adopt string
	// BlockSoftMatch refuses adopting, even when a push asks for it with a
	// matchKey.
	BlockSoftMatch bool

	FirstSync FirstSync
	// OwnedFields are the fields a sync overwrites on users that exist;
	// nil means every field the resource writes. NotOwned are fields it
	// never overwrites on them ("editableWhileSynced" sets it to
	// EditableWhileSyncedFields). New users get every field either way;
	// memberships (departments, roles) stay the source's.
	OwnedFields []string
	NotOwned    []string

	// CreateRoles lets a record name a role the roles table lacks, which
	// is then created; otherwise the record fails naming it.
	// PasswordFormat says what the source's passwords are: "plain",
	// "sha256-hex" or a host transformer's name (users.Options).
	CreateRoles    bool
	PasswordFormat string

	// ConfirmDatasetSwitch lets a source that now reads another dataset
	// (DatasetSource) clear what it synced from the old one and go on.
	// Retry re-runs a scheduled run that failed for a reason that may
	// pass.
	ConfirmDatasetSwitch bool
	Retry                RetryPolicy
}

// DefaultPolicy is the policy of a source with no options, and of pushes
// from a source name no row describes.
func DefaultPolicy() *Policy {
	return &Policy{
		OnMissing:          MissingDisable,
		UserIdentity:       IdentityID,
		DepartmentIdentity: IdentityID,
		FirstSync:          FirstSyncRetain,
		PasswordFormat:     "plain",
	}
}

// Owns reports whether a sync overwrites field on a user that exists.
func (p *Policy) Owns(field string) bool {
	return (p.OwnedFields == nil || slices.Contains(p.OwnedFields, field)) && !slices.Contains(p.NotOwned, field)
}

// policyOptions are the option keys ParsePolicy reads.
var policyOptions = []string{
	"onMissing", "purgeAfterDays", deletionLimitsOption, "identity", "adopt", "blockSoftMatch",
	"firstSync", "ownedFields", "editableWhileSynced", "roles", "password", "confirmDatasetSwitch", "retry",
}

// ParsePolicy reads the manager's keys of a source's options (see
// [Policy]). Every error wraps ErrInvalidSource and names the option.
func ParsePolicy(options map[string]any) (*Policy, error) {
	p := DefaultPolicy()
	var err error
	if p.Limits, err = parseDeletionLimits(options); err != nil {
		return nil, err
	}
	for _, key := range sortedKeys(options) {
		v := options[key]
		if v == nil || key == deletionLimitsOption {
			continue
		}
		if err := p.set(key, v); err != nil {
			return nil, err
		}
	}
	if p.PurgeAfterDays > 0 && p.OnMissing != MissingDisable {
		return nil, optionError("purgeAfterDays", fmt.Sprintf("purging applies to disabled users: onMissing is %q, want %q", p.OnMissing, MissingDisable))
	}
	if p.Adopt != "" && p.BlockSoftMatch {
		return nil, optionError("adopt", "blockSoftMatch is on: remove one of them")
	}
	if _, ok := options["ownedFields"]; ok && options["editableWhileSynced"] != nil {
		return nil, optionError("ownedFields", "editableWhileSynced says the same thing: use one of them")
	}
	return p, nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// set reads one option.
func (p *Policy) set(key string, v any) error {
	var err error
	switch key {
	case "onMissing":
		var s string
		s, err = oneOf(key, v, string(MissingDisable), string(MissingDelete), string(MissingKeep))
		p.OnMissing = OnMissing(s)
	case "purgeAfterDays":
		p.PurgeAfterDays, err = positive(key, v)
	case "identity":
		err = p.setIdentity(v)
	case "adopt":
		p.Adopt, err = oneOf(key, v, IdentityUsername, IdentityEmail, IdentityPhone)
	case "blockSoftMatch":
		p.BlockSoftMatch, err = boolOption(key, v)
	case "firstSync":
		var s string
		s, err = oneOf(key, v, string(FirstSyncRetain), string(FirstSyncClear))
		p.FirstSync = FirstSync(s)
	case "ownedFields":
		p.OwnedFields, err = fieldList(key, v)
	case "editableWhileSynced":
		var on bool
		if on, err = boolOption(key, v); on {
			p.NotOwned = EditableWhileSyncedFields
		}
	case "roles":
		err = objectOption(key, v, map[string]func(string, any) error{
			"create": func(k string, v any) (err error) { p.CreateRoles, err = boolOption(k, v); return err },
		})
	case "password":
		err = objectOption(key, v, map[string]func(string, any) error{
			"format": func(k string, v any) error {
				s, ok := v.(string)
				if !ok || s == "" {
					return optionError(k, "want a format name: plain, sha256-hex or a registered transformer")
				}
				p.PasswordFormat = s
				return nil
			},
		})
	case "confirmDatasetSwitch":
		p.ConfirmDatasetSwitch, err = boolOption(key, v)
	case "retry":
		err = p.setRetry(v)
	}
	return err
}

func (p *Policy) setIdentity(v any) error {
	return objectOption("identity", v, map[string]func(string, any) error{
		"user": func(k string, v any) (err error) {
			p.UserIdentity, err = oneOf(k, v, IdentityID, IdentityUsername, IdentityEmail, IdentityPhone)
			return err
		},
		"department": func(k string, v any) (err error) {
			p.DepartmentIdentity, err = oneOf(k, v, IdentityID, IdentityName)
			return err
		},
	})
}

func (p *Policy) setRetry(v any) error {
	return objectOption("retry", v, map[string]func(string, any) error{
		"attempts": func(k string, v any) (err error) { p.Retry.Attempts, err = positive(k, v); return err },
		"backoff": func(k string, v any) error {
			s, ok := v.(string)
			d, err := time.ParseDuration(s)
			if !ok || err != nil || d <= 0 {
				return optionError(k, `want a duration such as "30s"`)
			}
			p.Retry.Backoff = d
			return nil
		},
	})
}

func optionError(key, reason string) error {
	return fmt.Errorf("%w: option %s: %s", ErrInvalidSource, key, reason)
}

func oneOf(key string, v any, allowed ...string) (string, error) {
	s, ok := v.(string)
	if !ok || !slices.Contains(allowed, s) {
		return "", optionError(key, "want one of "+strings.Join(allowed, ", "))
	}
	return s, nil
}

func boolOption(key string, v any) (bool, error) {
	b, ok := v.(bool)
	if !ok {
		return false, optionError(key, "want true or false")
	}
	return b, nil
}

func positive(key string, v any) (int, error) {
	n, err := wholeNumber(v)
	if err != nil {
		return 0, optionError(key, err.Error())
	}
	if n < 1 {
		return 0, optionError(key, "want 1 or more")
	}
	return n, nil
}

func fieldList(key string, v any) ([]string, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, optionError(key, "want a list of field names")
	}
	out := make([]string, 0, len(list))
	for i, e := range list {
		s, ok := e.(string)
		if !ok || s == "" {
			return nil, optionError(fmt.Sprintf("%s[%d]", key, i), "want a field name")
		}
		out = append(out, s)
	}
	return out, nil
}

// objectOption reads an object option whose keys are those of fields.
func objectOption(key string, v any, fields map[string]func(string, any) error) error {
	m, ok := v.(map[string]any)
	if !ok {
		return optionError(key, "want an object")
	}
	for _, k := range sortedKeys(m) {
		set, ok := fields[k]
		if !ok {
			known := make([]string, 0, len(fields))
			for f := range fields {
				known = append(known, f)
			}
			sort.Strings(known)
			return optionError(key+"."+k, "unknown option (want "+strings.Join(known, ", ")+")")
		}
		if err := set(key+"."+k, m[k]); err != nil {
			return err
		}
	}
	return nil
}

// sourcePolicy is the policy of the source named name: its row's options
// when a row exists (enabled or not), else DefaultPolicy.
func sourcePolicy(ctx context.Context, db bun.IDB, name string) (*Policy, error) {
	row := new(SyncSource)
	err := db.NewSelect().Model(row).Column("options").Where("? = ?", bun.Ident("name"), name).Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultPolicy(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("datasync: load the options of source %q: %w", name, err)
	}
	p, err := ParsePolicy(row.Options)
	if err != nil {
		return nil, fmt.Errorf("datasync: source %q: %w", name, err)
	}
	return p, nil
}
