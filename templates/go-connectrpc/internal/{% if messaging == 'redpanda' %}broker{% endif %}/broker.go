// Package broker connects to Redpanda through franz-go: Redpanda speaks the Kafka protocol.
package broker

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// connectTimeout bounds opening a connection to a broker, and then each of its first requests
// (ApiVersions, which no caller's context bounds) and of the requests that carry no timeout of
// their own: franz-go waits 10 s for either by default.
const connectTimeout = 5 * time.Second

// Security is how the brokers are spoken to, as KAFKA_SECURITY_PROTOCOL and its companions say.
type Security struct {
	// Protocol is PLAINTEXT ("" too), SSL or SASL_SSL.
	Protocol string
	// CA verifies the brokers' certificates under SSL and SASL_SSL; nil means the system roots.
	// Host names are verified too: franz-go names each broker it dials as the server.
	CA *x509.CertPool
	// Mechanism (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512), Username and Password authenticate
	// under SASL_SSL.
	Mechanism, Username, Password string
}

// options are the client options that carry security.
func (security Security) options() ([]kgo.Opt, error) {
	if security.Protocol == "" || security.Protocol == "PLAINTEXT" {
		return nil, nil
	}
	options := []kgo.Opt{kgo.DialTLSConfig(&tls.Config{RootCAs: security.CA, MinVersion: tls.VersionTLS12})}
	if security.Protocol == "SSL" {
		return options, nil
	}
	var mechanism sasl.Mechanism
	switch security.Mechanism {
	case "PLAIN":
		mechanism = plain.Auth{User: security.Username, Pass: security.Password}.AsMechanism()
	case "SCRAM-SHA-256":
		mechanism = scram.Auth{User: security.Username, Pass: security.Password}.AsSha256Mechanism()
	case "SCRAM-SHA-512":
		mechanism = scram.Auth{User: security.Username, Pass: security.Password}.AsSha512Mechanism()
	default:
		return nil, fmt.Errorf("broker: unknown SASL mechanism %q", security.Mechanism)
	}
	return append(options, kgo.SASL(mechanism)), nil
}

// Open returns a client for the cluster reachable through brokers (host:port seeds), spoken to
// as security says. Connections are made on first use, so the service starts (and reports
// itself unready) while the brokers are down.
func Open(brokers []string, security Security) (*kgo.Client, error) {
	secured, err := security.options()
	if err != nil {
		return nil, err
	}
	client, err := kgo.NewClient(append([]kgo.Opt{
		kgo.SeedBrokers(brokers...),
		kgo.DialTimeout(connectTimeout),
		kgo.RequestTimeoutOverhead(connectTimeout),
	}, secured...)...)
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
