package database

import (
	"os"
	"testing"
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

func TestProbeQueriesARealDatabase(t *testing.T) {
	pool, err := Open(t.Context(), testURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()

	if err := Probe(pool)(t.Context()); err != nil {
		t.Errorf("Probe() error = %v", err)
	}
}

func TestProbeFailsWhenTheDatabaseIsUnreachable(t *testing.T) {
	pool, err := Open(t.Context(), "postgres://app:app@127.0.0.1:1/app?sslmode=disable&connect_timeout=2")
	if err != nil {
		t.Fatalf("Open() error = %v; want the pool to connect lazily", err)
	}
	defer pool.Close()

	if err := Probe(pool)(t.Context()); err == nil {
		t.Error("Probe() succeeded against a closed port")
	}
}

func TestOpenRejectsAMalformedURL(t *testing.T) {
	if _, err := Open(t.Context(), "postgres://app@localhost:port/app"); err == nil {
		t.Error("Open() accepted a URL with a non-numeric port")
	}
}
