package tabular

import "github.com/gatehouse-dev/gatehouse/datasync"

// chunker batches records into UserData of at most size records, so that
// the core gets chunks the size it plans best and the source never holds
// more than one chunk.
type chunker struct {
	data datasync.UserData
	size int
	emit func(datasync.UserData) error
}

func newChunker(dataType datasync.DataType, matchKey string, size int, emit func(datasync.UserData) error) *chunker {
	return &chunker{data: datasync.UserData{DataType: dataType, MatchKey: matchKey}, size: size, emit: emit}
}

// add queues rec and emits a full chunk. emit's error comes back unchanged.
func (c *chunker) add(rec datasync.Record) error {
	if c.data.Records == nil {
		c.data.Records = make([]datasync.Record, 0, c.size)
	}
	c.data.Records = append(c.data.Records, rec)
	if len(c.data.Records) < c.size {
		return nil
	}
	return c.flush()
}

// flush emits the records queued, if any. The slice goes to emit and is
// not reused: the core may keep it.
func (c *chunker) flush() error {
	if len(c.data.Records) == 0 {
		return nil
	}
	d := c.data
	c.data.Records = nil
	return c.emit(d)
}
