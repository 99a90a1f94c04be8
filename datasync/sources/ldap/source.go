package ldap

import (
	"context"
	"strings"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

// Source is a [datasync.Source] that reads an LDAP directory. Each Pull
// opens its own connection, so one Source may be pulled again and again.
type Source struct {
	opts Options
}

var _ datasync.DatasetSource = (*Source)(nil)

// Dataset names the part of the directory the source reads, for a
// source's dataset-switch check (see datasync.DatasetSource): the
// server's URL and each search's base DN and filter. Credentials, TLS,
// paging and attribute mappings are not part of it.
func (s *Source) Dataset() string {
	o := s.opts
	return strings.Join([]string{o.URL,
		o.Users.BaseDN, o.Users.Filter,
		o.Groups.BaseDN, o.Groups.Filter,
		o.OUs.BaseDN, o.OUs.Filter}, "\x00")
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
