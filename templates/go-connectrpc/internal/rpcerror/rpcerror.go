// Package rpcerror builds the errors the API's handlers return: Connect errors with the codes
// and standard error details (google.rpc) that RPC clients expect. The REST side turns the same
// errors into RFC 9457 problems, so a handler never knows which protocol its caller speaks.
package rpcerror

import (
	"errors"
	"strconv"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
)

// ReasonInvalidTransition is the ErrorInfo reason of a refused order status change; its
// metadata names the statuses under the keys "from" and "to".
const ReasonInvalidTransition = "INVALID_TRANSITION"

// Domain is the ErrorInfo domain of the service's own reasons.
const Domain = "backend-scaffold"

// FieldViolation names one request field that failed a rule, as a JSON path such as
// "items[0].quantity".
type FieldViolation struct {
	Field   string
	Message string
}

// Invalid is InvalidArgument with a BadRequest detail listing every violation.
func Invalid(violations []FieldViolation) *connect.Error {
	detail := &errdetails.BadRequest{}
	for _, v := range violations {
		detail.FieldViolations = append(detail.FieldViolations,
			&errdetails.BadRequest_FieldViolation{Field: v.Field, Description: v.Message})
	}
	return withDetail(connect.CodeInvalidArgument, InvalidMessage(len(violations)), detail)
}

// InvalidMessage says how many fields are invalid: "1 field is invalid", "2 fields are invalid".
func InvalidMessage(count int) string {
	if count == 1 {
		return "1 field is invalid"
	}
	return strconv.Itoa(count) + " fields are invalid"
}

// Unauthenticated is for a missing or bad credential.
func Unauthenticated(message string) *connect.Error {
	return connect.NewError(connect.CodeUnauthenticated, errors.New(message))
}

// Forbidden is for a known caller who may not do what they ask.
func Forbidden(message string) *connect.Error {
	return connect.NewError(connect.CodePermissionDenied, errors.New(message))
}

// NotFound is for a resource that does not exist or that the caller may not know of.
func NotFound(message string) *connect.Error {
	return connect.NewError(connect.CodeNotFound, errors.New(message))
}

// Conflict is for a request that would break a uniqueness rule.
func Conflict(message string) *connect.Error {
	return connect.NewError(connect.CodeAlreadyExists, errors.New(message))
}

// InvalidTransition is FailedPrecondition for a status change the lifecycle does not allow.
func InvalidTransition(from, to string) *connect.Error {
	return withDetail(connect.CodeFailedPrecondition, "an order cannot go from "+from+" to "+to,
		&errdetails.ErrorInfo{Reason: ReasonInvalidTransition, Domain: Domain, Metadata: map[string]string{"from": from, "to": to}})
}

// RateLimited is ResourceExhausted with a RetryInfo detail saying when to try again.
func RateLimited(retryAfter time.Duration) *connect.Error {
	return withDetail(connect.CodeResourceExhausted, "too many requests; retry later",
		&errdetails.RetryInfo{RetryDelay: durationpb.New(retryAfter)})
}

func withDetail(code connect.Code, message string, detail proto.Message) *connect.Error {
	err := connect.NewError(code, errors.New(message))
	if d, detailErr := connect.NewErrorDetail(detail); detailErr == nil {
		err.AddDetail(d)
	}
	return err
}
