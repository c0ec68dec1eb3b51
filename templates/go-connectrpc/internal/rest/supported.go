package rest

import (
	"fmt"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// Supported checks that the Codec can carry every message the REST routes of services take or
// answer, and otherwise names the first field it cannot: a map, a oneof, a group, or a
// well-known type other than Timestamp and Duration. A field the codec cannot carry would
// otherwise vanish from answers or be refused in requests; refusing to start says so at once.
func Supported(services ...protoreflect.ServiceDescriptor) error {
	checked := map[protoreflect.FullName]bool{}
	for _, service := range services {
		methods := service.Methods()
		for i := range methods.Len() {
			method := methods.Get(i)
			if verb, _ := HTTPRule(method); verb == "" {
				continue
			}
			for _, message := range []protoreflect.MessageDescriptor{method.Input(), method.Output()} {
				if err := supportedMessage(message, checked); err != nil {
					return fmt.Errorf("rest: %s: %w", method.FullName(), err)
				}
			}
		}
	}
	return nil
}

func supportedMessage(message protoreflect.MessageDescriptor, checked map[protoreflect.FullName]bool) error {
	if checked[message.FullName()] {
		return nil
	}
	checked[message.FullName()] = true
	fields := message.Fields()
	for i := range fields.Len() {
		field := fields.Get(i)
		if why := unsupported(field); why != "" {
			return fmt.Errorf("field %s is %s, which the REST codec (internal/rest/codec.go) does not carry", field.FullName(), why)
		}
		if field.Kind() == protoreflect.MessageKind && !wellKnown(field.Message()) {
			if err := supportedMessage(field.Message(), checked); err != nil {
				return err
			}
		}
	}
	return nil
}

// unsupported says what field is when the codec cannot carry it, or "".
func unsupported(field protoreflect.FieldDescriptor) string {
	switch oneof := field.ContainingOneof(); {
	case field.IsMap():
		return "a map"
	case oneof != nil && !oneof.IsSynthetic(): // proto3 optional fields are synthetic oneofs
		return "in oneof " + string(oneof.Name())
	case field.Kind() == protoreflect.GroupKind:
		return "a group"
	case field.Kind() == protoreflect.MessageKind && wellKnown(field.Message()):
		if name := field.Message().FullName(); name != timestampName && name != durationName {
			return "a " + string(name)
		}
	}
	return ""
}

// wellKnown reports a message of the google.protobuf package, whose JSON forms are special.
func wellKnown(message protoreflect.MessageDescriptor) bool {
	return message.ParentFile().Package() == "google.protobuf"
}
