package password

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestAHashWaitsForASlotNoLongerThanItsContext(t *testing.T) {
	for range cap(slots) { // every slot taken, as by that many hashes under way
		slots <- struct{}{}
	}
	release := func() {
		for range cap(slots) {
			<-slots
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()

	_, hashErr := Hash(ctx, "secret")
	_, matchErr := Matches(ctx, decoy, "secret")
	release()

	if !errors.Is(hashErr, context.DeadlineExceeded) || !errors.Is(matchErr, context.DeadlineExceeded) {
		t.Errorf("with every slot taken: Hash() = %v, Matches() = %v; want both to end with their context", hashErr, matchErr)
	}
	if _, err := Hash(t.Context(), "secret"); err != nil {
		t.Errorf("Hash() once the slots are free = %v", err)
	}
}
