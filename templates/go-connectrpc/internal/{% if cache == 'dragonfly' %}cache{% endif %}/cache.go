// Package cache connects to Dragonfly through go-redis: Dragonfly speaks the Redis protocol.
package cache

import (
	"context"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// timeout bounds each dial, read and write, unless CACHE_URL sets its own (dial_timeout,
// read_timeout, write_timeout). The cache only makes requests faster: while it is down, a
// request must learn so in about a second and go on without it, not wait on reconnects.
const timeout = time.Second

// Open returns a client for the server at url (redis:// or rediss://). A rediss:// server is
// verified against ca, or the system roots when ca is nil, and must be named by the URL's
// host. Connections are made on first use, so the service starts (and reports itself unready)
// while the cache is down.
func Open(url string, ca *x509.CertPool) (*redis.Client, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("cache: parsing CACHE_URL: %w", err)
	}
	if opts.TLSConfig != nil { // rediss://; go-redis has set the server name
		opts.TLSConfig.RootCAs = ca
	}
	for _, setting := range []*time.Duration{&opts.DialTimeout, &opts.ReadTimeout, &opts.WriteTimeout} {
		if *setting == 0 {
			*setting = timeout
		}
	}
	if opts.MaxRetries == 0 {
		// One retry covers a connection the server closed; more would only prolong an outage.
		opts.MaxRetries = 1
	}
	// One dial per attempt: the command retry above already tries again.
	opts.DialerRetries = 1
	return redis.NewClient(opts), nil
}

// Probe sends PING through client: the readiness check of the cache.
func Probe(client *redis.Client) func(context.Context) error {
	return func(ctx context.Context) error {
		return client.Ping(ctx).Err()
	}
}
