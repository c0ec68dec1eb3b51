//! The client address the rate limits count by. It is the TCP peer, unless the peer is one of the
//! proxies in `TRUSTED_PROXIES`: then it is the right-most `X-Forwarded-For` entry outside the
//! trusted ranges. Entries left of that one are the client's own claims and never matter.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ipnet::IpNet;

use crate::app::AppState;

/// The header each proxy appends the address it was connected from to.
const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// The networks whose `X-Forwarded-For` is believed; empty (the default) trusts nobody.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Comma-separated CIDRs such as `10.0.0.0/8, fd00::/8`; a bare address is a network of one.
    /// `None` when an entry is neither.
    #[must_use]
    pub fn parse(raw: &str) -> Option<Self> {
        raw.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .ok()
            })
            .collect::<Option<Vec<_>>>()
            .map(Self)
    }

    fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|network| network.contains(&address))
    }

    /// The client behind `peer`. Walking `X-Forwarded-For` from the right while the hop at hand
    /// is trusted, each entry names the hop before it; the first untrusted hop is the client (the
    /// left-most entry when every hop is trusted). An entry that is no address ends the walk at
    /// the trusted hop that wrote it.
    #[must_use]
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer.to_canonical();
        let entries = headers
            .get_all(X_FORWARDED_FOR)
            .iter()
            .rev()
            .flat_map(|value| value.to_str().unwrap_or_default().rsplit(','));
        for entry in entries {
            if !self.trusts(client) {
                break;
            }
            match address(entry.trim()) {
                Some(forwarded) => client = forwarded,
                None => break,
            }
        }
        client
    }
}

/// An `X-Forwarded-For` entry: an address, or an address with a port as some proxies write it.
fn address(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .or_else(|_| entry.parse::<SocketAddr>().map(|socket| socket.ip()))
        .ok()
        .map(|address| address.to_canonical())
}

/// Extractor: the client's address as [`TrustedProxies::client`] derives it from the TCP peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        // A router driven in-process (tests) has no TCP peer: they all count as one client.
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |ConnectInfo(peer)| {
                peer.ip()
            });
        let proxies = &state.auth.trusted_proxies;
        Ok(Self(proxies.client(peer, &parts.headers)))
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn proxies(raw: &str) -> TrustedProxies {
        TrustedProxies::parse(raw).unwrap()
    }

    fn ip(raw: &str) -> IpAddr {
        raw.parse().unwrap()
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(X_FORWARDED_FOR, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn parses_cidrs_and_bare_addresses_of_both_families() {
        let parsed = proxies(" 10.0.0.0/8, 192.168.1.7 ,fd00::/8,::1");
        assert!(parsed.trusts(ip("10.20.30.40")));
        assert!(parsed.trusts(ip("192.168.1.7")));
        assert!(!parsed.trusts(ip("192.168.1.8")));
        assert!(parsed.trusts(ip("fd12::1")));
        assert!(parsed.trusts(ip("::1")));
        assert_eq!(TrustedProxies::parse(""), Some(TrustedProxies::default()));
    }

    #[test]
    fn refuses_anything_that_is_not_a_network() {
        for raw in [
            "10.0.0.0/33",
            "10.0.0",
            "localhost",
            "10.0.0.0/8,nope",
            "::1/129",
        ] {
            assert_eq!(TrustedProxies::parse(raw), None, "{raw}");
        }
    }

    #[test]
    fn trusting_nobody_the_peer_is_the_client_whatever_the_header_says() {
        let headers = forwarded(&["203.0.113.9"]);
        let peer = ip("127.0.0.1");
        assert_eq!(TrustedProxies::default().client(peer, &headers), peer);
        assert_eq!(proxies("10.0.0.0/8").client(peer, &headers), peer);
    }

    #[test]
    fn behind_trusted_proxies_the_client_is_the_right_most_untrusted_entry() {
        let trusted = proxies("127.0.0.0/8,10.0.0.0/8");
        let chain = forwarded(&["192.0.2.77, 198.51.100.20, 10.1.1.1, 127.0.0.2"]);
        assert_eq!(trusted.client(ip("127.0.0.1"), &chain), ip("198.51.100.20"));
        let split = forwarded(&["192.0.2.77, 198.51.100.20", "10.1.1.1"]);
        assert_eq!(trusted.client(ip("127.0.0.1"), &split), ip("198.51.100.20"));
    }

    #[test]
    fn when_every_hop_is_trusted_the_left_most_is_the_client() {
        let trusted = proxies("10.0.0.0/8");
        let chain = forwarded(&["10.0.0.5, 10.0.0.6"]);
        assert_eq!(trusted.client(ip("10.0.0.7"), &chain), ip("10.0.0.5"));
        assert_eq!(
            trusted.client(ip("10.0.0.7"), &HeaderMap::new()),
            ip("10.0.0.7")
        );
    }

    #[test]
    fn a_malformed_entry_ends_the_walk_at_the_proxy_that_wrote_it() {
        let trusted = proxies("10.0.0.0/8");
        let chain = forwarded(&["198.51.100.1, not-an-address, 10.0.0.2"]);
        assert_eq!(trusted.client(ip("10.0.0.1"), &chain), ip("10.0.0.2"));
    }

    #[test]
    fn ports_and_ipv4_mapped_addresses_are_understood() {
        let trusted = proxies("10.0.0.0/8");
        let chain = forwarded(&["198.51.100.3:4711"]);
        assert_eq!(
            trusted.client(ip("::ffff:10.0.0.1"), &chain),
            ip("198.51.100.3")
        );
        let bracketed = forwarded(&["[2001:db8::1]:443"]);
        assert_eq!(
            trusted.client(ip("10.0.0.1"), &bracketed),
            ip("2001:db8::1")
        );
    }
}
