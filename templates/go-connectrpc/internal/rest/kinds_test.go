package rest

import (
	"errors"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	_ "google.golang.org/protobuf/types/known/durationpb" // registers google/protobuf/duration.proto
	_ "google.golang.org/protobuf/types/known/structpb"   // registers google/protobuf/struct.proto
)

// testFile builds, from descriptors alone, a proto file holding kinds as message Kinds, an
// enum Color, and a service whose one REST method takes and answers Kinds.
func testFile(t *testing.T, kinds *descriptorpb.DescriptorProto) protoreflect.FileDescriptor {
	t.Helper()
	kinds.Name = proto.String("Kinds")
	options := &descriptorpb.MethodOptions{}
	proto.SetExtension(options, annotations.E_Http, &annotations.HttpRule{Pattern: &annotations.HttpRule_Post{Post: "/kinds"}})
	file, err := protodesc.NewFile(&descriptorpb.FileDescriptorProto{
		Name:       proto.String("resttest/kinds.proto"),
		Package:    proto.String("resttest"),
		Syntax:     proto.String("proto3"),
		Dependency: []string{"google/protobuf/duration.proto", "google/protobuf/struct.proto"},
		EnumType: []*descriptorpb.EnumDescriptorProto{{
			Name: proto.String("Color"),
			Value: []*descriptorpb.EnumValueDescriptorProto{
				{Name: proto.String("COLOR_UNSPECIFIED"), Number: proto.Int32(0)},
				{Name: proto.String("COLOR_RED"), Number: proto.Int32(1)},
			},
		}},
		MessageType: []*descriptorpb.DescriptorProto{kinds},
		Service: []*descriptorpb.ServiceDescriptorProto{{
			Name: proto.String("KindsService"),
			Method: []*descriptorpb.MethodDescriptorProto{{
				Name:       proto.String("Echo"),
				InputType:  proto.String(".resttest.Kinds"),
				OutputType: proto.String(".resttest.Kinds"),
				Options:    options,
			}},
		}},
	}, protoregistry.GlobalFiles)
	if err != nil {
		t.Fatal(err)
	}
	return file
}

func scalar(name string, number int32, kind descriptorpb.FieldDescriptorProto_Type, typeName string) *descriptorpb.FieldDescriptorProto {
	field := &descriptorpb.FieldDescriptorProto{
		Name:     proto.String(name),
		JsonName: proto.String(name),
		Number:   proto.Int32(number),
		Label:    descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(),
		Type:     kind.Enum(),
	}
	if typeName != "" {
		field.TypeName = proto.String(typeName)
	}
	return field
}

// carried has one field of each kind the codec carries beyond those of the service's own messages.
func carried() *descriptorpb.DescriptorProto {
	return &descriptorpb.DescriptorProto{Field: []*descriptorpb.FieldDescriptorProto{
		scalar("count", 1, descriptorpb.FieldDescriptorProto_TYPE_UINT32, ""),
		scalar("big", 2, descriptorpb.FieldDescriptorProto_TYPE_UINT64, ""),
		scalar("ratio", 3, descriptorpb.FieldDescriptorProto_TYPE_FLOAT, ""),
		scalar("precise", 4, descriptorpb.FieldDescriptorProto_TYPE_DOUBLE, ""),
		scalar("color", 5, descriptorpb.FieldDescriptorProto_TYPE_ENUM, ".resttest.Color"),
		scalar("wait", 6, descriptorpb.FieldDescriptorProto_TYPE_MESSAGE, ".google.protobuf.Duration"),
	}}
}

func TestEnumsUnsignedFloatsAndDurationsRoundTrip(t *testing.T) {
	kinds := testFile(t, carried()).Messages().ByName("Kinds")
	msg := dynamicpb.NewMessage(kinds)

	err := (&Codec{}).Unmarshal([]byte(`{"count":7,"big":18446744073709551615,"ratio":0.5,"precise":2.25,"color":1,"wait":"-1.05s"}`), msg)
	if err != nil {
		t.Fatal(err)
	}
	got, err := (&Codec{}).MarshalAppend(nil, msg)

	want := `{"count":7,"big":18446744073709551615,"ratio":0.5,"precise":2.25,"color":"red","wait":"-1.05s"}`
	if err != nil || string(got) != want {
		t.Errorf("MarshalAppend() = %s, %v\nwant %s", got, err, want)
	}
}

func TestWrongValuesAreNamedInTheOrderTheProtoDeclaresThem(t *testing.T) {
	kinds := testFile(t, carried()).Messages().ByName("Kinds")

	err := (&Codec{}).Unmarshal([]byte(`{"wait":"1m","color":"blue","precise":"2","ratio":1e39,"big":-1,"count":1.5}`), dynamicpb.NewMessage(kinds))

	var rpcErr *connect.Error
	if !errors.As(err, &rpcErr) || len(rpcErr.Details()) != 1 {
		t.Fatalf("Unmarshal() = %v, want one BadRequest detail", err)
	}
	detail, err := rpcErr.Details()[0].Value()
	if err != nil {
		t.Fatal(err)
	}
	var fields []string
	for _, violation := range detail.(*errdetails.BadRequest).GetFieldViolations() {
		fields = append(fields, violation.GetField()+": "+violation.GetDescription())
	}
	want := []string{
		"count: must be an integer from 0 to 4294967295",
		"big: must be an integer from 0 to 18446744073709551615",
		"ratio: must be a number",
		"precise: must be a number",
		"color: must be one of red",
		`wait: must be a duration in seconds such as "1.5s"`,
	}
	if strings.Join(fields, "\n") != strings.Join(want, "\n") {
		t.Errorf("violations:\n%s\nwant:\n%s", strings.Join(fields, "\n"), strings.Join(want, "\n"))
	}
}

func TestSupportedNamesAFieldTheCodecCannotCarry(t *testing.T) {
	if err := Supported(testFile(t, carried()).Services().Get(0)); err != nil {
		t.Errorf("Supported(every carried kind) = %v, want nil", err)
	}
	either := scalar("either", 1, descriptorpb.FieldDescriptorProto_TYPE_STRING, "")
	either.OneofIndex = proto.Int32(0)
	for why, kinds := range map[string]*descriptorpb.DescriptorProto{
		"extra is a google.protobuf.Struct": {Field: []*descriptorpb.FieldDescriptorProto{
			scalar("extra", 1, descriptorpb.FieldDescriptorProto_TYPE_MESSAGE, ".google.protobuf.Struct"),
		}},
		"either is in oneof choice": {
			Field:     []*descriptorpb.FieldDescriptorProto{either},
			OneofDecl: []*descriptorpb.OneofDescriptorProto{{Name: proto.String("choice")}},
		},
	} {
		err := Supported(testFile(t, kinds).Services().Get(0))
		if err == nil || !strings.Contains(err.Error(), "field resttest.Kinds."+why) {
			t.Errorf("Supported() = %v, want %q named", err, why)
		}
	}
}
