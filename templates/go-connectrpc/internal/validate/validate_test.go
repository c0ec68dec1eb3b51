package validate

import "testing"

func TestLengthRefusesANulCharacter(t *testing.T) {
	var v Violations
	v.Length("name", "Ann\x00", 1, 100)
	v.Length("sku", "PEN-1", 1, 64)

	if len(v) != 1 || v[0].Field != "name" {
		t.Errorf("violations = %+v, want only name, for its U+0000", v)
	}
}
