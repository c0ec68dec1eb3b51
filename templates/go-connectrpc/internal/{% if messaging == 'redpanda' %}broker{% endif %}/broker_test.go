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
	client, err := Open(testBrokers(t))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()

	if err := Probe(client)(t.Context()); err != nil {
		t.Errorf("Probe() error = %v", err)
	}
}

func TestProbeFailsWhenNoBrokerAnswers(t *testing.T) {
	client, err := Open([]string{"127.0.0.1:1"})
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
	if _, err := Open([]string{"localhost:port"}); err == nil {
		t.Error("Open() accepted a seed with a non-numeric port")
	}
}
