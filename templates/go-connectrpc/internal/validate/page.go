package validate

// DefaultLimit and MaxLimit bound the page size of every list.
const (
	DefaultLimit = 20
	MaxLimit     = 100
)

// Page returns the limit and offset a list request asks for, with the defaults for unset
// values, recording violations for values out of range.
func (v *Violations) Page(limit, offset *int32) (int, int) {
	l, o := int32(DefaultLimit), int32(0)
	if limit != nil {
		l = *limit
		v.Between("limit", int64(l), 1, MaxLimit)
	}
	if offset != nil {
		o = *offset
		if o < 0 {
			v.Add("offset", "must be 0 or more")
		}
	}
	return int(l), int(o)
}
