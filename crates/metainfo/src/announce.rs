//! Trackers, web seeds and DHT nodes as a torrent lists them.

/// A tracker URL and its tier (BEP 12: lower tiers are tried first).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AnnounceEntry {
    /// The announce URL.
    pub url: String,
    /// The tier, 0 first.
    pub tier: u8,
}

/// The kind of web seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WebSeedKind {
    /// BEP 19 (`url-list`): a plain HTTP server holding the files.
    UrlSeed,
    /// BEP 17 (`httpseeds`): a server speaking the Hoffman-style seeding protocol.
    HttpSeed,
}

/// A web seed from the torrent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WebSeed {
    /// The URL (escaped where the torrent left characters unescaped).
    pub url: String,
    /// Which protocol it speaks.
    pub kind: WebSeedKind,
}

/// A DHT bootstrap node from the torrent's `nodes` list.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DhtNode {
    /// Host name or address.
    pub host: String,
    /// UDP port.
    pub port: u16,
}
