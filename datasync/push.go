package datasync

import "context"

// DefaultPushSource is the source name of pushed data that names none.
const DefaultPushSource = "api"

// Push syncs data sent from outside, as NocoBase's push does: a data
// without SourceName comes from "api". It validates data with NocoBase's
// messages (a *DataError) and runs it through the resources in one
// transaction, as [Manager.UpdateOrCreate].
func (m *Manager) Push(ctx context.Context, data UserData) ([]SyncResult, error) {
	if data.SourceName == "" {
		data.SourceName = DefaultPushSource
	}
	m.log.InfoContext(ctx, "datasync: push", "source", data.SourceName, "dataType", data.DataType, "records", len(data.Records))
	return m.UpdateOrCreate(ctx, data)
}
