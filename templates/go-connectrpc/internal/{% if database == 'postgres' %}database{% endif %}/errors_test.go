package database

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

func TestUnavailableWhenNoConnectionCanBeMade(t *testing.T) {
	// Port 1 on loopback refuses connections: the pool's error is the real one of a database that is down.
	pool, err := Open(t.Context(), "postgres://app:app@127.0.0.1:1/app?sslmode=disable", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()

	_, err = pool.Exec(t.Context(), "SELECT 1")

	if err == nil || !Unavailable(fmt.Errorf("users: %w", err)) {
		t.Errorf("Unavailable(%v) = false, want true for a refused connection", err)
	}
}

func TestUnavailableClassifiesErrors(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"a broken connection", &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}, true},
		{"no connection in time", fmt.Errorf("acquiring: %w", context.DeadlineExceeded), true},
		{"a statement past its timeout", &pgconn.PgError{Code: "57014"}, true},
		{"a server shutting down", &pgconn.PgError{Code: "57P01"}, true},
		{"too many connections", &pgconn.PgError{Code: "53300"}, true},
		{"a connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"a unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"no rows", pgx.ErrNoRows, false},
		{"any other error", errors.New("scanning: unexpected type"), false},
		{"no error", nil, false},
	}
	for _, tt := range tests {
		if got := Unavailable(tt.err); got != tt.want {
			t.Errorf("Unavailable(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
}
