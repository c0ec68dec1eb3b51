package rest

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Route is one REST route: a ServeMux pattern such as "GET /api/v1/orders/{id}", and the
// handler that transcodes it.
type Route struct {
	Pattern string
	Handler http.Handler
}

// Routes reads the REST routes from the google.api.http annotations of services: the proto is
// the one source of the HTTP surface. Each route's handler passes requests to transcoder and
// shapes its answers as the contract says.
func Routes(transcoder http.Handler, maxBodyBytes int64, services ...protoreflect.ServiceDescriptor) []Route {
	var routes []Route
	for _, service := range services {
		methods := service.Methods()
		for i := range methods.Len() {
			method := methods.Get(i)
			verb, path := HTTPRule(method)
			if verb == "" {
				continue
			}
			routes = append(routes, Route{
				Pattern: verb + " " + path,
				Handler: &route{next: transcoder, input: method.Input(), success: SuccessStatus(method), maxBodyBytes: maxBodyBytes},
			})
		}
	}
	return routes
}

// SuccessStatus is the status a method's REST route answers on success: 204 when the method
// answers an empty message, 201 when it is a POST answering a resource (a message with an id:
// the resource it created), else 200. The handlers answer 200 whatever the protocol; the REST
// side refines it from the method's shape, and the OpenAPI document reads the same rule.
func SuccessStatus(method protoreflect.MethodDescriptor) int {
	if method.Output().Fields().Len() == 0 {
		return http.StatusNoContent
	}
	verb, _ := HTTPRule(method)
	if body := ResponseBody(method); verb == http.MethodPost && body.Fields().ByName("id") != nil {
		return http.StatusCreated
	}
	return http.StatusOK
}

// ResponseBody is the message a method's REST route answers with: the field its response_body
// names, or the whole output.
func ResponseBody(method protoreflect.MethodDescriptor) protoreflect.MessageDescriptor {
	rule, _ := proto.GetExtension(method.Options(), annotations.E_Http).(*annotations.HttpRule)
	if field := method.Output().Fields().ByName(protoreflect.Name(rule.GetResponseBody())); field != nil && field.Message() != nil {
		return field.Message()
	}
	return method.Output()
}

// HTTPRule is the verb and path template of a method's google.api.http annotation; "" for none.
func HTTPRule(method protoreflect.MethodDescriptor) (verb, path string) {
	rule, _ := proto.GetExtension(method.Options(), annotations.E_Http).(*annotations.HttpRule)
	switch pattern := rule.GetPattern().(type) {
	case *annotations.HttpRule_Get:
		return http.MethodGet, pattern.Get
	case *annotations.HttpRule_Post:
		return http.MethodPost, pattern.Post
	case *annotations.HttpRule_Put:
		return http.MethodPut, pattern.Put
	case *annotations.HttpRule_Patch:
		return http.MethodPatch, pattern.Patch
	case *annotations.HttpRule_Delete:
		return http.MethodDelete, pattern.Delete
	}
	return "", ""
}

// route serves one REST route through the transcoder, answering success with the route's
// SuccessStatus (a 204 without a body) and errors with problems.
type route struct {
	next         http.Handler
	input        protoreflect.MessageDescriptor
	success      int
	maxBodyBytes int64
}

func (rt *route) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// A compressed body could inflate past the limit inside the transcoder: REST takes plain JSON.
	if coding := r.Header.Get("Content-Encoding"); coding != "" && !strings.EqualFold(coding, "identity") {
		writeEncodingRefused(w, r)
		return
	}
	body := &limitedBody{ReadCloser: r.Body}
	r.Body = body
	query, mistyped := knownQuery(rt.input, r.URL.Query())
	if mistyped != "" {
		writeViolation(w, r, mistyped, "must be an integer")
		return
	}
	r.URL.RawQuery = query.Encode()
	// The transcoder rewrites r's URL to the RPC's path; a problem names the path asked for.
	asked := *r
	askedURL := *r.URL
	asked.URL = &askedURL
	writer := &responseWriter{ResponseWriter: w, success: rt.success}
	rt.next.ServeHTTP(writer, r)
	switch {
	case writer.failed && body.tooLarge:
		writeTooLarge(w, &asked, rt.maxBodyBytes)
	case writer.failed:
		writeProblem(w, &asked, writer.status, writer.Header().Get("Content-Type"), writer.errorBody.Bytes())
	}
}

// limitedBody notes whether reading the body stopped at the server's limit
// (http.MaxBytesReader), which the transcoder reports only as a failed read.
type limitedBody struct {
	io.ReadCloser
	tooLarge bool
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var limitErr *http.MaxBytesError
	if errors.As(err, &limitErr) {
		b.tooLarge = true
	}
	return n, err
}

// knownQuery keeps the query parameters that name fields of input: the contract ignores
// unknown parameters, as it ignores unknown body fields. It also names the first parameter
// meant for an integer field that is not an integer, which the transcoder would refuse
// without saying which field is wrong.
func knownQuery(input protoreflect.MessageDescriptor, query url.Values) (known url.Values, mistyped string) {
	known = url.Values{}
	fields := input.Fields()
	for name, values := range query {
		field := fields.ByName(protoreflect.Name(name))
		if field == nil {
			continue
		}
		known[name] = values
		bits := 0
		switch field.Kind() {
		case protoreflect.Int32Kind, protoreflect.Sint32Kind:
			bits = 32
		case protoreflect.Int64Kind, protoreflect.Sint64Kind:
			bits = 64
		}
		for _, value := range values {
			if _, err := strconv.ParseInt(value, 10, bits); bits > 0 && err != nil && mistyped == "" {
				mistyped = name
			}
		}
	}
	return known, mistyped
}

// responseWriter adjusts the transcoder's success status and holds back its error answers,
// which are google.rpc.Status documents, so that route can replace them with problems.
type responseWriter struct {
	http.ResponseWriter
	success     int
	wroteHeader bool
	status      int
	failed      bool
	errorBody   bytes.Buffer
}

func (w *responseWriter) WriteHeader(status int) {
	if w.wroteHeader {
		return
	}
	w.wroteHeader, w.status = true, status
	if status >= http.StatusBadRequest {
		w.failed = true
		return
	}
	if status == http.StatusOK {
		status = w.success
	}
	if status == http.StatusNoContent {
		w.Header().Del("Content-Type")
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	switch {
	case w.failed:
		return w.errorBody.Write(b)
	case w.status == http.StatusOK && w.success == http.StatusNoContent:
		return len(b), nil // the empty message's "{}": a 204 has no body
	}
	return w.ResponseWriter.Write(b)
}

// Flush passes flushes through for successful answers only; errors are written whole later.
func (w *responseWriter) Flush() {
	if !w.failed {
		_ = http.NewResponseController(w.ResponseWriter).Flush()
	}
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *responseWriter) Unwrap() http.ResponseWriter {
	return w.ResponseWriter
}
