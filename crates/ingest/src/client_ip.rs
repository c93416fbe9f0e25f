//! The client's address for `context.ip`, honouring `X-Forwarded-For` only from trusted proxies.
//!
//! Each proxy appends the address it received the connection from, so the list reads
//! client, proxy1, proxy2 and the connection comes from the last proxy. Only entries added by
//! trusted proxies can be believed: walking from the right, every trusted address is skipped and
//! the first untrusted one is the client. Anything left of it could be forged by the client.

use std::net::IpAddr;
use std::str::FromStr;

/// An address block such as `10.0.0.0/8`, `::1/128` or a bare address (a block of one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    network: IpAddr,
    prefix_len: u8,
}

impl IpNet {
    /// `None` when the prefix is longer than the address.
    pub fn new(address: IpAddr, prefix_len: u8) -> Option<IpNet> {
        let max = if address.is_ipv4() { 32 } else { 128 };
        if prefix_len > max {
            return None;
        }
        // `::ffff:10.0.0.0/104` is `10.0.0.0/8`: addresses are compared in canonical form.
        let (network, prefix_len) = match (address, canonical(address)) {
            (IpAddr::V6(_), IpAddr::V4(v4)) if prefix_len >= 96 => {
                (IpAddr::V4(v4), prefix_len - 96)
            }
            _ => (address, prefix_len),
        };
        Some(IpNet {
            network,
            prefix_len,
        })
    }

    pub fn contains(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        match (self.network, address) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => prefix_matches(
                u128::from(u32::from(net)) << 96,
                u128::from(u32::from(ip)) << 96,
                self.prefix_len,
            ),
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                prefix_matches(u128::from(net), u128::from(ip), self.prefix_len)
            }
            _ => false,
        }
    }
}

fn prefix_matches(network: u128, address: u128, prefix_len: u8) -> bool {
    let mask = u128::MAX
        .checked_shl(128 - u32::from(prefix_len))
        .unwrap_or(0);
    network & mask == address & mask
}

impl FromStr for IpNet {
    type Err = String;

    fn from_str(text: &str) -> Result<IpNet, String> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let address: IpAddr = address
            .trim()
            .parse()
            .map_err(|_| format!("{text:?} is not an IP address or CIDR block"))?;
        let prefix_len = match prefix {
            Some(prefix) => prefix
                .trim()
                .parse::<u8>()
                .map_err(|_| format!("{text:?} has an invalid prefix length"))?,
            None if address.is_ipv4() => 32,
            None => 128,
        };
        IpNet::new(address, prefix_len)
            .ok_or_else(|| format!("{text:?}: prefix longer than the address"))
    }
}

/// IPv4-mapped IPv6 (`::ffff:1.2.3.4`, what a dual-stack socket reports) is the IPv4 address.
pub fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        IpAddr::V4(_) => address,
    }
}

/// The client address of a connection from `peer` carrying `forwarded_for` (all
/// `X-Forwarded-For` headers joined with commas, in order).
pub fn client_address(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |address: IpAddr| trusted.iter().any(|net| net.contains(address));
    let mut client = canonical(peer);
    if !is_trusted(client) {
        return client;
    }
    let Some(forwarded_for) = forwarded_for else {
        return client;
    };
    for entry in forwarded_for.rsplit(',') {
        // A malformed entry means nothing further left can be trusted; the last good hop stands.
        let Some(address) = parse_forwarded_entry(entry) else {
            return client;
        };
        client = canonical(address);
        if !is_trusted(client) {
            return client;
        }
    }
    client
}

/// An X-Forwarded-For entry: a bare address, possibly with a port (`1.2.3.4:5678`,
/// `[2001:db8::1]:443`) as some proxies write it.
fn parse_forwarded_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    if let Ok(address) = entry.parse() {
        return Some(address);
    }
    if let Some(rest) = entry.strip_prefix('[') {
        let (inside, _) = rest.split_once(']')?;
        return inside.parse().ok();
    }
    let (host, port) = entry.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().filter_map(|n| n.parse().ok()).collect()
    }

    #[test]
    fn blocks_parse_and_match() {
        let net = nets(&["10.0.0.0/8"])[0];
        assert!(net.contains(ip("10.255.0.1")));
        assert!(net.contains(ip("::ffff:10.1.2.3")));
        assert!(!net.contains(ip("11.0.0.1")));
        assert_eq!(nets(&["0.0.0.0/0"]).len(), 1);
        assert!(nets(&["0.0.0.0/0"])[0].contains(ip("8.8.8.8")));
        assert!(nets(&["::/0"])[0].contains(ip("2001:db8::1")));
        assert!(nets(&["fd00::/8"])[0].contains(ip("fd12::1")));
        assert!(!nets(&["fd00::/8"])[0].contains(ip("fe80::1")));
        assert!(nets(&["127.0.0.1"])[0].contains(ip("127.0.0.1")));
        assert!(!nets(&["127.0.0.1"])[0].contains(ip("127.0.0.2")));
        let mapped = nets(&["::ffff:10.0.0.0/104"])[0];
        assert!(mapped.contains(ip("10.9.9.9")));
        assert!(!mapped.contains(ip("11.0.0.1")));
        assert!("10.0.0.0/33".parse::<IpNet>().is_err());
        assert!("10.0.0/8".parse::<IpNet>().is_err());
        assert!("::/129".parse::<IpNet>().is_err());
    }

    #[test]
    fn untrusted_peer_ignores_the_header() {
        let client = client_address(ip("203.0.113.9"), Some("1.1.1.1"), &nets(&["10.0.0.0/8"]));
        assert_eq!(client, ip("203.0.113.9"));
        let client = client_address(ip("203.0.113.9"), Some("1.1.1.1"), &[]);
        assert_eq!(client, ip("203.0.113.9"));
    }

    #[test]
    fn trusted_peer_yields_right_most_untrusted_entry() {
        let trusted = nets(&["10.0.0.0/8"]);
        let xff = "6.6.6.6, 198.51.100.7, 10.0.0.2";
        assert_eq!(
            client_address(ip("10.0.0.1"), Some(xff), &trusted),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_address(ip("10.0.0.1"), None, &trusted),
            ip("10.0.0.1")
        );
        assert_eq!(
            client_address(ip("10.0.0.1"), Some("10.0.0.3,10.0.0.2"), &trusted),
            ip("10.0.0.3")
        );
        assert_eq!(
            client_address(ip("10.0.0.1"), Some("6.6.6.6, garbage, 10.0.0.2"), &trusted),
            ip("10.0.0.2")
        );
        assert_eq!(
            client_address(ip("10.0.0.1"), Some("198.51.100.7:4711"), &trusted),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_address(ip("10.0.0.1"), Some("[2001:db8::5]:443"), &trusted),
            ip("2001:db8::5")
        );
        assert_eq!(
            client_address(ip("::ffff:10.0.0.1"), Some("::ffff:198.51.100.7"), &trusted),
            ip("198.51.100.7")
        );
    }
}
