package ldap

import (
	"context"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

// Source is a [datasync.Source] that reads an LDAP directory. Each Pull
// opens its own connection, so one Source may be pulled again and again.
type Source struct {
	opts Options
}

// New checks opts, fills in their defaults and returns the source. Errors
// wrap datasync.ErrInvalidSource and name the option.
func New(opts Options) (*Source, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Source{opts: o}, nil
}

// Pull connects and binds, reads the OUs and the groups and emits them as
// departments, then streams the users in chunks, each with their
// memberships. It returns nil only after every page of every search was
// read; any failure on the way (see [Source]) matches
// datasync.ErrIncomplete, and a failure of the server also
// datasync.ErrSourceAPI. emit's error is returned unchanged.
func (s *Source) Pull(ctx context.Context, emit func(datasync.UserData) error) error {
	_, err := s.PullChanges(ctx, "", emit)
	return err
}
