package users

import "errors"

// ErrServerColumnsUnfilled is wrapped by CheckModel's error for a model
// whose hook does not fill the Audit or Timestamps columns it embeds.
var ErrServerColumnsUnfilled = errors.New("users: model's hook does not fill its audit or timestamp columns")
