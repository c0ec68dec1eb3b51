package database

import (
	"context"
	"errors"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// unavailableCodes are the SQLSTATEs of a server that is there but cannot serve now: too slow
// for the deadline, too many connections, shutting down, or still starting up. Class 08
// (connection exception) joins them.
var unavailableCodes = map[string]bool{
	"57014": true, // query_canceled: the statement_timeout, or the request's deadline, passed
	"53300": true, // too_many_connections
	"57P01": true, // admin_shutdown
	"57P02": true, // crash_shutdown
	"57P03": true, // cannot_connect_now
}

// Unavailable reports whether err, returned by the pool, means that the database could not be
// reached for this request rather than that the request was wrong: no connection could be
// made, one broke, or none was had in time. The request may succeed later, so the API answers
// Unavailable (503) instead of hiding the error as internal.
func Unavailable(err error) bool {
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &connectErr), errors.As(err, &netErr), pgconn.Timeout(err):
		return true
	case errors.As(err, &pgErr):
		return unavailableCodes[pgErr.Code] || strings.HasPrefix(pgErr.Code, "08")
	}
	// The pool returns the context's error when no connection was free before the deadline.
	return errors.Is(err, context.DeadlineExceeded)
}
