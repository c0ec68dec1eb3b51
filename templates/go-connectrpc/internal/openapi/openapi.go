// Package openapi builds and serves the service's OpenAPI 3.1 document: the operations
// endpoints, written by hand in openapi.json, and the API, derived from the proto services.
package openapi

import (
	_ "embed"
	"net/http"
)

// Base is the hand-written part of the document: the operations endpoints, the security
// scheme and the problem schema.
//
//go:embed openapi.json
var Base []byte

// Handler serves document as JSON.
func Handler(document []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(document)
	})
}
