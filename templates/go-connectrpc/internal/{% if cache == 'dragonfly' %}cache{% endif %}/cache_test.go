package cache

import (
	"os"
	"testing"
	"time"
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
	client, err := Open(testURL(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()

	if err := Probe(client)(t.Context()); err != nil {
		t.Errorf("Probe() error = %v", err)
	}
}

func TestOpenRejectsAMalformedURL(t *testing.T) {
	if _, err := Open("memcached://localhost:11211", nil); err == nil {
		t.Error("Open() accepted a URL that is not redis:// or rediss://")
	}
}

func TestOpenBoundsEachCallToASecondUnlessTheURLSaysOtherwise(t *testing.T) {
	client, err := Open("redis://127.0.0.1:1/0?read_timeout=3s", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()

	opts := client.Options()
	if opts.DialTimeout != time.Second || opts.WriteTimeout != time.Second || opts.ReadTimeout != 3*time.Second {
		t.Errorf("timeouts: dial %v, write %v, read %v; want 1s, 1s and the URL's 3s", opts.DialTimeout, opts.WriteTimeout, opts.ReadTimeout)
	}
}

func TestProbeFailsFastWhenTheServerIsUnreachable(t *testing.T) {
	client, err := Open("redis://127.0.0.1:1/0", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()

	started := time.Now()
	err = Probe(client)(t.Context())

	if elapsed := time.Since(started); err == nil || elapsed > 3*time.Second {
		t.Errorf("Probe() = %v after %v, want an error within 3s", err, elapsed)
	}
}
