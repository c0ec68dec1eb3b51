// Package cache connects to Dragonfly through go-redis: Dragonfly speaks the Redis protocol.
package cache

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// Open returns a client for the server at url (redis:// or rediss://). Connections are made
// on first use, so the service starts (and reports itself unready) while the cache is down.
func Open(url string) (*redis.Client, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("cache: parsing CACHE_URL: %w", err)
	}
	return redis.NewClient(opts), nil
}

// Probe sends PING through client: the readiness check of the cache.
func Probe(client *redis.Client) func(context.Context) error {
	return func(ctx context.Context) error {
		return client.Ping(ctx).Err()
	}
}
