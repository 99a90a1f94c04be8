// Package syncapi is the HTTP API of user data sync on a
// [resourcer.Resourcer]: sources CRUD, pull, retry, approve, clear, tasks
// and their change history, under NocoBase's resource names
// (userData, userDataSyncSources, userDataSyncTasks), and the ACL snippet
// pm.user-data-sync that grants it.
//
//	m, _ := users.NewSyncManager(ctx, db, users.Options{}, datasync.Options{})
//	m.RegisterSourceType("ldap", datasync.SourceType{Title: "LDAP", New: newLDAP})
//
//	rs := resourcer.New(resourcer.Options{Prefix: "/api"})
//	rs.Use(a.Middleware(acl.MiddlewareOptions{Actions: rs}), resourcer.UseOptions{Tag: "acl"})
//	syncapi.Register(rs, m, syncapi.Options{UserID: users.CurrentUserID})
//	syncapi.RegisterACL(a) // roles with the snippet pm.user-data-sync administer sync
//	mux.Handle("/api/", authenticate(rs))
//
// # Actions
//
// userData, NocoBase's actions and three of gatehouse's:
//
//	GET  /api/userData:listSyncTypes          the registered source types [{name, title}]
//	POST /api/userData:push                   {dataType, matchKey?, records, sourceName?} (Manager.PushHandler)
//	POST /api/userData:pull?name=hr           run a source now            → 202 {"taskId": 7}
//	POST /api/userData:pullChanges?name=hr    run a delta (changes since) → 202 {"taskId": 8}
//	POST /api/userData:retry?sourceId=1&id=7  run a failed task again     → 202 {"taskId": 7}
//	POST /api/userData:approve/7              apply a pendingApproval task → 202 {"taskId": 7}
//	POST /api/userData:clear/hr               remove what the source synced and disable it
//
// The name of pull, pullChanges and clear is name, filterByTk or
// values.name; the task id of retry and approve is id, filterByTk or
// values.id. pull, pullChanges, retry and approve start a task in the
// background and answer 202 at once: poll it with userDataSyncTasks:get
// until its status is success, failed or pendingApproval.
//
// userDataSyncSources, every source row, enabled or not:
//
//	GET    /api/userDataSyncSources            list (page, pageSize; filter on id, name, sourceType, enabled)
//	GET    /api/userDataSyncSources/1          get
//	POST   /api/userDataSyncSources            create {name, sourceType, displayName?, enabled?, options?, sort?}
//	PATCH  /api/userDataSyncSources/1          update the fields given; options are replaced whole
//	DELETE /api/userDataSyncSources/1          destroy
//	GET    /api/userDataSyncSources:nextRun/1  {"scheduled": true, "nextRun": "...", "schedule": "every 1h0m0s"}
//	GET    /api/userDataSyncSources/1/tasks    the source's tasks, as below
//
// Saving a source validates it ([datasync.Manager.ValidateSource]): its
// type must be registered, and the options the manager reads (onMissing,
// deletionLimits, schedule, ...) and those its type reads must parse, so
// a misspelt option answers 400 naming it instead of failing every run.
// A name another source has answers 409. Deleting a source that still
// owns synced users answers 409: clear it first (userData:clear), so that
// nothing it synced is left owned by no source. Renaming one answers 409
// for the same reason (sync records are keyed by the source's name).
//
// userDataSyncTasks, the runs:
//
//	GET /api/userDataSyncTasks?filter={"sourceId":1}    list, newest first (filter on sourceId, status; page, pageSize ≤ 1000)
//	GET /api/userDataSyncTasks/7                        get, with the plan of a pendingApproval task
//	GET /api/userDataSyncTasks:history/7                what task 7 changed, oldest first
//	GET /api/userDataSyncTasks:searchHistory?uid=u-ada  changes across tasks
//
// searchHistory answers "why was Ada disabled on Tuesday?": its params,
// all optional, are uid, resource with resourcePk (a row of users or
// departments), sourceName, taskId, and since and until (RFC 3339). Both
// history actions page by id: pageSize (100 by default, at most 1000),
// and afterId, the last id of the page before; meta.nextAfterId is
// present when a page is full.
//
// # Secrets
//
// A source's options may hold credentials (an LDAP bind password, an API
// token). Every answer shows them as [Redacted]: a scalar under a key
// [IsSecretKey] recognises (password, secret, token, apiKey, credential,
// privateKey, in any case and anywhere in the name). A client that reads
// a source, edits it and sends it back with the placeholder keeps the
// stored secret; sending a new value replaces it. The placeholder where
// no secret is stored is refused (400), so it is never saved as one.
//
// # Errors
//
// Errors answer {"errors":[{"message": ...}]} with datasync's statuses: 400
// for input that cannot be used, naming the field or option; 404 for a
// source or task that does not exist (NocoBase's "SyncSource [hr] is not
// found."); 405 for an action that changes data asked with GET; 409 for a
// task in the wrong state ("Task [7] is not failed."), a name taken, a
// source in use; 503 while the manager shuts down. A 500 is a server
// fault, logged and not shown. userData:push answers in its own shape,
// NocoBase's ({"data":{"code": 400, "message": ...}}; see
// [datasync.Manager.PushHandler]), except for a body the Resourcer
// refuses before it (malformed JSON, over its MaxBodyBytes).
//
// # Access control
//
// Register defines each resource with only its own actions, so generic
// handlers a host registered on the Resourcer (crud's list, create, ...)
// never reach the sync tables. The API reads the params a permission
// layer hands it, and its lists refuse (400) a filter they cannot apply
// rather than ignore it, but it applies no data scope of its own: grant
// it whole, through the snippet, to administrators. syncapi does not
// import acl: [RegisterACL] takes anything with RegisterSnippetPatterns,
// which *acl.ACL has.
//
// # Differences from NocoBase
//
//   - pull and retry answer 202 with the task's id; NocoBase answers
//     nothing and the client re-reads the task list.
//   - pullChanges, approve, clear, nextRun, history and searchHistory are
//     gatehouse's.
//   - Lists use no crud: sources are validated and redacted on the way in
//     and out, and tasks are read through the manager.
package syncapi
