package datasync

import (
	"context"
	"fmt"
	"sync"
)

// encodedChunk is a chunk whose records are encoded and hashed, and the
// error that stopped encoding at it.
type encodedChunk struct {
	c    *chunk
	uids []string
	err  error
}

// encodeAhead encodes and hashes the run's chunks in a goroutine, one
// chunk ahead of the chunk whose statements run: hashing is the one part
// of a chunk that needs no database, and a re-sync of unchanged data is
// little else besides reading the stored hashes. stop ends the goroutine
// and waits for it, so no record is read after the run returns.
func (r *run) encodeAhead(ctx context.Context) (chunks <-chan encodedChunk, stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	out := make(chan encodedChunk, 1)
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(out)
		size := r.m.opts.ChunkSize
		for start := 0; start < len(r.data.Records); start += size {
			c, uids, err := r.encodeChunk(start, min(start+size, len(r.data.Records)))
			select {
			case out <- encodedChunk{c: c, uids: uids, err: err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	})
	return out, func() { cancel(); wg.Wait() }
}

// encodeChunk makes the chunk of records [start, end), with their
// canonical JSON and its hash.
func (r *run) encodeChunk(start, end int) (*chunk, []string, error) {
	n := end - start
	c := &chunk{start: start, recs: make([]BatchRecord, n), raw: make([][]byte, n), hash: make([]string, n), failed: make([]bool, n)}
	uids := make([]string, n)
	for i, rec := range r.data.Records[start:end] {
		raw, sum, err := r.enc.encode(rec)
		if err != nil {
			return nil, nil, &DataError{Message: fmt.Sprintf("records[%d] cannot be encoded as JSON: %v", start+i, err), Records: []int{start + i}}
		}
		uids[i], _ = rec.UID()
		c.raw[i], c.hash[i] = raw, sum
		c.recs[i] = BatchRecord{
			OriginRecord: OriginRecord{SourceName: r.sourceName, SourceUk: uids[i], DataType: r.dataType, MetaData: rec},
			Index:        start + i,
		}
	}
	return c, uids, nil
}
