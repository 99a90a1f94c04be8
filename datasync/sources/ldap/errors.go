package ldap

import (
	"errors"
	"fmt"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

// ErrEntry is wrapped by every *EntryError.
var ErrEntry = errors.New("ldap: unusable entry")

// EntryError is a directory entry a pull cannot use, such as a user
// without the ID attribute. Search says which search found it ("users",
// "groups", "ous"); Entry is its 1-based position in that search's
// results; DN is its DN for a group or an OU, and empty for a user, whose
// DN usually holds their name. It matches ErrEntry and
// datasync.ErrIncomplete: skipping the entry would make it look deleted.
type EntryError struct {
	Search    string
	Entry     int
	DN        string
	Attribute string
	Reason    string
}

func (e *EntryError) Error() string {
	where := fmt.Sprintf("ldap: %s entry %d", e.Search, e.Entry)
	if e.DN != "" {
		where += fmt.Sprintf(" (%s)", e.DN)
	}
	if e.Attribute != "" {
		where += fmt.Sprintf(", attribute %s", e.Attribute)
	}
	return where + ": " + e.Reason
}

// Unwrap makes an EntryError match ErrEntry and datasync.ErrIncomplete.
func (e *EntryError) Unwrap() []error { return []error{ErrEntry, datasync.ErrIncomplete} }

// serverError is the error of an LDAP operation that failed: the server
// refused it, timed out, hit a limit or went away. It matches both
// datasync.ErrSourceAPI and datasync.ErrIncomplete, since whatever came
// before it was only part of the directory. op says what was being done
// ("bind", "search users page 3"); the bind password never appears.
func serverError(op string, err error) error {
	return fmt.Errorf("ldap: %s: %w (%w, %w)", op, err, datasync.ErrIncomplete, datasync.ErrSourceAPI)
}
