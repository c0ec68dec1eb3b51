package database

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrations embed.FS

// lockID keys the advisory lock that keeps replicas starting together from migrating at once.
const lockID = 7_283_911

// Migrate applies the embedded migrations that pool's database has not seen, in file name
// order, each in its own transaction, and records each in schema_migrations.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("database: migrating: %w", err)
	}
	defer conn.Release()
	// Waiting for another replica's migrations, or rewriting a large table, may take longer than
	// any request: the requests' statement_timeout is lifted on this connection while it migrates.
	if _, err := conn.Exec(ctx, "SET statement_timeout = 0"); err != nil {
		return fmt.Errorf("database: migrating: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "RESET statement_timeout")
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", lockID); err != nil {
		return fmt.Errorf("database: migrating: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", lockID)
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("database: migrating: %w", err)
	}
	files, err := fs.Glob(migrations, "migrations/*.sql") // sorted by name
	if err != nil {
		return err
	}
	for _, file := range files {
		if err := apply(ctx, conn.Conn(), file); err != nil {
			return fmt.Errorf("database: migration %s: %w", file, err)
		}
	}
	return nil
}

func apply(ctx context.Context, conn *pgx.Conn, file string) error {
	version := strings.TrimSuffix(strings.TrimPrefix(file, "migrations/"), ".sql")
	script, err := migrations.ReadFile(file)
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version) VALUES ($1) ON CONFLICT DO NOTHING", version)
		if err != nil || tag.RowsAffected() == 0 {
			return err // already applied
		}
		_, err = tx.Exec(ctx, string(script))
		return err
	})
}

// Migrator applies the migrations while the service runs, so that a database that is down at
// start-up delays readiness rather than failing the start: until the migrations are applied,
// the database's readiness check fails.
type Migrator struct {
	pool    *pgxpool.Pool
	logger  *slog.Logger
	applied atomic.Bool
}

// NewMigrator returns a migrator for pool's database.
func NewMigrator(pool *pgxpool.Pool, logger *slog.Logger) *Migrator {
	return &Migrator{pool: pool, logger: logger}
}

// firstAttempt bounds the migration attempt made before the service starts serving.
const firstAttempt = 10 * time.Second

// Start applies the migrations, then runs each of then (such as seeding data), now if the
// database answers within firstAttempt, else in the background, retrying with back-off until
// they succeed or ctx ends.
func (m *Migrator) Start(ctx context.Context, then ...func(context.Context) error) {
	attempt, cancel := context.WithTimeout(ctx, firstAttempt)
	err := m.apply(attempt, then)
	cancel()
	if err == nil {
		return
	}
	m.logger.WarnContext(ctx, "database migrations not applied yet; retrying in the background", "error", err.Error())
	go m.retry(ctx, then)
}

func (m *Migrator) retry(ctx context.Context, then []func(context.Context) error) {
	for wait := time.Second; ; wait = min(2*wait, 30*time.Second) {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		if err := m.apply(ctx, then); err != nil {
			m.logger.WarnContext(ctx, "database migrations not applied yet", "error", err.Error())
			continue
		}
		m.logger.InfoContext(ctx, "database migrations applied")
		return
	}
}

func (m *Migrator) apply(ctx context.Context, then []func(context.Context) error) error {
	if err := Migrate(ctx, m.pool); err != nil {
		return err
	}
	for _, step := range then {
		if err := step(ctx); err != nil {
			return err
		}
	}
	m.applied.Store(true)
	return nil
}

// errMigrationsPending is the database's readiness failure until the migrations are applied.
type errMigrationsPending struct{}

func (errMigrationsPending) Error() string { return "database: migrations not applied yet" }

// Reason is what /readyz says of it (readiness reads it through an interface).
func (errMigrationsPending) Reason() string { return "migrations pending" }

// Probe is the readiness check of the database: the migrations are applied and a trivial
// query answers.
func (m *Migrator) Probe(ctx context.Context) error {
	// The query first: a database that cannot be reached says why, not only that it is behind.
	if err := Probe(m.pool)(ctx); err != nil {
		return err
	}
	if !m.applied.Load() {
		return errMigrationsPending{}
	}
	return nil
}
