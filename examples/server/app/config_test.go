package app

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// TestNewRefusesBadConfig: a Config New cannot use is an ErrConfig naming
// the field, before anything is written.
func TestNewRefusesBadConfig(t *testing.T) {
	db := dbtest.SQLite(t)
	for _, c := range []struct {
		name  string
		cfg   Config
		field string
	}{
		{"no database", Config{Secret: []byte(testSecret)}, "DB"},
		{"short secret", Config{DB: db, Secret: []byte("short")}, "Secret"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, err := New(context.Background(), c.cfg)
			if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), c.field) {
				t.Fatalf("New: %v, %v; want ErrConfig naming %s", a, err, c.field)
			}
		})
	}
	if exists, err := db.NewSelect().Table("sqlite_master").Where("name = 'users'").Exists(context.Background()); err != nil || exists {
		t.Fatalf("a refused Config created tables (users exists: %v, %v)", exists, err)
	}
}
