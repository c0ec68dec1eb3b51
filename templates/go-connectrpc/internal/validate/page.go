package validate

// DefaultLimit is the page size of a list that asks for none. The largest page, 100, is a rule
// of the list requests' limit fields in the .proto files.
const DefaultLimit = 20

// Page returns the limit and offset a list request asks for, with the defaults for unset
// values. The values were checked against their rules by the Interceptor.
func Page(limit, offset *int32) (int, int) {
	l, o := int32(DefaultLimit), int32(0)
	if limit != nil {
		l = *limit
	}
	if offset != nil {
		o = *offset
	}
	return int(l), int(o)
}
