package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/csv"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/ldap"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tree"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/xlsx"
)

// fieldNames are the users table's fields, in -map and as the default
// column names (matched case-insensitively).
var fieldNames = []string{"uid", "username", "nickname", "email", "phone", "password", "enabled", "department", "departmentPath", "role"}

// sources pulls each of its sources in turn: departments before the users
// who join them.
type sources []datasync.Source

func (s sources) Pull(ctx context.Context, emit func(datasync.UserData) error) error {
	for _, src := range s {
		if err := src.Pull(ctx, emit); err != nil {
			return err
		}
	}
	return nil
}

func buildSource(ctx context.Context, cfg *config) (datasync.Source, error) {
	if cfg.ldapURL != "" {
		return ldapSource(cfg)
	}
	var out sources
	if cfg.tree != "" || cfg.depts != "" {
		src, err := departmentSource(cfg)
		if err != nil {
			return nil, err
		}
		out = append(out, src)
	}
	var table tabular.Table
	switch {
	case cfg.users != "":
		table = csv.File(cfg.users, csv.Options{})
	case cfg.xlsx != "":
		table = xlsx.File(cfg.xlsx, xlsx.Options{Sheet: cfg.sheet})
	default:
		return out, nil
	}
	mapping, err := mappingFor(ctx, table, cfg.mapping)
	if err != nil {
		return nil, err
	}
	src, err := tabular.NewSource(table, tabular.Options{Mapping: mapping, MatchKey: cfg.matchKey})
	if err != nil {
		return nil, err
	}
	return append(out, src), nil
}

// departmentSource reads -tree (files have no NULL: an empty parent is the
// top level) or -depts.
func departmentSource(cfg *config) (datasync.Source, error) {
	if cfg.depts != "" {
		return tree.NewSource(csv.File(cfg.depts, csv.Options{}), tree.Options{Path: "path"})
	}
	return tree.NewSource(csv.File(cfg.tree, csv.Options{}), tree.Options{
		ID: cfg.treeID, Parent: cfg.treeParent, Title: cfg.treeTitle, EmptyParentIsRoot: true,
	})
}

// mappingFor maps every field to the table's column of the same name (in
// any case), then applies -map; a -map field that is not one of
// fieldNames is a custom field. Columns -map names must exist: the
// source checks them against the header.
func mappingFor(ctx context.Context, t tabular.Table, explicit map[string]string) (tabular.Mapping, error) {
	rows, err := t.Open(ctx)
	if err != nil {
		return tabular.Mapping{}, err
	}
	header := slices.Clone(rows.Header())
	if err := rows.Close(); err != nil {
		return tabular.Mapping{}, fmt.Errorf("%s: %w", t.Name(), err)
	}
	columns := map[string]string{}
	for _, f := range fieldNames {
		if i := slices.IndexFunc(header, func(h string) bool { return strings.EqualFold(h, f) }); i >= 0 {
			columns[f] = header[i]
		}
	}
	var m tabular.Mapping
	for f, c := range explicit {
		if slices.Contains(fieldNames, f) {
			columns[f] = c
			continue
		}
		if m.Fields == nil {
			m.Fields = map[string]string{}
		}
		m.Fields[f] = c
	}
	m.UID, m.Username, m.Nickname = columns["uid"], columns["username"], columns["nickname"]
	m.Email, m.Phone, m.Password = columns["email"], columns["phone"], columns["password"]
	m.Enabled, m.Role = columns["enabled"], columns["role"]
	m.Department, m.DepartmentPath = columns["department"], columns["departmentPath"]
	return m, nil
}

func ldapSource(cfg *config) (datasync.Source, error) {
	opts := ldap.Options{
		URL:   cfg.ldapURL,
		Users: ldap.Search{BaseDN: cfg.ldapBase},
		OUs:   ldap.Search{BaseDN: cfg.ldapBase},
	}
	opts.Groups.BaseDN = cfg.ldapBase
	if cfg.ldapAD {
		opts = ldap.ActiveDirectory(cfg.ldapURL, cfg.ldapBase)
	}
	if attr, value, ok := strings.Cut(cfg.ldapDisabled, "="); ok {
		opts.Disabled = ldap.Disabled{Attribute: attr, Value: value}
	}
	opts.StartTLS = cfg.ldapStartTLS
	opts.BindDN, opts.BindPassword = cfg.ldapBind, os.Getenv("GATEHOUSE_LDAP_PASSWORD")
	opts.MatchKey = cfg.matchKey
	return ldap.New(opts)
}
