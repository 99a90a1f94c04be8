package ldap

import (
	"context"
	"slices"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

// group is one group read by the Groups search.
type group struct {
	dn, uid, title string
	changed        bool     // modified since the delta's watermark (always, in a full read)
	members        []string // normalised DNs from the member attribute
	parents        []*group // the groups whose member lists name this one
	parent         *group   // the one parent the department tree uses
	closure        []string // uids of this group and its ancestors to NestedDepth, once computed
}

// directory is what the OU and group searches learnt, for the users'
// memberships, and the pass's watermarks.
type directory struct {
	ous        map[string]string   // normalised OU DN → the OU's uid
	groups     map[string]*group   // normalised group DN → group
	userGroups map[string][]*group // normalised member DN → groups listing it
	depth      int
	marks      *marks
}

func newDirectory(depth int, m *marks) *directory {
	return &directory{
		ous:        map[string]string{},
		groups:     map[string]*group{},
		userGroups: map[string][]*group{},
		depth:      depth,
		marks:      m,
	}
}

// readDepartments reads the OUs and the groups, emits them as department
// records, parents before children, and fills dir with what the users
// pass needs. Either search is skipped when its BaseDN is empty. A delta
// reads every department, since the users' memberships need them all,
// but emits only those changed since its watermark.
func (s *Source) readDepartments(ctx context.Context, conn *goldap.Conn, dir *directory, emit func(datasync.UserData) error) error {
	out := newBatcher(datasync.DataTypeDepartment, "", s.opts.ChunkSize, emit)
	if s.opts.OUs.BaseDN != "" {
		ous, err := s.readOUs(ctx, conn, dir.marks)
		if err != nil {
			return err
		}
		for _, ou := range ous {
			dir.ous[ou.dn] = ou.uid
		}
		for _, ou := range ous {
			if !ou.changed {
				continue
			}
			rec := datasync.Record{"uid": ou.uid, "title": ou.title}
			if p, ok := dir.ous[parentDN(ou.dn)]; ok {
				rec["parentUid"] = p
			}
			if err := out.add(rec); err != nil {
				return err
			}
		}
	}
	if s.opts.Groups.BaseDN != "" {
		if err := s.readGroups(ctx, conn, dir); err != nil {
			return err
		}
		for _, g := range dir.groupTree() {
			if !g.changed {
				continue
			}
			rec := datasync.Record{"uid": g.uid, "title": g.title}
			if g.parent != nil {
				rec["parentUid"] = g.parent.uid
			}
			if err := out.add(rec); err != nil {
				return err
			}
		}
	}
	return out.flush()
}

// ou is one organizational unit read by the OUs search.
type ou struct {
	dn, uid, title string
	changed        bool
}

// readOUs returns the OUs, shallowest first, so that every OU follows its
// parent.
func (s *Source) readOUs(ctx context.Context, conn *goldap.Conn, m *marks) ([]ou, error) {
	var ous []ou
	n := 0
	err := s.search(ctx, conn, "ous", s.opts.OUs, []string{s.opts.Attributes.ID, "ou", modifyTimestamp}, func(entries []*goldap.Entry) error {
		for _, e := range entries {
			n++
			uid, err := s.entryID(e, "ous", n, e.DN)
			if err != nil {
				return err
			}
			changed, err := m.see(e, "ous", n)
			if err != nil {
				return err
			}
			title := e.GetEqualFoldAttributeValue("ou")
			if title == "" {
				return &EntryError{Search: "ous", Entry: n, DN: e.DN, Attribute: "ou", Reason: "has no value: it is the department's title"}
			}
			ous = append(ous, ou{dn: normDN(e.DN), uid: uid, title: title, changed: changed})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(ous, func(a, b ou) int {
		if d := strings.Count(a.dn, ",") - strings.Count(b.dn, ","); d != 0 {
			return d
		}
		return strings.Compare(a.dn, b.dn)
	})
	return ous, nil
}

// readGroups fills dir.groups and dir.userGroups from the Groups search.
func (s *Source) readGroups(ctx context.Context, conn *goldap.Conn, dir *directory) error {
	memberAttr := s.opts.Groups.MemberAttribute
	var all []*group
	n := 0
	err := s.search(ctx, conn, "groups", s.opts.Groups.Search, []string{s.opts.Attributes.ID, "cn", memberAttr, modifyTimestamp}, func(entries []*goldap.Entry) error {
		for _, e := range entries {
			n++
			uid, err := s.entryID(e, "groups", n, e.DN)
			if err != nil {
				return err
			}
			changed, err := dir.marks.see(e, "groups", n)
			if err != nil {
				return err
			}
			title := e.GetEqualFoldAttributeValue("cn")
			if title == "" {
				return &EntryError{Search: "groups", Entry: n, DN: e.DN, Attribute: "cn", Reason: "has no value: it is the department's title"}
			}
			g := &group{dn: normDN(e.DN), uid: uid, title: title, changed: changed}
			for _, m := range e.GetEqualFoldAttributeValues(memberAttr) {
				g.members = append(g.members, normDN(m))
			}
			all = append(all, g)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, g := range all {
		dir.groups[g.dn] = g
	}
	for _, g := range all {
		for _, m := range g.members {
			if child, ok := dir.groups[m]; ok {
				child.parents = append(child.parents, g)
			} else {
				dir.userGroups[m] = append(dir.userGroups[m], g)
			}
		}
		g.members = nil // no longer needed; a large group's list can go
	}
	return nil
}

// groupTree gives every group at most one parent and returns the groups
// parents first. A department has one parent while a group may be nested
// in several, or in a cycle: the tree is a breadth-first walk from the
// groups in no other group (in DN order), each group taking the parent it
// was first reached from; groups only reachable through a cycle start a
// walk of their own from the smallest DN, so no cycle reaches the
// department tree.
func (dir *directory) groupTree() []*group {
	dns := make([]string, 0, len(dir.groups))
	for dn := range dir.groups {
		dns = append(dns, dn)
	}
	slices.Sort(dns)
	children := map[*group][]*group{}
	for _, dn := range dns {
		g := dir.groups[dn]
		for _, p := range g.parents {
			children[p] = append(children[p], g)
		}
	}
	order := make([]*group, 0, len(dns))
	seen := map[*group]bool{}
	walk := func(root *group) {
		seen[root] = true
		queue := []*group{root}
		for len(queue) > 0 {
			g := queue[0]
			queue = queue[1:]
			order = append(order, g)
			for _, c := range children[g] {
				if !seen[c] {
					seen[c] = true
					c.parent = g
					queue = append(queue, c)
				}
			}
		}
	}
	for _, dn := range dns {
		if g := dir.groups[dn]; len(g.parents) == 0 {
			walk(g)
		}
	}
	for _, dn := range dns {
		if g := dir.groups[dn]; !seen[g] {
			walk(g)
		}
	}
	return order
}

// groupUIDs returns the uids of the groups in direct and of every group
// enclosing one of them up to dir.depth levels, sorted.
func (dir *directory) groupUIDs(direct []*group) []string {
	var uids []string
	for _, g := range direct {
		uids = append(uids, dir.closureOf(g)...)
	}
	slices.Sort(uids)
	return slices.Compact(uids)
}

// closureOf is g's uid and those of its ancestors to dir.depth levels: a
// breadth-first walk up the parents, which a cycle cannot prolong since a
// group is visited once.
func (dir *directory) closureOf(g *group) []string {
	if g.closure != nil {
		return g.closure
	}
	seen := map[*group]bool{g: true}
	level := []*group{g}
	uids := []string{g.uid}
	for d := 0; d < dir.depth && len(level) > 0; d++ {
		var next []*group
		for _, x := range level {
			for _, p := range x.parents {
				if !seen[p] {
					seen[p] = true
					uids = append(uids, p.uid)
					next = append(next, p)
				}
			}
		}
		level = next
	}
	g.closure = uids
	return uids
}
