// Package database connects to PostgreSQL through a pgx connection pool.
package database

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// connectTimeout bounds a connection attempt when DATABASE_URL sets no connect_timeout.
const connectTimeout = 5 * time.Second

// Open returns a pool for the database at url. Connections are made on first use, so the
// service starts (and reports itself unready) while the database is down.
func Open(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database: parsing DATABASE_URL: %w", err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		// A database that does not answer fails the request in seconds instead of hanging it;
		// connect_timeout in the URL overrides this.
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	return pool, nil
}

// Probe runs a trivial query through pool: the readiness check of the database.
func Probe(pool *pgxpool.Pool) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := pool.Exec(ctx, "SELECT 1")
		return err
	}
}
