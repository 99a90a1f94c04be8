package syncapi

import (
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/listapi"
)

// Redacted stands for a secret in the options the API answers with, and
// means "keep the stored value" when a client sends it back.
const Redacted = "******"

// secretWords mark an option key as holding a secret, whatever its case
// and wherever in the key: bindPassword, clientSecret, apiToken, apiKey.
var secretWords = []string{"password", "secret", "token", "apikey", "api_key", "credential", "privatekey", "private_key"}

// IsSecretKey reports whether the API redacts an option of that name.
func IsSecretKey(key string) bool {
	k := strings.ToLower(key)
	for _, w := range secretWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// redact returns a copy of options with every secret replaced by
// Redacted. A secret is a scalar under a secret key (IsSecretKey); an
// object or list under such a key is walked, not hidden, so that
// {"password": {"format": "plain"}} (a policy, no secret) stays readable.
// An empty string or null stays as it is: it tells the administrator that
// no secret is set.
func redact(options map[string]any) map[string]any {
	if options == nil {
		return nil
	}
	out := make(map[string]any, len(options))
	for k, v := range options {
		out[k] = redactValue(IsSecretKey(k), v)
	}
	return out
}

func redactValue(secret bool, v any) any {
	switch x := v.(type) {
	case map[string]any:
		return redact(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = redactValue(secret, e)
		}
		return out
	case nil:
		return nil
	case string:
		if x == "" {
			return x
		}
	}
	if secret {
		return Redacted
	}
	return v
}

// restoreSecrets returns sent with every Redacted secret replaced by the
// value stored at the same place, so that a client that read a source
// (its secrets redacted) and sends it back unchanged keeps them. A
// Redacted value with nothing stored at its place is an error naming it:
// the placeholder is never saved as a secret.
func restoreSecrets(sent, stored map[string]any, path string) (map[string]any, error) {
	if sent == nil {
		return nil, nil
	}
	out := make(map[string]any, len(sent))
	for k, v := range sent {
		var old any
		if stored != nil {
			old = stored[k]
		}
		restored, err := restoreValue(IsSecretKey(k), v, old, path+"."+k)
		if err != nil {
			return nil, err
		}
		out[k] = restored
	}
	return out, nil
}

func restoreValue(secret bool, v, old any, path string) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		oldMap, _ := old.(map[string]any)
		return restoreSecrets(x, oldMap, path)
	case []any:
		oldList, _ := old.([]any)
		out := make([]any, len(x))
		for i, e := range x {
			var oldElem any
			if i < len(oldList) {
				oldElem = oldList[i]
			}
			r, err := restoreValue(secret, e, oldElem, path+"["+strconv.Itoa(i)+"]")
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	case string:
		if secret && x == Redacted {
			if old == nil || old == "" {
				return nil, listapi.BadRequest("%s: %q is a placeholder for the stored secret, and none is stored: send the secret", path, Redacted)
			}
			return old, nil
		}
	}
	return v, nil
}
