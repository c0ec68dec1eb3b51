// Package password hashes passwords with argon2id and checks them against stored hashes.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"

	"golang.org/x/crypto/argon2"
)

// The cost parameters are OWASP's first recommendation for argon2id: 19 MiB, two passes, one lane.
const (
	memoryKiB  = 19 * 1024
	iterations = 2
	lanes      = 1
	saltLength = 16
	keyLength  = 32
)

var b64 = base64.RawStdEncoding

// slots bounds the hashes computed at once to the processors the Go runtime schedules on. Each
// is CPU-bound for tens of milliseconds and holds memoryKiB: more at once than there are
// processors would not finish logins sooner, only make every other request wait longer for a
// processor and the process take more memory.
var slots = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))

// idKey computes an argon2id key once a slot is free, or gives up when ctx ends first.
func idKey(ctx context.Context, password, salt []byte, passes, memory uint32, threads uint8, length uint32) ([]byte, error) {
	select {
	case slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-slots }()
	return argon2.IDKey(password, salt, passes, memory, threads, length), nil
}

// Hash returns password's argon2id hash in the PHC string format, which records its own
// parameters so that stronger ones can be adopted without invalidating stored hashes. It waits
// for a free slot (see slots) no longer than ctx lasts.
func Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, saltLength)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: reading random salt: %w", err)
	}
	key, err := idKey(ctx, []byte(password), salt, iterations, memoryKiB, lanes, keyLength)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, memoryKiB, iterations, lanes, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Matches reports whether password hashes to encoded, comparing in constant time. An empty
// encoded (an unknown email, or a user who never set a password) is checked against decoy and
// never matches, so the answer takes as long as for a real hash: no timing oracle. The only
// error is ctx's, when it ends before a slot is free (see slots).
func Matches(ctx context.Context, encoded, password string) (bool, error) {
	if encoded == "" {
		_, err := matches(ctx, decoy, password)
		return false, err
	}
	return matches(ctx, encoded, password)
}

func matches(ctx context.Context, encoded, password string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false, nil
	}
	var memory, passes uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &passes, &threads); err != nil {
		return false, nil
	}
	salt, saltErr := b64.DecodeString(parts[4])
	want, keyErr := b64.DecodeString(parts[5])
	if err := errors.Join(saltErr, keyErr); err != nil || len(want) == 0 {
		return false, nil
	}
	got, err := idKey(ctx, []byte(password), salt, passes, memory, threads, uint32(len(want)))
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// decoy is a valid hash of no one's password. Matches checks an empty hash against it, which
// costs as much as a real check, so response times do not reveal which emails exist.
var decoy = func() string {
	hash, err := Hash(context.Background(), "no user has this password")
	if err != nil {
		panic(err)
	}
	return hash
}()
