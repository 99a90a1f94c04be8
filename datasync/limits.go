package datasync

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
)

// ErrDeletionLimit is wrapped by the error of a run that would disable or
// delete more of its source's synced users than the source's
// DeletionLimits allow: nothing was written.
var ErrDeletionLimit = errors.New("datasync: the run would disable or delete more synced users than allowed")

// DeletionLimits stop a complete pull that would disable or delete too
// many of the users its source synced ("discontinue sync upon data
// exception"): a half-empty export looks complete to the source, and is
// the common way a sync wipes a directory. They are a source's
// "deletionLimits" option: {"percent": 30, "count": 100, "allowAll": false}.
//
// They count the users a run would newly disable or delete (see
// [OnMissing]), out of the source's synced users that are neither
// deleted nor already missing. Users already missing are counted once,
// when they go missing: purging them later (Policy.PurgeAfterDays) is not
// limited, nor are departments.
type DeletionLimits struct {
	// Percent (1–100) refuses a run that would disable or delete this
	// share of the source's synced users or more; 0 sets no share.
	Percent int `json:"percent,omitempty"`
	// Count refuses a run that would disable or delete this many synced
	// users or more; 0 sets no count.
	Count int `json:"count,omitempty"`
	// AllowAll lets a run disable or delete every user the source synced.
	// Without it such a run is refused whatever the other limits say, and
	// cannot be approved: an empty export never empties the directory by
	// accident.
	AllowAll bool `json:"allowAll,omitempty"`
}

// DeletionLimitError is a run refused by its DeletionLimits: nothing was
// written. A task run ends pendingApproval with Plans and Fingerprint
// ([Manager.Approve]); [Manager.RunSource] returns the error, and
// [RunSourceOptions].Approve set to its Fingerprint runs exactly those
// deletions.
type DeletionLimitError struct {
	Message string
	// Deleted is how many synced users the run would disable or delete,
	// of Synced.
	Deleted, Synced int
	// UIDs are the uids of the users the run would disable or delete,
	// sorted.
	UIDs []string
	// Plans are what the run would do with the records its source no
	// longer has, one plan per data type and action, in the order they
	// would run.
	Plans []*Plan
	// Fingerprint identifies the refused disables and deletions (the
	// source, and each user's uid with what would happen to it). It is
	// empty when the run cannot be approved: every synced user would go
	// and AllowAll is off.
	Fingerprint string
}

func (e *DeletionLimitError) Error() string { return e.Message }

// Unwrap makes a DeletionLimitError match ErrDeletionLimit.
func (e *DeletionLimitError) Unwrap() error { return ErrDeletionLimit }

// HTTPStatus is 409: the source's data conflicts with the directory's
// safety settings.
func (e *DeletionLimitError) HTTPStatus() int { return http.StatusConflict }

// check refuses disabling or deleting gone of synced users when the
// limits say so.
func (l DeletionLimits) check(gone, synced int) *DeletionLimitError {
	if gone == 0 || synced == 0 {
		return nil
	}
	pct := int(math.Round(100 * float64(gone) / float64(synced)))
	refuse := func(msg string) *DeletionLimitError {
		return &DeletionLimitError{Message: msg, Deleted: gone, Synced: synced}
	}
	switch {
	case l.everyone(gone, synced):
		return refuse(fmt.Sprintf("synced users would be reduced by 100%% (%d): the source no longer has any of them; set deletionLimits.allowAll to allow it", gone))
	case l.Percent > 0 && pct >= l.Percent:
		return refuse(fmt.Sprintf("synced users would be reduced by %d%% (%d), reaching the %d%% threshold", pct, gone, l.Percent))
	case l.Count > 0 && gone >= l.Count:
		return refuse(fmt.Sprintf("synced users would be reduced by %d (%d%%), reaching the limit of %d", gone, pct, l.Count))
	}
	return nil
}

// everyone reports whether removing gone of synced users is the refusal
// no approval lifts: every one of them, without AllowAll.
func (l DeletionLimits) everyone(gone, synced int) bool {
	return gone > 0 && gone >= synced && !l.AllowAll
}

// deletionLimitsOption is the key of DeletionLimits in a source's options.
const deletionLimitsOption = "deletionLimits"

// parseDeletionLimits reads a source's "deletionLimits" option; errors
// wrap ErrInvalidSource and name the option.
func parseDeletionLimits(options map[string]any) (DeletionLimits, error) {
	var l DeletionLimits
	raw, ok := options[deletionLimitsOption]
	if !ok || raw == nil {
		return l, nil
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return l, limitsError("", "want an object")
	}
	for key, v := range m {
		switch key {
		case "percent", "count":
			n, err := wholeNumber(v)
			if err != nil {
				return l, limitsError(key, err.Error())
			}
			if key == "percent" {
				if n < 1 || n > 100 {
					return l, limitsError(key, "want 1 to 100")
				}
				l.Percent = n
			} else {
				if n < 1 {
					return l, limitsError(key, "want 1 or more")
				}
				l.Count = n
			}
		case "allowAll":
			b, ok := v.(bool)
			if !ok {
				return l, limitsError(key, "want true or false")
			}
			l.AllowAll = b
		default:
			return l, limitsError(key, "unknown option (want percent, count, allowAll)")
		}
	}
	return l, nil
}

func limitsError(key, reason string) error {
	name := deletionLimitsOption
	if key != "" {
		name += "." + key
	}
	return fmt.Errorf("%w: %s: %s", ErrInvalidSource, name, reason)
}

// wholeNumber is v (a JSON number, as options decode) as an int.
func wholeNumber(v any) (int, error) {
	var f float64
	switch n := v.(type) {
	case float64:
		f = n
	case json.Number:
		var err error
		if f, err = n.Float64(); err != nil {
			return 0, errors.New("want a whole number")
		}
	case int:
		return n, nil
	case int64:
		f = float64(n)
	default:
		return 0, errors.New("want a whole number")
	}
	if f != math.Trunc(f) || math.Abs(f) > 1<<31 {
		return 0, errors.New("want a whole number, not " + strconv.FormatFloat(f, 'g', -1, 64))
	}
	return int(f), nil
}
