// Package toposort orders items by before/after constraints between named
// groups, with the semantics NocoBase gets from @hapi/topo.
//
// Each item is added with a [Options] value: the group it belongs to (Tag is
// NocoBase's spelling of the same thing) and the groups it must come Before
// or After. The order returned by [Sorter.Nodes] keeps insertion order
// wherever no constraint forces a move, so a list with no constraints comes
// back exactly as it was added:
//
//	var s toposort.Sorter[string]
//	s.Add("auth", toposort.Options{Tag: "auth"})
//	s.Add("log", toposort.Options{Before: []string{"auth"}})
//	s.Nodes() // [log auth]
//
// A constraint that names a group nobody has joined yet does nothing until
// that group appears: the sorter re-sorts on every Add, so the late group
// takes its place then. An Add that would close a cycle is refused with an
// error (wrapping [ErrCycle]) that names the group being added, and the
// sorter keeps the order it had, so a host can report the bad registration
// and carry on.
//
// acl.Use, resourcer.Use and the datasync resource manager all order their
// registrations with this one sorter.
package toposort
