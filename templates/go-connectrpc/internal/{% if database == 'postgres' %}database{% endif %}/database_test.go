package database

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// testURL is the database the integration tests use, from DATABASE_URL; they skip without it.
func testURL(t *testing.T) string {
	t.Helper()
	url := os.Getenv("DATABASE_URL")
	if url == "" {
		t.Skip("DATABASE_URL is not set: skipping the tests that need a real PostgreSQL")
	}
	return url
}

// openTestPool opens a pool with options on the test database, closed when the test ends.
func openTestPool(t *testing.T, options Options) *pgxpool.Pool {
	t.Helper()
	pool, err := Open(t.Context(), testURL(t), options)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func TestProbeQueriesARealDatabase(t *testing.T) {
	pool := openTestPool(t, Options{})

	if err := Probe(pool)(t.Context()); err != nil {
		t.Errorf("Probe() error = %v", err)
	}
}

func TestProbeFailsWhenTheDatabaseIsUnreachable(t *testing.T) {
	pool, err := Open(t.Context(), "postgres://app:app@127.0.0.1:1/app?sslmode=disable&connect_timeout=2", Options{})
	if err != nil {
		t.Fatalf("Open() error = %v; want the pool to connect lazily", err)
	}
	defer pool.Close()

	if err := Probe(pool)(t.Context()); err == nil {
		t.Error("Probe() succeeded against a closed port")
	}
}

func TestOpenRejectsAMalformedURL(t *testing.T) {
	if _, err := Open(t.Context(), "postgres://app@localhost:port/app", Options{}); err == nil {
		t.Error("Open() accepted a URL with a non-numeric port")
	}
}

func TestStatementTimeoutCancelsAStatementInTheDatabase(t *testing.T) {
	pool := openTestPool(t, Options{StatementTimeout: 200 * time.Millisecond})

	started := time.Now()
	_, err := pool.Exec(t.Context(), "SELECT pg_sleep(5)")

	if !Unavailable(err) || time.Since(started) > 2*time.Second {
		t.Errorf("a 5 s statement with a 200 ms statement_timeout: error %v after %v, want Unavailable at once", err, time.Since(started))
	}
}

func TestAnEndedContextCancelsItsStatementInTheDatabase(t *testing.T) {
	pool := openTestPool(t, Options{})
	marker := fmt.Sprintf("cancelled-%d", time.Now().UnixNano())

	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	_, err := pool.Exec(ctx, "SELECT pg_sleep(5) -- "+marker)
	if !Unavailable(err) {
		t.Fatalf("Exec() error = %v, want Unavailable once the deadline passed", err)
	}

	var running int
	query := "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%' || $1"
	if err := pool.QueryRow(t.Context(), query, marker).Scan(&running); err != nil || running != 0 {
		t.Errorf("statements still running in PostgreSQL = %d (%v), want 0: the deadline cancels them there too", running, err)
	}
}

func TestAcquiringAConnectionTimesOutWhenThePoolIsExhausted(t *testing.T) {
	pool := openTestPool(t, Options{PoolSize: 1, AcquireTimeout: 200 * time.Millisecond})
	held, err := pool.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()

	started := time.Now()
	_, err = pool.Exec(context.Background(), "SELECT 1")

	if !Unavailable(err) || time.Since(started) > 2*time.Second {
		t.Errorf("Exec() on a full pool: error %v after %v, want Unavailable after the acquire timeout", err, time.Since(started))
	}
	if size := pool.Stat().MaxConns(); size != 1 {
		t.Errorf("MaxConns() = %d, want the pool size 1", size)
	}
}

func TestMigrateLeavesTheStatementTimeoutOfItsConnection(t *testing.T) {
	pool := openTestPool(t, Options{PoolSize: 1, StatementTimeout: 1500 * time.Millisecond})
	if err := Migrate(t.Context(), pool); err != nil {
		t.Fatal(err)
	}

	// A pool of one: the connection that migrated is the one asked.
	var timeout string
	if err := pool.QueryRow(t.Context(), "SHOW statement_timeout").Scan(&timeout); err != nil || timeout != "1500ms" {
		t.Errorf("statement_timeout after migrating = %q (%v), want 1500ms", timeout, err)
	}
}
