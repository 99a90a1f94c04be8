package sqlitedb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"sync"

	_ "modernc.org/sqlite" // pure-Go SQLite driver, registered as "sqlite"
)

// connector opens the pool's connections and, for an in-memory database,
// holds one more connection that nobody queries. SQLite frees a memdb
// database when its last connection closes, and database/sql closes a
// connection whose query was interrupted by a cancelled context; the pinned
// connection is never interrupted, so the database outlives every cancel.
// database/sql calls Close (io.Closer) from (*sql.DB).Close.
type connector struct {
	dsn       string
	driver    driver.Driver
	pinned    driver.Conn
	closeOnce sync.Once
	closeErr  error
}

// registeredDriver is modernc.org/sqlite's driver as registered with
// database/sql, so that functions, collations and connection hooks a host
// registered with that package apply to our connections too.
func registeredDriver() (driver.Driver, error) {
	db, err := sql.Open("sqlite", "")
	if err != nil {
		return nil, fmt.Errorf("sqlitedb: modernc.org/sqlite driver: %w", err)
	}
	defer db.Close()
	return db.Driver(), nil
}

func (c *connector) Connect(context.Context) (driver.Conn, error) {
	return c.driver.Open(c.dsn)
}

func (c *connector) Driver() driver.Driver { return c.driver }

// pin opens the connection that keeps an in-memory database alive.
func (c *connector) pin() error {
	conn, err := c.driver.Open(c.dsn)
	if err != nil {
		return err
	}
	c.pinned = conn
	return nil
}

// Close releases the pinned connection, which frees an in-memory database
// once the pool's connections are closed too.
func (c *connector) Close() error {
	c.closeOnce.Do(func() {
		if c.pinned != nil {
			c.closeErr = c.pinned.Close()
		}
	})
	return c.closeErr
}
