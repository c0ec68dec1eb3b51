package rest

import (
	"fmt"
	"net/http"
	"strings"

	"connectrpc.com/vanguard"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// transcodeBufferBytes bounds one message in the transcoder: well above a full page of orders.
const transcodeBufferBytes = 16 << 20

// Service is a Connect service handler as its generated constructor returns it: the path
// prefix it serves ("/pkg.v1.OrderService/") and the handler.
type Service struct {
	Path    string
	Handler http.Handler
}

// NewRoutes returns the REST routes of services, transcoded by Vanguard and decoded with a
// Codec that checks requests with rules. Vanguard calls the handlers in-process over the
// Connect protocol with binary protobuf, so the REST JSON form never reaches them.
// Vanguard only serves REST: RPC clients reach the Connect handlers directly.
// The transcoder buffers each message it converts, request or response, up to
// transcodeBufferBytes (Vanguard's default is 4 GiB); request bodies are bounded by maxBodyBytes
// before they reach it.
func NewRoutes(maxBodyBytes int64, rules []Rule, services ...Service) ([]Route, error) {
	descriptors, err := Describe(services...)
	if err != nil {
		return nil, err
	}
	if err := Supported(descriptors...); err != nil {
		return nil, err
	}
	transcoded := make([]*vanguard.Service, len(services))
	for i, service := range services {
		transcoded[i] = vanguard.NewService(service.Path, service.Handler,
			vanguard.WithTargetProtocols(vanguard.ProtocolConnect),
			vanguard.WithTargetCodecs(vanguard.CodecProto),
			vanguard.WithMaxMessageBufferBytes(transcodeBufferBytes))
	}
	transcoder, err := vanguard.NewTranscoder(transcoded, vanguard.WithCodec(NewCodec(rules...)))
	if err != nil {
		return nil, fmt.Errorf("rest: %w", err)
	}
	return Routes(transcoder, maxBodyBytes, descriptors...), nil
}

// Describe returns the descriptors of services, which their generated code registers.
func Describe(services ...Service) ([]protoreflect.ServiceDescriptor, error) {
	descriptors := make([]protoreflect.ServiceDescriptor, len(services))
	for i, service := range services {
		name := protoreflect.FullName(strings.Trim(service.Path, "/"))
		descriptor, err := protoregistry.GlobalFiles.FindDescriptorByName(name)
		if err != nil {
			return nil, fmt.Errorf("rest: %s: %w", name, err)
		}
		descriptors[i] = descriptor.(protoreflect.ServiceDescriptor)
	}
	return descriptors, nil
}
