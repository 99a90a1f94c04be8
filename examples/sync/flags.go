package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

// config is what the flags ask for.
type config struct {
	users, xlsx, sheet string // a users table: CSV/TSV, or an Excel workbook
	tree, depts        string // departments: a did/fid tree, or a list of paths
	treeID, treeParent string
	treeTitle          string
	mapping            map[string]string // record field → column, from -map

	ldapURL, ldapBase, ldapBind string
	ldapDisabled                string // attribute=value
	ldapAD, ldapStartTLS        bool

	dbPath, pgDSN string
	source        string
	matchKey      string
	dryRun        bool
	threshold     int
	allowAll      bool
	onMissing     string
	purgeAfter    int
	approve       string
}

func parseFlags(args []string, errOut io.Writer) (*config, error) {
	cfg := &config{}
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.StringVar(&cfg.users, "users", "", "users table: a CSV or TSV file (.tsv) with a header row")
	fs.StringVar(&cfg.xlsx, "xlsx", "", "users table: an Excel workbook (.xlsx)")
	fs.StringVar(&cfg.sheet, "sheet", "", "the -xlsx sheet (default the first)")
	fs.StringVar(&cfg.tree, "tree", "", "departments: a tree dataset (CSV) with id and parent-id columns")
	fs.StringVar(&cfg.treeID, "tree-id", "did", "the -tree id column")
	fs.StringVar(&cfg.treeParent, "tree-parent", "fid", "the -tree parent-id column (empty at the top level)")
	fs.StringVar(&cfg.treeTitle, "tree-title", "title", "the -tree title column")
	fs.StringVar(&cfg.depts, "depts", "", `departments: a CSV with a "path" column ("Sales/EMEA/Berlin")`)
	fs.Func("map", "field=column pairs, comma-separated, for users table columns not named like the fields\n(fields: "+strings.Join(fieldNames, ", ")+")", func(s string) error {
		m, err := parseMapping(s)
		cfg.mapping = m
		return err
	})
	fs.StringVar(&cfg.ldapURL, "ldap", "", "users and departments from this LDAP server (ldap:// or ldaps://); the bind password comes from $GATEHOUSE_LDAP_PASSWORD")
	fs.StringVar(&cfg.ldapBase, "ldap-base", "", "the LDAP base DN of users, groups and organisational units")
	fs.StringVar(&cfg.ldapBind, "ldap-bind", "", "the LDAP bind DN (default: anonymous)")
	fs.StringVar(&cfg.ldapDisabled, "ldap-disabled", "", "attribute=value marking a disabled LDAP user (e.g. employeeType=disabled; -ldap-ad uses userAccountControl)")
	fs.BoolVar(&cfg.ldapAD, "ldap-ad", false, "the LDAP server is Active Directory (objectGUID, sAMAccountName, userAccountControl)")
	fs.BoolVar(&cfg.ldapStartTLS, "ldap-starttls", false, "upgrade the ldap:// connection with StartTLS")
	fs.StringVar(&cfg.dbPath, "db", "gatehouse.db", "the directory: a SQLite file")
	fs.StringVar(&cfg.pgDSN, "pg", "", "the directory: a PostgreSQL DSN (instead of -db)")
	fs.StringVar(&cfg.source, "source", "files", "the sync source's name: a sync deletes only what its source synced")
	fs.StringVar(&cfg.matchKey, "match-key", "", "adopt existing users with the same username, email or phone on the first sync")
	fs.BoolVar(&cfg.dryRun, "dry-run", false, "print the plan and write nothing")
	fs.StringVar(&cfg.onMissing, "on-missing", string(datasync.MissingDisable), "what becomes of a user the source synced and no longer has: disable (kept with its departments), delete or keep")
	fs.IntVar(&cfg.purgeAfter, "purge-after", 0, "with -on-missing disable: delete users (and departments) missing for more than this many days")
	fs.IntVar(&cfg.threshold, "threshold", 0, "refuse a sync that would disable or delete this percentage (1-100) of the users the source synced, or more")
	fs.BoolVar(&cfg.allowAll, "allow-delete-all", false, "allow a sync to disable or delete every user the source synced (refused otherwise, even with -approve)")
	fs.StringVar(&cfg.approve, "approve", "", "apply the disables and deletions a -threshold refusal listed: the token it printed\n(the refused run's fingerprint; there are no task rows here). If the source changed since, the threshold applies again")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (flags come first)", fs.Arg(0))
	}
	return cfg, cfg.check()
}

func (c *config) check() error {
	tables := 0
	for _, s := range []string{c.users, c.xlsx, c.ldapURL} {
		if s != "" {
			tables++
		}
	}
	for _, rule := range []struct {
		broken bool
		msg    string
	}{
		{tables == 0 && c.tree == "" && c.depts == "", "nothing to sync: give -users, -xlsx, -ldap, -tree or -depts"},
		{tables > 1, "give one of -users, -xlsx and -ldap"},
		{c.tree != "" && c.depts != "", "give -tree or -depts, not both"},
		{c.ldapURL != "" && (c.tree != "" || c.depts != ""), "-ldap brings its own departments: drop -tree and -depts"},
		{c.ldapURL != "" && c.ldapBase == "", "-ldap needs -ldap-base"},
		{c.sheet != "" && c.xlsx == "", "-sheet needs -xlsx"},
		{c.ldapDisabled != "" && !strings.Contains(c.ldapDisabled, "="), "-ldap-disabled is attribute=value"},
		{c.mapping != nil && c.users == "" && c.xlsx == "", "-map applies to -users or -xlsx"},
	} {
		if rule.broken {
			return errors.New(rule.msg)
		}
	}
	return c.checkPolicy()
}

// checkPolicy checks the flags that set what a sync does with the users
// its source no longer has.
func (c *config) checkPolicy() error {
	switch {
	case c.threshold < 0 || c.threshold > 100:
		return errors.New("-threshold is a percentage, 1 to 100")
	case !slices.Contains(onMissingModes, c.onMissing):
		return errors.New("-on-missing is disable, delete or keep")
	case c.purgeAfter < 0:
		return errors.New("-purge-after is a number of days")
	case c.purgeAfter > 0 && c.onMissing != string(datasync.MissingDisable):
		return errors.New("-purge-after purges disabled users: it needs -on-missing disable")
	}
	return nil
}

// onMissingModes are -on-missing's values.
var onMissingModes = []string{string(datasync.MissingDisable), string(datasync.MissingDelete), string(datasync.MissingKeep)}

// parseMapping reads "field=column,field=column".
func parseMapping(s string) (map[string]string, error) {
	out := map[string]string{}
	for pair := range strings.SplitSeq(s, ",") {
		field, column, ok := strings.Cut(pair, "=")
		field, column = strings.TrimSpace(field), strings.TrimSpace(column)
		if !ok || field == "" || column == "" {
			return nil, fmt.Errorf("%q is not field=column", pair)
		}
		if _, dup := out[field]; dup {
			return nil, fmt.Errorf("field %q is mapped twice", field)
		}
		out[field] = column
	}
	return out, nil
}
