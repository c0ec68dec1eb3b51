package clientip

import (
	"net/netip"
	"testing"
)

func TestClient(t *testing.T) {
	loopback := Proxies{netip.MustParsePrefix("127.0.0.0/8")}
	internal := Proxies{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	tests := []struct {
		name         string
		proxies      Proxies
		remoteAddr   string
		forwardedFor []string
		want         string
	}{
		{"no trusted proxies: the peer, whatever the header says", nil, "192.0.2.1:4711", []string{"198.51.100.7"}, "192.0.2.1"},
		{"a peer outside the trusted networks is the client", internal, "192.0.2.1:4711", []string{"198.51.100.7"}, "192.0.2.1"},
		{"a trusted peer without a header is the client", loopback, "127.0.0.1:4711", nil, "127.0.0.1"},
		{"behind a trusted peer, the forwarded client", loopback, "127.0.0.1:4711", []string{"198.51.100.7"}, "198.51.100.7"},
		{"trusted hops on the right are skipped", loopback, "127.0.0.1:4711", []string{"198.51.100.7, 127.0.0.2, 127.0.0.3"}, "198.51.100.7"},
		{"entries left of the client are its own claims", loopback, "127.0.0.1:4711", []string{"192.0.2.77, 10.9.8.7, 198.51.100.7"}, "198.51.100.7"},
		{"several header lines are one list, the last line right-most", loopback, "127.0.0.1:4711", []string{"192.0.2.77", "198.51.100.7, 127.0.0.2"}, "198.51.100.7"},
		{"when every hop is trusted, the left-most", internal, "10.0.0.1:4711", []string{"10.1.1.1, 10.2.2.2"}, "10.1.1.1"},
		{"a malformed entry ends the walk at the last trusted hop", internal, "10.0.0.1:4711", []string{"198.51.100.7, not-an-address, 10.2.2.2"}, "10.2.2.2"},
		{"an empty entry ends the walk too", internal, "10.0.0.1:4711", []string{"198.51.100.7,,"}, "10.0.0.1"},
		{"entries with ports", loopback, "127.0.0.1:4711", []string{"[2001:db8::1]:80, 198.51.100.7:4711"}, "198.51.100.7"},
		{"IPv6 peers and entries", internal, "[fd00::1]:4711", []string{"2001:db8::1"}, "2001:db8::1"},
		{"IPv4-mapped IPv6 addresses are IPv4", loopback, "[::ffff:127.0.0.1]:4711", []string{"::ffff:198.51.100.7"}, "198.51.100.7"},
		{"a peer that is not an IP address is the client", loopback, "pipe", []string{"198.51.100.7"}, "pipe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.proxies.Client(tt.remoteAddr, tt.forwardedFor); got != tt.want {
				t.Errorf("Client(%q, %q) = %q, want %q", tt.remoteAddr, tt.forwardedFor, got, tt.want)
			}
		})
	}
}
