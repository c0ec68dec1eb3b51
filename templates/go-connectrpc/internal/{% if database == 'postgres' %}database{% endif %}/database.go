// Package database connects to PostgreSQL through a pgx connection pool.
package database

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/multitracer"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DefaultPoolSize is the most connections the pool opens unless Options say otherwise.
const DefaultPoolSize = 10

// connectTimeout bounds a connection attempt when DATABASE_URL sets no connect_timeout.
const connectTimeout = 5 * time.Second

// acquireTimeout bounds the wait for a pooled connection when Options set none.
const acquireTimeout = 5 * time.Second

// cancelGrace is how long a statement whose context ended may take to stop after PostgreSQL is
// asked to cancel it; then its connection is closed.
const cancelGrace = time.Second

// Options bound the pool; the zero value has the defaults and no statement timeout.
type Options struct {
	// PoolSize is the most connections open at once (DATABASE_POOL_SIZE), DefaultPoolSize if 0.
	PoolSize int
	// StatementTimeout is each connection's statement_timeout: PostgreSQL cancels a statement
	// that runs or waits for a lock longer, whoever sent it. 0 leaves the server's setting.
	StatementTimeout time.Duration
	// AcquireTimeout bounds the wait for a connection when all are busy, 5 s if 0.
	AcquireTimeout time.Duration
}

// Open returns a pool for the database at url. Connections are made on first use, so the
// service starts (and reports itself unready) while the database is down.
func Open(ctx context.Context, url string, options Options) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database: parsing DATABASE_URL: %w", err)
	}
	cfg.MaxConns = int32(cmp.Or(options.PoolSize, DefaultPoolSize))
	if cfg.ConnConfig.ConnectTimeout == 0 {
		// A database that does not answer fails the request in seconds instead of hanging it;
		// connect_timeout in the URL overrides this.
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	if options.StatementTimeout > 0 {
		cfg.ConnConfig.RuntimeParams["statement_timeout"] = fmt.Sprint(options.StatementTimeout.Milliseconds())
	}
	// A request whose context ends (its deadline, or its client gone) has PostgreSQL cancel the
	// statement at once, rather than closing the socket while the server goes on waiting.
	cfg.ConnConfig.BuildContextWatcherHandler = func(conn *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: conn, DeadlineDelay: cancelGrace}
	}
	// pgxpool has no acquire timeout of its own, but its acquire tracer may give Acquire a context.
	cfg.ConnConfig.Tracer = &multitracer.Tracer{
		PoolAcquireTracers: []pgxpool.AcquireTracer{boundedAcquire(cmp.Or(options.AcquireTimeout, acquireTimeout))},
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	return pool, nil
}

// boundedAcquire is an acquire tracer that gives up waiting for a connection after its duration.
type boundedAcquire time.Duration

type cancelAcquireKey struct{}

// TraceAcquireStart returns the context Acquire waits with.
func (b boundedAcquire) TraceAcquireStart(ctx context.Context, _ *pgxpool.Pool, _ pgxpool.TraceAcquireStartData) context.Context {
	ctx, cancel := context.WithTimeout(ctx, time.Duration(b))
	return context.WithValue(ctx, cancelAcquireKey{}, cancel)
}

// TraceAcquireEnd releases the context TraceAcquireStart made.
func (boundedAcquire) TraceAcquireEnd(ctx context.Context, _ *pgxpool.Pool, _ pgxpool.TraceAcquireEndData) {
	if cancel, ok := ctx.Value(cancelAcquireKey{}).(context.CancelFunc); ok {
		cancel()
	}
}

// Probe runs a trivial query through pool: the readiness check of the database.
func Probe(pool *pgxpool.Pool) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := pool.Exec(ctx, "SELECT 1")
		return err
	}
}
