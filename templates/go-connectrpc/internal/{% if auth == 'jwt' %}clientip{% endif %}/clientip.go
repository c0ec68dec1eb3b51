// Package clientip finds the address of the client behind a request, which rate limits count
// under: the TCP peer, unless the peer is a proxy the service trusts.
package clientip

import (
	"net/netip"
	"strings"
)

// Proxies are the networks whose X-Forwarded-For the service believes (TRUSTED_PROXIES). None
// by default: any client can write the header, so only a proxy the operator names may change
// whom a request counts against.
type Proxies []netip.Prefix

// Client is the client address of a request that came from remoteAddr (the TCP peer, as
// http.Request.RemoteAddr and connect.Peer.Addr give it) with the X-Forwarded-For header
// values forwardedFor. A peer outside p is the client and the header is ignored. Behind a
// trusted peer the client is the right-most entry outside p: each trusted proxy appended the
// address it saw, and whatever lies left of the first untrusted entry is that client's own
// claim. When every entry is trusted, or one is not an address, the client is the last trusted
// hop reached, so a malformed header never makes a client anybody else.
func (p Proxies) Client(remoteAddr string, forwardedFor []string) string {
	peer, err := netip.ParseAddrPort(remoteAddr)
	if err != nil {
		return remoteAddr // not an IP peer (a Unix socket, a test's pipe): it is the client
	}
	client := peer.Addr().Unmap()
	for i := len(forwardedFor) - 1; i >= 0 && p.trusts(client); i-- {
		hops := forwardedFor[i]
		for hops != "" && p.trusts(client) {
			var entry string
			if comma := strings.LastIndexByte(hops, ','); comma >= 0 {
				hops, entry = hops[:comma], hops[comma+1:]
			} else {
				hops, entry = "", hops
			}
			hop, ok := parseHop(entry)
			if !ok {
				return client.String()
			}
			client = hop
		}
	}
	return client.String()
}

// trusts reports whether address is inside one of the trusted networks.
func (p Proxies) trusts(address netip.Addr) bool {
	for _, network := range p {
		if network.Contains(address) {
			return true
		}
	}
	return false
}

// parseHop reads one X-Forwarded-For entry: an address, or an address and port as some proxies
// write it ("192.0.2.1:4711", "[2001:db8::1]:4711").
func parseHop(entry string) (netip.Addr, bool) {
	entry = strings.TrimSpace(entry)
	if address, err := netip.ParseAddr(entry); err == nil {
		return address.Unmap(), true
	}
	if addressPort, err := netip.ParseAddrPort(entry); err == nil {
		return addressPort.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}
