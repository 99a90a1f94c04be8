package datasync

import (
	"context"
	"fmt"
	"slices"

	"github.com/uptrace/bun"
)

// pullSeen is what a pull emitted: the uids of each data type, and the
// data types in the order they first came.
type pullSeen struct {
	uids  map[DataType]map[string]struct{}
	order []DataType
}

func newPullSeen() *pullSeen { return &pullSeen{uids: map[DataType]map[string]struct{}{}} }

// add notes the uids of d, once it has been applied.
func (p *pullSeen) add(d *UserData) {
	set, ok := p.uids[d.DataType]
	if !ok {
		set = make(map[string]struct{}, len(d.Records))
		p.uids[d.DataType] = set
		p.order = append(p.order, d.DataType)
	}
	for _, rec := range d.Records {
		if uid, ok := rec.UID(); ok {
			set[uid] = struct{}{}
		}
	}
}

// sweep ends a complete pull: a record the source synced before and did
// not emit this time has left the source, and is synced as deleted
// ({"uid", "isDeleted": true}), so its resources remove what it made.
// Only data types the pull emitted are swept (a source that sends no
// departments deletes none), the last emitted first (users leave their
// departments before the departments go). A pull that failed or stopped
// short never gets here: its run rolls back.
func (m *Manager) sweep(ctx context.Context, tx bun.Tx, source string, seen *pullSeen, collect bool, part func(*run)) error {
	for _, dataType := range slices.Backward(seen.order) {
		gone, err := unseenUIDs(ctx, tx, source, dataType, seen.uids[dataType])
		if err != nil {
			return err
		}
		if len(gone) == 0 {
			continue
		}
		data := UserData{DataType: dataType, SourceName: source, Records: make([]Record, len(gone))}
		for i, uid := range gone {
			data.Records[i] = Record{"uid": uid, "isDeleted": true}
		}
		r, err := m.syncData(ctx, tx, data, collect)
		if err != nil {
			return fmt.Errorf("datasync: source %q: delete the %d %s records it no longer has: %w", source, len(gone), dataType, err)
		}
		if part != nil {
			part(r)
		}
	}
	return nil
}

// unseenUIDs lists the uids of the source's sync records of dataType that
// are not in seen, in the order they were first synced.
func unseenUIDs(ctx context.Context, db bun.IDB, source string, dataType DataType, seen map[string]struct{}) ([]string, error) {
	rows, err := db.NewSelect().TableExpr("?", recordsTable).Column("sourceUk").
		Where("? = ? AND ? = ?", bun.Ident("sourceName"), source, bun.Ident("dataType"), dataType).
		OrderExpr("? ASC", bun.Ident("id")).
		Rows(ctx)
	if err != nil {
		return nil, fmt.Errorf("datasync: read the %s sync records of %q: %w", dataType, source, err)
	}
	defer rows.Close()
	var gone []string
	for rows.Next() {
		var uid string
		if err := rows.Scan(&uid); err != nil {
			return nil, fmt.Errorf("datasync: read the %s sync records of %q: %w", dataType, source, err)
		}
		if _, ok := seen[uid]; !ok {
			gone = append(gone, uid)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("datasync: read the %s sync records of %q: %w", dataType, source, err)
	}
	return gone, nil
}
