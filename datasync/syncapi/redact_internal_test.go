package syncapi

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/resourcer"
)

func TestRedact(t *testing.T) {
	stored := map[string]any{
		"url":          "ldap://example.org",
		"bindPassword": "hunter2",
		"BIND_TOKEN":   float64(1234),
		"clientSecret": "",
		"apiKey":       nil,
		"password":     map[string]any{"format": "sha256-hex"},
		"servers":      []any{map[string]any{"host": "a", "privateKey": "k1"}, "plain"},
		"tokens":       []any{"t1", "t2"},
	}
	want := map[string]any{
		"url":          "ldap://example.org",
		"bindPassword": Redacted,
		"BIND_TOKEN":   Redacted,
		"clientSecret": "", // nothing set: shown as such
		"apiKey":       nil,
		"password":     map[string]any{"format": "sha256-hex"},
		"servers":      []any{map[string]any{"host": "a", "privateKey": Redacted}, "plain"},
		"tokens":       []any{Redacted, Redacted},
	}
	got := redact(stored)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("redact (-want +got):\n%s", diff)
	}
	if stored["bindPassword"] != "hunter2" {
		t.Error("redact changed its input")
	}

	// Sent back unchanged, the redacted options are the stored ones.
	back, err := restoreSecrets(got, stored, "values.options")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(stored, back); diff != "" {
		t.Errorf("restore of the redacted options (-want +got):\n%s", diff)
	}

	// A new value replaces; a placeholder where nothing is stored is refused.
	changed := redact(stored)
	changed["bindPassword"] = "n3w"
	changed["tokens"] = []any{Redacted, Redacted, Redacted}
	_, err = restoreSecrets(changed, stored, "values.options")
	var se *resourcer.StatusError
	if !errors.As(err, &se) || se.Status != http.StatusBadRequest || !strings.Contains(se.Message, "values.options.tokens[2]") {
		t.Errorf("a placeholder with no stored secret: %v, want a 400 naming values.options.tokens[2]", err)
	}
	changed["tokens"] = []any{Redacted}
	back, err = restoreSecrets(changed, stored, "values.options")
	if err != nil {
		t.Fatal(err)
	}
	if back["bindPassword"] != "n3w" || !cmp.Equal(back["tokens"], []any{"t1"}) {
		t.Errorf("restored %v", back)
	}
}

func TestIsSecretKey(t *testing.T) {
	for key, want := range map[string]bool{
		"bindPassword": true, "password": true, "clientSecret": true, "accessToken": true, "api_key": true,
		"apiKey": true, "credentials": true, "privateKey": true,
		"bindDN": false, "url": false, "users": false, "passwordFormat": true, "keyColumn": false,
	} {
		if got := IsSecretKey(key); got != want {
			t.Errorf("IsSecretKey(%q) = %v, want %v", key, got, want)
		}
	}
}
