//! [`ClientFingerprint`]: which client wrote a peer id, read from the conventions of BEP 20.

use std::fmt;

/// The client and version a peer id names, as returned by [`PeerId::client`](crate::PeerId::client).
///
/// `Display` gives `"<name> <version>"`, with the code standing in for an unknown name:
/// `"Transmission 4.0.4"`, `"XY 1.2.3"`, `"aria2"`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ClientFingerprint {
    /// The client code as written in the id: `TR` for `-TR4040-`, `M` for `M7-4-0--`, `A2` for
    /// `A2-1-34-0-`.
    pub code: String,
    /// The client's name, when the code is one this crate knows.
    pub name: Option<&'static str>,
    /// The dotted version, such as `4.0.4`; empty when the id carries none.
    pub version: String,
}

impl ClientFingerprint {
    /// The client's name, or its code when the name is unknown.
    #[must_use]
    pub fn name_or_code(&self) -> &str {
        self.name.unwrap_or(&self.code)
    }

    fn new(code: &[u8], name: Option<&'static str>, version: String) -> Self {
        let code = code.iter().map(|&byte| char::from(byte)).collect();
        Self {
            code,
            name,
            version,
        }
    }
}

impl fmt::Display for ClientFingerprint {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.name_or_code())?;
        if !self.version.is_empty() {
            write!(formatter, " {}", self.version)?;
        }
        Ok(())
    }
}

/// Reads the client fingerprint of a peer id, trying each convention in turn.
pub(crate) fn identify(id: &[u8; 20]) -> Option<ClientFingerprint> {
    parse_azureus_style(id)
        .or_else(|| parse_aria2_style(id))
        .or_else(|| parse_mainline_style(id))
        .or_else(|| parse_shadow_style(id))
}

/// How an Azureus-style client writes its version in the four characters after its code.
#[derive(Clone, Copy)]
enum VersionScheme {
    /// One character each for major, minor, revision and tag: `-LT2010-` is 2.0.1.
    FourDigits,
    /// Two for major, two for minor: `-BC0200-` is 2.00.
    TwoMajorTwoMinor,
}

/// Names of the Azureus-style (`-XXvvvv-`) client codes this crate knows.
fn azureus_client(code: [u8; 2]) -> Option<(&'static str, VersionScheme)> {
    use VersionScheme::{FourDigits, TwoMajorTwoMinor};
    let client = match &code {
        b"AZ" => ("Vuze (Azureus)", FourDigits),
        b"BC" => ("BitComet", TwoMajorTwoMinor),
        b"BI" => ("BiglyBT", FourDigits),
        b"BT" => ("BitTorrent", FourDigits),
        b"DE" => ("Deluge", FourDigits),
        b"FD" => ("Free Download Manager", FourDigits),
        b"KT" => ("KTorrent", FourDigits),
        b"LR" => ("lt", FourDigits),
        b"LT" => ("libtorrent (Rasterbar)", FourDigits),
        b"lt" => ("libTorrent (rakshasa)", FourDigits),
        b"PI" => ("PicoTorrent", FourDigits),
        b"qB" => ("qBittorrent", FourDigits),
        b"rQ" => ("rqbit", FourDigits),
        b"SD" => ("Thunder", FourDigits),
        b"TR" => ("Transmission", FourDigits),
        b"UM" => ("\u{b5}Torrent Mac", FourDigits),
        b"UT" => ("\u{b5}Torrent", FourDigits),
        b"UW" => ("\u{b5}Torrent Web", FourDigits),
        b"WW" => ("WebTorrent", FourDigits),
        b"XL" => ("Xunlei", FourDigits),
        _ => return None,
    };
    Some(client)
}

/// The value of one Azureus-style version character: `0-9`, then `A-Z` as 10-35, `a-z` as 36-61.
fn azureus_digit_value(character: u8) -> u32 {
    match character {
        b'0'..=b'9' => u32::from(character - b'0'),
        b'A'..=b'Z' => u32::from(character - b'A') + 10,
        b'a'..=b'z' => u32::from(character - b'a') + 36,
        _ => 0,
    }
}

/// `-XXvvvv-`: a dash, a two-character client code, four version characters, a dash.
fn parse_azureus_style(id: &[u8; 20]) -> Option<ClientFingerprint> {
    let [b'-', first, second, major, minor, revision, tag, b'-', ..] = *id else {
        return None;
    };
    let digits = [major, minor, revision, tag];
    if !first.is_ascii_graphic() || !second.is_ascii_graphic() {
        return None;
    }
    if !digits.iter().all(u8::is_ascii_alphanumeric) {
        return None;
    }
    let known = azureus_client([first, second]);
    let scheme = known.map_or(VersionScheme::FourDigits, |(_, scheme)| scheme);
    let version = match scheme {
        VersionScheme::FourDigits => {
            let [major, minor, revision, tag] = digits.map(azureus_digit_value);
            if tag == 0 {
                format!("{major}.{minor}.{revision}")
            } else {
                format!("{major}.{minor}.{revision}.{tag}")
            }
        }
        VersionScheme::TwoMajorTwoMinor => {
            let major_number = azureus_digit_value(major) * 10 + azureus_digit_value(minor);
            format!("{major_number}.{}{}", char::from(revision), char::from(tag))
        }
    };
    Some(ClientFingerprint::new(
        &[first, second],
        known.map(|(name, _)| name),
        version,
    ))
}

/// aria2: `A2-1-34-0-` for 1.34.0 (older releases: `aria2-` with no version).
fn parse_aria2_style(id: &[u8; 20]) -> Option<ClientFingerprint> {
    if id.starts_with(b"aria2-") {
        return Some(ClientFingerprint::new(
            b"aria2",
            Some("aria2"),
            String::new(),
        ));
    }
    if !id.starts_with(b"A2-") {
        return None;
    }
    let (version, _) = parse_dashed_version(id, 3)?;
    Some(ClientFingerprint::new(b"A2", Some("aria2"), version))
}

/// Mainline (Bram Cohen's) style: `M` (or `Q`, Queen Bee), then `x-y-z-` padded with dashes to
/// eight bytes: `M7-4-0--` is Mainline 7.4.0.
fn parse_mainline_style(id: &[u8; 20]) -> Option<ClientFingerprint> {
    let (&letter, _) = id.split_first()?;
    let name = match letter {
        b'M' => "Mainline",
        b'Q' => "Queen Bee",
        _ => return None,
    };
    let (version, end) = parse_dashed_version(id, 1)?;
    if !id.iter().take(8).skip(end).all(|&byte| byte == b'-') {
        return None;
    }
    Some(ClientFingerprint::new(&[letter], Some(name), version))
}

/// Parses `x-y-z-` (each 1 to 3 decimal digits) from `start`; returns `"x.y.z"` and the index
/// after the final dash.
fn parse_dashed_version(id: &[u8], start: usize) -> Option<(String, usize)> {
    let mut position = start;
    let mut numbers = [0u16; 3];
    for number in &mut numbers {
        let rest = id.get(position..)?;
        let digit_count = rest.iter().take_while(|byte| byte.is_ascii_digit()).count();
        if !(1..=3).contains(&digit_count) || rest.get(digit_count) != Some(&b'-') {
            return None;
        }
        *number = rest
            .iter()
            .take(digit_count)
            .fold(0, |value, digit| value * 10 + u16::from(digit - b'0'));
        position += digit_count + 1;
    }
    let [major, minor, revision] = numbers;
    Some((format!("{major}.{minor}.{revision}"), position))
}

/// Version characters of Shadow-style ids, worth their position: `0-9`, `A-Z`, `a-z`, `.`, `-`.
const SHADOW_ALPHABET: &[u8; 64] =
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.-";

/// Shadow style: a client letter, up to five version characters, dashes through byte 8:
/// `S58B-----` is Shadow 5.8.11.
fn parse_shadow_style(id: &[u8; 20]) -> Option<ClientFingerprint> {
    let (&letter, _) = id.split_first()?;
    let name = match letter {
        b'A' => "ABC",
        b'O' => "Osprey Permaseed",
        b'Q' => "BTQueue",
        b'R' => "Tribler",
        b'S' => "Shadow",
        b'T' => "BitTornado",
        b'U' => "UPnP NAT Bit Torrent",
        _ => return None,
    };
    let version_characters = id
        .get(1..6)?
        .iter()
        .take_while(|&&byte| byte != b'-')
        .count();
    let padding = id.get(1 + version_characters..9)?;
    if version_characters == 0 || !padding.iter().all(|&byte| byte == b'-') {
        return None;
    }
    let mut version = String::new();
    for character in id.get(1..1 + version_characters)? {
        let value = SHADOW_ALPHABET
            .iter()
            .position(|candidate| candidate == character)?;
        if !version.is_empty() {
            version.push('.');
        }
        version.push_str(&value.to_string());
    }
    Some(ClientFingerprint::new(&[letter], Some(name), version))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pads `prefix` with `x` to a 20-byte id and identifies it.
    fn client_of(prefix: &[u8]) -> Option<ClientFingerprint> {
        let mut id = [b'x'; 20];
        id.iter_mut().zip(prefix).for_each(|(to, from)| *to = *from);
        identify(&id)
    }

    fn described(prefix: &[u8]) -> Option<String> {
        client_of(prefix).map(|client| client.to_string())
    }

    #[test]
    fn azureus_style_ids() {
        let cases: [(&[u8], &str); 13] = [
            (b"-LT2010-", "libtorrent (Rasterbar) 2.0.1"),
            (b"-lt0D60-", "libTorrent (rakshasa) 0.13.6"),
            (b"-TR4040-", "Transmission 4.0.4"),
            (b"-qB4250-", "qBittorrent 4.2.5"),
            (b"-UT3550-", "\u{b5}Torrent 3.5.5"),
            (b"-UM1870-", "\u{b5}Torrent Mac 1.8.7"),
            (b"-DE13F0-", "Deluge 1.3.15"),
            (b"-AZ5770-", "Vuze (Azureus) 5.7.7"),
            (b"-BI3001-", "BiglyBT 3.0.0.1"),
            (b"-BC0200-", "BitComet 2.00"),
            (b"-KT4130-", "KTorrent 4.1.3"),
            (b"-rQ0001-", "rqbit 0.0.0.1"),
            (b"-LR0100-", "lt 0.1.0"),
        ];
        for (prefix, expected) in cases {
            assert_eq!(described(prefix).as_deref(), Some(expected), "{prefix:?}");
        }
        let unknown = client_of(b"-XY1230-").unwrap();
        assert_eq!((unknown.code.as_str(), unknown.name), ("XY", None));
        assert_eq!(unknown.to_string(), "XY 1.2.3");
    }

    #[test]
    fn mainline_aria2_and_shadow_ids() {
        assert_eq!(described(b"M7-4-0--").as_deref(), Some("Mainline 7.4.0"));
        assert_eq!(described(b"M4-10-3-").as_deref(), Some("Mainline 4.10.3"));
        assert_eq!(described(b"Q1-0-0--").as_deref(), Some("Queen Bee 1.0.0"));
        assert_eq!(described(b"A2-1-34-0-").as_deref(), Some("aria2 1.34.0"));
        assert_eq!(client_of(b"A2-1-34-0-").unwrap().code, "A2");
        assert_eq!(described(b"aria2-").as_deref(), Some("aria2"));
        assert_eq!(described(b"S58B-----").as_deref(), Some("Shadow 5.8.11"));
        assert_eq!(
            described(b"T03I-----").as_deref(),
            Some("BitTornado 0.3.18")
        );
    }

    #[test]
    fn unknown_and_malformed_ids_are_none() {
        for prefix in [
            &b"xxxxxxxx"[..],
            b"-LT2010x",
            b"-LT20.0-",
            b"- T2010-",
            b"M7-4-0-x",
            b"M7-4444-0--",
            b"A2-1-34-0x",
            b"S58B--x--",
            b"X58B-----",
            b"",
        ] {
            assert_eq!(client_of(prefix), None, "{prefix:?}");
        }
        assert_eq!(identify(&[0; 20]), None);
        assert_eq!(identify(&[0xff; 20]), None);
    }
}
