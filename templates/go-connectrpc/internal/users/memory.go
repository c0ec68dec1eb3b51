package users

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/google/uuid"
)

// Memory is a Repository in process memory: the data lives until the process exits.
type Memory struct {
	mu    sync.RWMutex
	users map[uuid.UUID]User
	// cascade removes what a deleted user owns.
	cascade []func(ctx context.Context, userID uuid.UUID)
}

// NewMemory returns an empty in-memory repository. Deleting a user then calls each of cascade
// with the user's id, as ON DELETE CASCADE deletes the rows that refer to a user in the database.
func NewMemory(cascade ...func(ctx context.Context, userID uuid.UUID)) *Memory {
	return &Memory{users: map[uuid.UUID]User{}, cascade: cascade}
}

// Create implements Repository.
func (m *Memory) Create(_ context.Context, user User) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.emailTaken(user.Email, user.ID) {
		return ErrEmailTaken
	}
	m.users[user.ID] = user
	return nil
}

// Get implements Repository.
func (m *Memory) Get(_ context.Context, id uuid.UUID) (User, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	user, ok := m.users[id]
	if !ok {
		return User{}, ErrNotFound
	}
	return user, nil
}

// GetByEmail implements Repository.
func (m *Memory) GetByEmail(_ context.Context, email string) (User, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for _, user := range m.users {
		if strings.EqualFold(user.Email, email) {
			return user, nil
		}
	}
	return User{}, ErrNotFound
}

// List implements Repository.
func (m *Memory) List(_ context.Context, limit, offset int) ([]User, int, error) {
	m.mu.RLock()
	all := make([]User, 0, len(m.users))
	for _, user := range m.users {
		all = append(all, user)
	}
	m.mu.RUnlock()
	slices.SortFunc(all, func(a, b User) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID.String(), b.ID.String()))
	})
	start := min(offset, len(all))
	return all[start:min(start+limit, len(all))], len(all), nil
}

// Update implements Repository.
func (m *Memory) Update(_ context.Context, id uuid.UUID, changes Changes) (User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	stored, ok := m.users[id]
	if !ok {
		return User{}, ErrNotFound
	}
	user := changes.applyTo(stored)
	if m.emailTaken(user.Email, user.ID) {
		return User{}, ErrEmailTaken
	}
	m.users[id] = user
	return user, nil
}

// Delete implements Repository.
func (m *Memory) Delete(ctx context.Context, id uuid.UUID) error {
	m.mu.Lock()
	_, ok := m.users[id]
	delete(m.users, id)
	m.mu.Unlock()
	if !ok {
		return ErrNotFound
	}
	for _, deleteOwned := range m.cascade {
		deleteOwned(ctx, id)
	}
	return nil
}

// emailTaken reports whether a user other than id has email, ignoring case. m.mu must be held.
func (m *Memory) emailTaken(email string, id uuid.UUID) bool {
	for _, other := range m.users {
		if other.ID != id && strings.EqualFold(other.Email, email) {
			return true
		}
	}
	return false
}
