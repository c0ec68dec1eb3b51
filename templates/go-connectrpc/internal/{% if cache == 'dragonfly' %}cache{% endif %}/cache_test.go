package cache

import (
	"os"
	"testing"
)

// testURL is the server the integration tests use, from CACHE_URL; they skip without it.
func testURL(t *testing.T) string {
	t.Helper()
	url := os.Getenv("CACHE_URL")
	if url == "" {
		t.Skip("CACHE_URL is not set: skipping the tests that need a real Dragonfly or Redis")
	}
	return url
}

func TestProbePingsARealServer(t *testing.T) {
	client, err := Open(testURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()

	if err := Probe(client)(t.Context()); err != nil {
		t.Errorf("Probe() error = %v", err)
	}
}

func TestProbeFailsWhenTheServerIsUnreachable(t *testing.T) {
	client, err := Open("redis://127.0.0.1:1/0")
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()

	if err := Probe(client)(t.Context()); err == nil {
		t.Error("Probe() succeeded against a closed port")
	}
}

func TestOpenRejectsAMalformedURL(t *testing.T) {
	if _, err := Open("memcached://localhost:11211"); err == nil {
		t.Error("Open() accepted a URL that is not redis:// or rediss://")
	}
}
