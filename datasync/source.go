package datasync

import "context"

// Source is an outside directory the manager pulls from. Pull streams the
// source's content as UserData (typically departments first, then users in
// parts) by calling emit, which applies each part inside the run's one
// transaction and returns its error; Pull returns emit's error unchanged.
// SourceName on the emitted UserData is ignored: the source row's name is
// used.
//
// Pull returns nil only after a complete read: every row, page and entry
// of the source was read and emitted. A read that stopped short (a size
// or time limit, a lost connection) returns an error wrapping
// ErrIncomplete, never nil, so the run rolls back and nothing is deleted
// because it was not seen.
type Source interface {
	Pull(ctx context.Context, emit func(UserData) error) error
}

// SourceConfig is what a source type is built from: the source row.
// Options are the row's options without the keys the manager reads
// itself ("deletionLimits", "schedule"), so a type may refuse keys it does
// not know; Row has them all.
type SourceConfig struct {
	Name    string
	Options map[string]any
	Row     *SyncSource
}

// SourceType is a registered kind of source (NocoBase's registerType):
// New builds a Source from a source row's options, and fails for options
// it cannot use.
type SourceType struct {
	Title string
	New   func(cfg SourceConfig) (Source, error)
}

// SourceTypeInfo is one entry of [Manager.SourceTypes]: NocoBase's
// listTypes {name, title}.
type SourceTypeInfo struct {
	Name  string `json:"name"`
	Title string `json:"title"`
}
