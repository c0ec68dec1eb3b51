// Package broker connects to Redpanda through franz-go: Redpanda speaks the Kafka protocol.
package broker

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Open returns a client for the cluster reachable through brokers (host:port seeds).
// Connections are made on first use, so the service starts (and reports itself unready)
// while the brokers are down.
func Open(brokers []string) (*kgo.Client, error) {
	client, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		return nil, fmt.Errorf("broker: %w", err)
	}
	return client, nil
}

// Probe requests the cluster's broker metadata through client: the readiness check of the broker.
func Probe(client *kgo.Client) func(context.Context) error {
	admin := kadm.NewClient(client)
	return func(ctx context.Context) error {
		_, err := admin.BrokerMetadata(ctx)
		return err
	}
}
