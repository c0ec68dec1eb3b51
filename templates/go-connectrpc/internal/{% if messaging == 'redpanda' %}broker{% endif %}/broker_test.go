package broker

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// testBrokers are the brokers the integration tests use, from KAFKA_BROKERS; they skip without it.
func testBrokers(t *testing.T) []string {
	t.Helper()
	brokers := os.Getenv("KAFKA_BROKERS")
	if brokers == "" {
		t.Skip("KAFKA_BROKERS is not set: skipping the tests that need a real Redpanda or Kafka")
	}
	return strings.Split(brokers, ",")
}

func TestProbeReachesARealBroker(t *testing.T) {
	client, err := Open(testBrokers(t), Security{})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()

	if err := Probe(client)(t.Context()); err != nil {
		t.Errorf("Probe() error = %v", err)
	}
}

func TestProbeFailsWhenNoBrokerAnswers(t *testing.T) {
	client, err := Open([]string{"127.0.0.1:1"}, Security{})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()

	if err := Probe(client)(ctx); err == nil {
		t.Error("Probe() succeeded against a closed port")
	}
}

func TestOpenRejectsAMalformedSeed(t *testing.T) {
	if _, err := Open([]string{"localhost:port"}, Security{}); err == nil {
		t.Error("Open() accepted a seed with a non-numeric port")
	}
}

func TestSecurityChoosesTLSAndSASLByProtocol(t *testing.T) {
	for _, tt := range []struct {
		security Security
		options  int
	}{
		{Security{}, 0},
		{Security{Protocol: "PLAINTEXT"}, 0},
		{Security{Protocol: "SSL"}, 1},
		{Security{Protocol: "SASL_SSL", Mechanism: "PLAIN", Username: "app", Password: "secret"}, 2},
		{Security{Protocol: "SASL_SSL", Mechanism: "SCRAM-SHA-256", Username: "app", Password: "secret"}, 2},
		{Security{Protocol: "SASL_SSL", Mechanism: "SCRAM-SHA-512", Username: "app", Password: "secret"}, 2},
	} {
		options, err := tt.security.options()
		if err != nil || len(options) != tt.options {
			t.Errorf("%+v.options() = %d options, %v; want %d", tt.security, len(options), err, tt.options)
		}
	}
	if _, err := (Security{Protocol: "SASL_SSL", Mechanism: "GSSAPI"}).options(); err == nil {
		t.Error("options() accepted an unknown SASL mechanism")
	}
}
