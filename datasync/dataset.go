package datasync

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"time"

	"github.com/uptrace/bun"
)

// ErrDatasetSwitch is wrapped by the error of a run whose source now reads
// another dataset than the one its sync records came from, without
// "confirmDatasetSwitch": nothing was written.
var ErrDatasetSwitch = errors.New("datasync: the source reads another dataset")

// DatasetSwitchError is a run refused because its source switched
// datasets. Syncing the new dataset over the old one's records would
// delete every user of the old one that the new one lacks, and adopt or
// collide with the rest by uid: the operator says which they want with
// "confirmDatasetSwitch", which clears what the source synced from the
// old dataset before the new one comes in.
type DatasetSwitchError struct {
	SourceName string
}

func (e *DatasetSwitchError) Error() string {
	return fmt.Sprintf(`source %q now reads another dataset: set "confirmDatasetSwitch": true to clear what it synced from the old one and sync the new one`, e.SourceName)
}

// Unwrap makes a DatasetSwitchError match ErrDatasetSwitch.
func (e *DatasetSwitchError) Unwrap() error { return ErrDatasetSwitch }

// HTTPStatus is 409: the source's configuration conflicts with what it
// synced.
func (e *DatasetSwitchError) HTTPStatus() int { return http.StatusConflict }

// DatasetSource is a Source that names the dataset it reads: the table,
// file, directory or query its records come from, without what changes
// how it reads them (credentials, timeouts, page sizes, column
// mappings). Two runs of a source whose Dataset differs read different
// datasets, and the second is refused unless the source's options have
// "confirmDatasetSwitch" (see [DatasetSwitchError]).
//
// A source that is not a DatasetSource is identified by its type's name
// alone: only a change of type is a switch. Its options are not used, as
// they hold the passwords a rotation changes, and, for some types, the
// data itself.
type DatasetSource interface {
	Source
	Dataset() string
}

// sourceDataset identifies the dataset src, built from row, reads: a hash
// of row's type and of what src says it reads.
func sourceDataset(row *SyncSource, src Source) string {
	h := sha256.New()
	writeField(h, row.SourceType)
	if ds, ok := src.(DatasetSource); ok {
		writeField(h, ds.Dataset())
	}
	return hex.EncodeToString(h.Sum(nil))
}

// writeField writes s as a length-prefixed field, so that no two lists of
// strings hash alike.
func writeField(h hash.Hash, s string) {
	fmt.Fprintf(h, "%d:%s", len(s), s)
}

// storedDataset is the dataset the source's last successful task run
// read ("" when none was kept).
func storedDataset(ctx context.Context, db bun.IDB, sourceName string) (string, error) {
	var dataset sql.NullString
	err := db.NewSelect().Model((*SyncState)(nil)).Column("dataset").
		Where("? = ?", bun.Ident("sourceName"), sourceName).Limit(1).Scan(ctx, &dataset)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("datasync: read the dataset of source %q: %w", sourceName, err)
	}
	return dataset.String, nil
}

// saveDataset keeps the dataset the source reads in its SyncState row,
// leaving the row's other columns as they are.
func saveDataset(ctx context.Context, db bun.IDB, sourceName, dataset string) error {
	state := &SyncState{SourceName: sourceName, Dataset: dataset, UpdatedAt: time.Now().UTC()}
	_, err := db.NewInsert().Model(state).Column("sourceName", "dataset", "updatedAt").
		On("CONFLICT (?) DO UPDATE", bun.Ident("sourceName")).
		Set("? = EXCLUDED.?", bun.Ident("dataset"), bun.Ident("dataset")).
		Set("? = EXCLUDED.?", bun.Ident("updatedAt"), bun.Ident("updatedAt")).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("datasync: save the dataset of source %q: %w", sourceName, err)
	}
	return nil
}
