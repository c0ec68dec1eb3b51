package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"sync"
	"time"

	"github.com/google/uuid"
)

// ErrUnknownToken is a Store's answer for a refresh token it never issued.
var ErrUnknownToken = errors.New("auth: unknown refresh token")

// RefreshToken is what the service keeps of an issued refresh token: never the token itself,
// only its SHA-256 hash, so a leaked table cannot be replayed.
type RefreshToken struct {
	Hash      string
	FamilyID  uuid.UUID
	UserID    uuid.UUID
	ExpiresAt time.Time
	// UsedAt is when the token was exchanged for the next one; nil while unused.
	UsedAt *time.Time
	// RevokedAt is when its family was revoked (logout, reuse, user deleted); nil while valid.
	RevokedAt *time.Time
}

// Store keeps refresh tokens.
type Store interface {
	// Add stores a newly issued token.
	Add(ctx context.Context, token RefreshToken) error
	// Find returns the token with hash; ErrUnknownToken when there is none.
	Find(ctx context.Context, hash string) (RefreshToken, error)
	// Use marks the token with hash used at now, if it was not already, and returns it as it
	// was before: a UsedAt already set means the token is being reused. Atomic, so that of two
	// concurrent uses exactly one sees the token unused. RevokedAt is set when any token of
	// the family is revoked.
	Use(ctx context.Context, hash string, now time.Time) (RefreshToken, error)
	// RevokeFamily revokes every token of the family.
	RevokeFamily(ctx context.Context, familyID uuid.UUID, now time.Time) error
	// RevokeUser revokes every token of the user.
	RevokeUser(ctx context.Context, userID uuid.UUID) error
}

// newRefreshToken returns a random token (256 bits) and its hash.
func newRefreshToken() (token, hash string, err error) {
	random := make([]byte, 32)
	if _, err := rand.Read(random); err != nil {
		return "", "", err
	}
	token = base64.RawURLEncoding.EncodeToString(random)
	return token, hashToken(token), nil
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// MemoryStore is a Store in process memory.
type MemoryStore struct {
	mu     sync.Mutex
	tokens map[string]RefreshToken
}

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{tokens: map[string]RefreshToken{}}
}

// Add implements Store.
func (m *MemoryStore) Add(_ context.Context, token RefreshToken) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tokens[token.Hash] = token
	return nil
}

// Find implements Store.
func (m *MemoryStore) Find(_ context.Context, hash string) (RefreshToken, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	token, ok := m.tokens[hash]
	if !ok {
		return RefreshToken{}, ErrUnknownToken
	}
	return token, nil
}

// Use implements Store.
func (m *MemoryStore) Use(_ context.Context, hash string, now time.Time) (RefreshToken, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	token, ok := m.tokens[hash]
	if !ok {
		return RefreshToken{}, ErrUnknownToken
	}
	if token.UsedAt == nil {
		used := token
		used.UsedAt = &now
		m.tokens[hash] = used
	}
	for _, other := range m.tokens {
		if token.RevokedAt == nil && other.FamilyID == token.FamilyID && other.RevokedAt != nil {
			token.RevokedAt = other.RevokedAt
		}
	}
	return token, nil
}

// RevokeFamily implements Store.
func (m *MemoryStore) RevokeFamily(_ context.Context, familyID uuid.UUID, now time.Time) error {
	m.revokeWhere(func(t RefreshToken) bool { return t.FamilyID == familyID }, now)
	return nil
}

// RevokeUser implements Store.
func (m *MemoryStore) RevokeUser(_ context.Context, userID uuid.UUID) error {
	m.revokeWhere(func(t RefreshToken) bool { return t.UserID == userID }, time.Now())
	return nil
}

func (m *MemoryStore) revokeWhere(match func(RefreshToken) bool, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for hash, token := range m.tokens {
		if match(token) && token.RevokedAt == nil {
			token.RevokedAt = &now
			m.tokens[hash] = token
		}
	}
}
