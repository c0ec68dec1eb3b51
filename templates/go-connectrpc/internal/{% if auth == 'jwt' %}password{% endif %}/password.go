// Package password hashes passwords with argon2id and checks them against stored hashes.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
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

// Hash returns password's argon2id hash in the PHC string format, which records its own
// parameters so that stronger ones can be adopted without invalidating stored hashes.
func Hash(password string) (string, error) {
	salt := make([]byte, saltLength)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: reading random salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, iterations, memoryKiB, lanes, keyLength)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, memoryKiB, iterations, lanes, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Matches reports whether password hashes to encoded, comparing in constant time. An empty
// encoded (an unknown email, or a user who never set a password) is checked against decoy and
// never matches, so the answer takes as long as for a real hash: no timing oracle.
func Matches(encoded, password string) bool {
	if encoded == "" {
		matches(decoy, password)
		return false
	}
	return matches(encoded, password)
}

func matches(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false
	}
	var memory, passes uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &passes, &threads); err != nil {
		return false
	}
	salt, saltErr := b64.DecodeString(parts[4])
	want, keyErr := b64.DecodeString(parts[5])
	if err := errors.Join(saltErr, keyErr); err != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, passes, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// decoy is a valid hash of no one's password. Matches checks an empty hash against it, which
// costs as much as a real check, so response times do not reveal which emails exist.
var decoy = func() string {
	hash, err := Hash("no user has this password")
	if err != nil {
		panic(err)
	}
	return hash
}()
