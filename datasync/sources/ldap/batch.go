package ldap

import "github.com/gatehouse-dev/gatehouse/datasync"

// batcher gathers records into UserData of at most size records, emitting
// each as it fills: a source's memory holds one chunk (and one page), not
// the directory.
type batcher struct {
	data datasync.UserData
	size int
	emit func(datasync.UserData) error
}

func newBatcher(t datasync.DataType, matchKey string, size int, emit func(datasync.UserData) error) *batcher {
	return &batcher{data: datasync.UserData{DataType: t, MatchKey: matchKey}, size: size, emit: emit}
}

func (b *batcher) add(rec datasync.Record) error {
	b.data.Records = append(b.data.Records, rec)
	if len(b.data.Records) >= b.size {
		return b.flush()
	}
	return nil
}

// flush emits what is gathered, if anything.
func (b *batcher) flush() error {
	if len(b.data.Records) == 0 {
		return nil
	}
	d := b.data
	b.data.Records = make([]datasync.Record, 0, b.size)
	return b.emit(d)
}
