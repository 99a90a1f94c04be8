package main

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

// printReport writes the summary per resource and, for a dry run, the
// plan.
func printReport(out io.Writer, rep *datasync.SourceReport, dryRun bool) {
	if dryRun {
		fmt.Fprintln(out, "\ndry run: nothing was written. The plan:")
		for _, p := range rep.Plans {
			printPlan(out, p)
		}
	}
	fmt.Fprintf(out, "\nsource %q:\n", rep.SourceName)
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "resource\tof\tread\tcreated\tupdated\tunchanged\tdeleted\tdisabled\tmemberships\tfailed")
	for _, t := range rep.Totals {
		fmt.Fprintf(w, "%s\t%ss\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", t.Resource, t.DataType, t.Read, t.Created, t.Updated, t.Unchanged, t.Deleted, t.Disabled, t.Memberships, t.Failed)
	}
	w.Flush()
}

// maxListed bounds the changes a plan lists per kind.
const maxListed = 5

func printPlan(out io.Writer, p *datasync.Plan) {
	fmt.Fprintf(out, "\n%s records: %d new, %d changed, %d unchanged\n", p.DataType, p.Records.New, p.Records.Changed, p.Records.Unchanged)
	for _, r := range p.Resources {
		if r.Empty() && len(r.Kept) == 0 && len(r.Failures) == 0 {
			continue
		}
		fmt.Fprintf(out, "  %s: %d creates, %d updates, %d deletes, %d membership changes, %d moves\n",
			r.Resource, len(r.Creates), len(r.Updates), len(r.Deletes), len(r.Memberships), len(r.Moves))
		listChanges(out, "create", r.Creates)
		listChanges(out, "update", r.Updates)
		listChanges(out, "delete", r.Deletes)
		listChanges(out, "keep", r.Kept)
		for i, m := range r.Memberships {
			if i == maxListed {
				fmt.Fprintf(out, "    … %d more membership changes\n", len(r.Memberships)-maxListed)
				break
			}
			fmt.Fprintf(out, "    %s membership: user %s in department %s\n", m.Op, m.UserUID, m.DepartmentUID)
		}
		for _, f := range r.Failures {
			uid, _ := f.Record.UID()
			fmt.Fprintf(out, "    failed: %s: %s\n", uid, f.Message)
		}
	}
}

func listChanges(out io.Writer, verb string, changes []datasync.RecordChange) {
	for i, c := range changes {
		if i == maxListed {
			fmt.Fprintf(out, "    … %d more %ss\n", len(changes)-maxListed, verb)
			return
		}
		line := verb + " " + c.UID
		if len(c.Values) > 0 {
			line += " (" + strings.Join(slices.Sorted(maps.Keys(c.Values)), ", ") + ")"
		}
		if c.Reason != "" {
			line += ": " + c.Reason
		}
		fmt.Fprintln(out, "    "+line)
	}
}

// describeFailure adds the failed records to a run's error: the run wrote
// nothing, and the operator needs every record to fix, not the first. A
// -threshold refusal gets the users it would disable or delete and the
// -approve token (describeRefusal).
func describeFailure(err error, onMissing datasync.OnMissing) error {
	var refused *datasync.DeletionLimitError
	if errors.As(err, &refused) {
		return describeRefusal(refused, onMissing)
	}
	var failed *datasync.FailedError
	if !errors.As(err, &failed) || len(failed.Failures) < 2 {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d records failed, nothing was written:", failed.Resource, len(failed.Failures))
	for i, f := range failed.Failures {
		if i == 20 {
			fmt.Fprintf(&b, "\n  … %d more", len(failed.Failures)-20)
			break
		}
		uid, _ := f.Record.UID()
		fmt.Fprintf(&b, "\n  %s: %s", uid, f.Message)
	}
	return errors.New(b.String())
}

// maxRefusedListed caps the uids a refusal lists.
const maxRefusedListed = 20

// describeRefusal is a -threshold refusal: the message, the users it would
// disable or delete, and how to approve exactly those changes.
func describeRefusal(refused *datasync.DeletionLimitError, onMissing datasync.OnMissing) error {
	verb := "disable"
	if onMissing == datasync.MissingDelete {
		verb = "delete"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s; nothing was written. It would %s %d users:", refused.Message, verb, len(refused.UIDs))
	for i, uid := range refused.UIDs {
		if i == maxRefusedListed {
			fmt.Fprintf(&b, "\n  … %d more", len(refused.UIDs)-maxRefusedListed)
			break
		}
		fmt.Fprintf(&b, "\n  %s", uid)
	}
	if refused.Fingerprint != "" {
		fmt.Fprintf(&b, "\nrun again with -approve %s to %s exactly these users", refused.Fingerprint, verb)
	}
	return errors.New(b.String())
}
