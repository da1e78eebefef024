//! `x.pe=` peer endpoints, read as libtorrent's `parse_endpoint` does (`src/socket_io.cpp`).
//!
//! - Spaces, tabs, CR and LF around the value are trimmed.
//! - `[addr]:port` is IPv6; `addr` may carry a `%scope` suffix, read with C `atoi` as asio does
//!   (interface names are not looked up, so they give scope 0).
//! - Anything else is `a.b.c.d:port`, split at the first `:`; the address must be a strict
//!   dotted quad (no leading zeros, no short forms).
//! - The port is read with [`leading_int`] (trailing junk ignored) and must be in `1..=65535`.
//! - The value is not percent-decoded, and host names are never resolved.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use super::decimal::{c_atoi, leading_int};

/// Whether `byte` is trimmed from both ends of an endpoint (libtorrent's `trim`).
fn is_trimmed(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

/// Parses an `x.pe` value; `None` when libtorrent would report an error and drop it.
pub(super) fn parse_peer_endpoint(value: &str) -> Option<SocketAddr> {
    let text = value.trim_matches(|character: char| u8::try_from(character).is_ok_and(is_trimmed));
    if let Some(bracketed) = text.strip_prefix('[') {
        let (address, after) = bracketed.split_once(']')?;
        let port = parse_port(after.strip_prefix(':')?)?;
        let (ip, scope_id) = parse_ipv6_with_scope(address)?;
        Some(SocketAddr::V6(SocketAddrV6::new(ip, port, 0, scope_id)))
    } else {
        let (address, port) = text.split_once(':')?;
        let ip: Ipv4Addr = address.parse().ok()?;
        let port = parse_port(port)?;
        Some(SocketAddr::V4(SocketAddrV4::new(ip, port)))
    }
}

/// An IPv6 address with an optional `%scope` suffix, as asio's `make_address_v6` reads it.
fn parse_ipv6_with_scope(text: &str) -> Option<(Ipv6Addr, u32)> {
    let (address, scope) = match text.split_once('%') {
        Some((address, scope)) => (address, c_atoi(scope.as_bytes()) as u32),
        None => (text, 0),
    };
    Some((address.parse().ok()?, scope))
}

/// A port: at least one leading digit, 1 to 65535.
fn parse_port(text: &str) -> Option<u16> {
    let port = leading_int(text.as_bytes())?;
    u16::try_from(port).ok().filter(|&port| port != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(value: &str) -> Option<String> {
        parse_peer_endpoint(value).map(|address| address.to_string())
    }

    #[test]
    fn accepts_what_libtorrent_accepts() {
        for (value, expected) in [
            ("127.0.0.1:43", "127.0.0.1:43"),
            (" 1.2.3.4:5 ", "1.2.3.4:5"),
            ("1.2.3.4:65535", "1.2.3.4:65535"),
            ("1.2.3.4:12ab", "1.2.3.4:12"),
            ("1.2.3.4:00012", "1.2.3.4:12"),
            ("1.2.3.4:5:6", "1.2.3.4:5"),
            ("[::1]:45", "[::1]:45"),
            ("[::1]:9x", "[::1]:9"),
            ("[::1]:1,2", "[::1]:1"),
            ("[::ffff:1.2.3.4]:6", "[::ffff:1.2.3.4]:6"),
            ("[0:0:0:0:0:0:0:1]:7", "[::1]:7"),
            ("[::1%7]:8", "[::1%7]:8"),
            ("[::1%7abc]:6", "[::1%7]:6"),
            ("[::1%]:5", "[::1]:5"),
            ("[::1%abc]:6", "[::1]:6"),
            ("[::1%4294967296]:7", "[::1]:7"),
            ("[::1%-3]:13", "[::1%4294967293]:13"),
        ] {
            assert_eq!(parsed(value).as_deref(), Some(expected), "{value}");
        }
    }

    #[test]
    fn rejects_what_libtorrent_rejects() {
        for value in [
            "",
            "<invalid1>",
            "<invalid2>:100",
            "1.2.3.4: 5",
            "1.2.3.4:+6",
            "1.2.3.4:-7",
            "1.2.3.4:0",
            "1.2.3.4:70000",
            "1.2.3.4:4294967306",
            "1.2.3.4:",
            "1.2.3.4",
            "01.2.3.4:5",
            "1.2.3.04:8",
            "1.2.3:11",
            "1.2.3.4.5:12",
            "1.2.3.4%2:14",
            "[1.2.3.4]:13",
            "::1:14",
            "[::1] :10",
            "[ ::1]:10",
            "[::1]:",
            "[::1]",
            "[::1",
            "[1::2::3]:8",
            "[::1]:65536",
            "example.com:80",
        ] {
            assert_eq!(parsed(value), None, "{value}");
        }
    }
}
