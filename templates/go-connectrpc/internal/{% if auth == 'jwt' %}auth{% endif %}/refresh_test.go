package auth

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
)

// aTokenIssuedIntoARevokedFamilyIsRevoked leaves store as a replay racing a rotation does: the
// replay revoked the family after the stolen token was used and before its successor was
// stored, so the revocation missed the successor. Using the successor must report it revoked.
func aTokenIssuedIntoARevokedFamilyIsRevoked(t *testing.T, store Store, userID uuid.UUID) {
	t.Helper()
	ctx, now := context.Background(), time.Now()
	family, later := uuid.New(), now.Add(time.Hour)
	stolen, successor := uuid.NewString(), uuid.NewString()
	if err := store.Add(ctx, RefreshToken{Hash: stolen, FamilyID: family, UserID: userID, ExpiresAt: later}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Use(ctx, stolen, now); err != nil {
		t.Fatal(err)
	}
	if err := store.RevokeFamily(ctx, family, now); err != nil { // the replay
		t.Fatal(err)
	}
	if err := store.Add(ctx, RefreshToken{Hash: successor, FamilyID: family, UserID: userID, ExpiresAt: later}); err != nil {
		t.Fatal(err)
	}

	token, err := store.Use(ctx, successor, now)

	if err != nil {
		t.Fatal(err)
	}
	if token.RevokedAt == nil {
		t.Error("a token of a family with a revoked member is revoked too: the thief's replay must end the family")
	}
}

func TestMemoryStoreRevokesATokenIssuedIntoARevokedFamily(t *testing.T) {
	aTokenIssuedIntoARevokedFamilyIsRevoked(t, NewMemoryStore(), uuid.New())
}
