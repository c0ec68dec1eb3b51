// Package broker connects to Redpanda through franz-go: Redpanda speaks the Kafka protocol.
package broker

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// connectTimeout bounds opening a connection to a broker, and then each of its first requests
// (ApiVersions, which no caller's context bounds) and of the requests that carry no timeout of
// their own: franz-go waits 10 s for either by default.
const connectTimeout = 5 * time.Second

// Open returns a client for the cluster reachable through brokers (host:port seeds).
// Connections are made on first use, so the service starts (and reports itself unready)
// while the brokers are down.
func Open(brokers []string) (*kgo.Client, error) {
	client, err := kgo.NewClient(
		kgo.SeedBrokers(brokers...),
		kgo.DialTimeout(connectTimeout),
		kgo.RequestTimeoutOverhead(connectTimeout),
	)
	if err != nil {
		return nil, fmt.Errorf("broker: %w", err)
	}
	return client, nil
}

// Probe asks each known broker in turn for its own metadata until one answers: the readiness
// check of the broker. It goes to the network every time; the client's cached cluster metadata
// would keep answering for a while after the brokers are gone.
func Probe(client *kgo.Client) func(context.Context) error {
	return client.Ping
}
