//! The extension protocol (BEP 10): message `20`, an extended id byte, then a payload.
//!
//! Extended id 0 is the extension handshake, in which each side lists the ids *it* wants to
//! receive each extension under (its `m` dictionary). So a message is decoded with our own ids
//! and encoded with the peer's: [`ExtensionIds`] holds one such map.

mod handshake;
mod holepunch;
mod metadata;
mod metadata_assembler;
mod pex;

use bytes::{BufMut, Bytes};

pub use self::handshake::ExtendedHandshake;
pub use self::holepunch::{HolepunchError, HolepunchMessage};
pub use self::metadata::{
    metadata_piece_count, serve_metadata_piece, MetadataMessage, MAX_METADATA_SIZE,
    METADATA_PIECE_SIZE,
};
pub use self::metadata_assembler::{MetadataAssembler, MetadataProgress};
pub use self::pex::{PexFlags, PexMessage, PexPeer};

use crate::decode::DecodeLimits;
use crate::error::{ApiMisuse, InvalidMessage};
use crate::reader;

/// An extension libtorrent speaks over the extension protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ExtensionKind {
    /// `ut_pex`: peer exchange (BEP 11).
    Pex,
    /// `ut_metadata`: fetching the info dictionary from peers (BEP 9).
    Metadata,
    /// `upload_only`: the sender stops downloading (libtorrent; BEP 21 puts the flag in the
    /// handshake).
    UploadOnly,
    /// `ut_holepunch`: NAT traversal through a relaying peer (BEP 55).
    Holepunch,
    /// `lt_donthave`: the sender lost a piece (libtorrent).
    DontHave,
    /// `share_mode`: the sender is in share mode (libtorrent).
    ShareMode,
}

impl ExtensionKind {
    /// Every extension, in the order of [`libtorrent_id`](Self::libtorrent_id).
    pub const ALL: [ExtensionKind; 6] = [
        ExtensionKind::Pex,
        ExtensionKind::Metadata,
        ExtensionKind::UploadOnly,
        ExtensionKind::Holepunch,
        ExtensionKind::DontHave,
        ExtensionKind::ShareMode,
    ];

    /// The key in the handshake's `m` dictionary.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            ExtensionKind::Pex => "ut_pex",
            ExtensionKind::Metadata => "ut_metadata",
            ExtensionKind::UploadOnly => "upload_only",
            ExtensionKind::Holepunch => "ut_holepunch",
            ExtensionKind::DontHave => "lt_donthave",
            ExtensionKind::ShareMode => "share_mode",
        }
    }

    /// The extension with this `m` key, if libtorrent has it.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// The id libtorrent 2.x advertises for the extension, which [`ExtensionIds::default`] uses
    /// too: ut_pex 1, ut_metadata 2, upload_only 3, ut_holepunch 4, lt_donthave 7, share_mode 8.
    #[must_use]
    pub const fn libtorrent_id(self) -> u8 {
        match self {
            ExtensionKind::Pex => 1,
            ExtensionKind::Metadata => 2,
            ExtensionKind::UploadOnly => 3,
            ExtensionKind::Holepunch => 4,
            ExtensionKind::DontHave => 7,
            ExtensionKind::ShareMode => 8,
        }
    }

    const fn slot(self) -> usize {
        match self {
            ExtensionKind::Pex => 0,
            ExtensionKind::Metadata => 1,
            ExtensionKind::UploadOnly => 2,
            ExtensionKind::Holepunch => 3,
            ExtensionKind::DontHave => 4,
            ExtensionKind::ShareMode => 5,
        }
    }
}

/// Which extended message id each extension uses in one direction; 0 means "not supported".
///
/// The default is libtorrent's numbering (see [`ExtensionKind::libtorrent_id`]), which is what we
/// advertise. For the peer's direction, build it from its handshake with
/// [`from_handshake`](Self::from_handshake).
///
/// # Examples
/// ```
/// use lt_wire::{ExtendedHandshake, ExtensionIds, ExtensionKind};
///
/// let mut theirs = ExtendedHandshake::default();
/// theirs.extensions.insert("ut_metadata".into(), 3);
/// let ids = ExtensionIds::from_handshake(&theirs);
/// assert_eq!(ids.get(ExtensionKind::Metadata), Some(3));
/// assert_eq!(ids.get(ExtensionKind::Pex), None);
/// assert_eq!(ExtensionIds::default().kind_of(2), Some(ExtensionKind::Metadata));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExtensionIds {
    ids: [u8; 6],
}

impl Default for ExtensionIds {
    fn default() -> Self {
        let mut ids = Self::none();
        for kind in ExtensionKind::ALL {
            ids.set(kind, kind.libtorrent_id());
        }
        ids
    }
}

impl ExtensionIds {
    /// No extension supported: the peer's map before its handshake arrives.
    #[must_use]
    pub const fn none() -> Self {
        Self { ids: [0; 6] }
    }

    /// The peer's map, from the `m` dictionary of its handshake. Names libtorrent does not know
    /// are left out.
    #[must_use]
    pub fn from_handshake(handshake: &ExtendedHandshake) -> Self {
        let mut ids = Self::none();
        for (name, id) in &handshake.extensions {
            if let Some(kind) = ExtensionKind::from_name(name) {
                ids.set(kind, *id);
            }
        }
        ids
    }

    /// The id of `kind`, or `None` when it is not supported.
    #[must_use]
    pub fn get(&self, kind: ExtensionKind) -> Option<u8> {
        self.ids.get(kind.slot()).copied().filter(|id| *id != 0)
    }

    /// Sets the id of `kind`; 0 turns it off.
    pub fn set(&mut self, kind: ExtensionKind, id: u8) {
        if let Some(slot) = self.ids.get_mut(kind.slot()) {
            *slot = id;
        }
    }

    /// The extension that uses `id`, if any (the first, should two share it).
    #[must_use]
    pub fn kind_of(&self, id: u8) -> Option<ExtensionKind> {
        if id == 0 {
            return None;
        }
        ExtensionKind::ALL
            .into_iter()
            .find(|kind| self.get(*kind) == Some(id))
    }

    /// Writes every supported extension into a handshake's `m` dictionary.
    pub fn advertise(&self, handshake: &mut ExtendedHandshake) {
        for kind in ExtensionKind::ALL {
            if let Some(id) = self.get(kind) {
                handshake.extensions.insert(kind.name().to_owned(), id);
            }
        }
    }
}

/// A message of the extension protocol, typed by the extension it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExtendedMessage {
    /// The extension handshake (BEP 10), extended id 0.
    Handshake(ExtendedHandshake),
    /// A ut_metadata message (BEP 9).
    Metadata(MetadataMessage),
    /// A ut_pex message (BEP 11).
    Pex(PexMessage),
    /// libtorrent's `upload_only` message: whether the sender is upload-only now.
    UploadOnly(bool),
    /// libtorrent's `share_mode` message: whether the sender is in share mode now.
    ShareMode(bool),
    /// libtorrent's `lt_donthave`: the sender no longer has this piece.
    DontHave {
        /// The piece index.
        piece: u32,
    },
    /// A ut_holepunch message (BEP 55).
    Holepunch(HolepunchMessage),
    /// A message of a known extension that libtorrent ignores rather than disconnecting for: an
    /// undecodable extension handshake, an `upload_only` or `lt_donthave` of the wrong size, a
    /// ut_holepunch with an unknown type, a ut_metadata with an unknown `msg_type`. It encodes
    /// back to the same bytes, under `id` as given.
    Ignored {
        /// The extended id it arrived with.
        id: u8,
        /// The payload after the extended id.
        payload: Bytes,
        /// Why it was not understood.
        reason: &'static str,
    },
    /// A message whose id is not one of ours: for a caller's own extensions. It encodes under
    /// `id` as given. libtorrent disconnects with `invalid_message` when no plugin takes it.
    Unknown {
        /// The extended id.
        id: u8,
        /// The payload after the extended id.
        payload: Bytes,
    },
}

/// Why a payload of a known extension was not turned into a message.
pub(crate) enum Rejected {
    /// libtorrent disconnects.
    Fatal(InvalidMessage),
    /// libtorrent ignores the message.
    Ignore(&'static str),
}

impl From<InvalidMessage> for Rejected {
    fn from(error: InvalidMessage) -> Self {
        Rejected::Fatal(error)
    }
}

/// Checks an extended message's length once its extended id is known, before its payload is in:
/// libtorrent rejects large ut_metadata and ut_pex messages without reading them.
pub(crate) fn check_length(
    extended_id: u8,
    payload_len: u32,
    local: &ExtensionIds,
    limits: &DecodeLimits,
) -> Result<(), InvalidMessage> {
    match local.kind_of(extended_id) {
        Some(ExtensionKind::Metadata) if payload_len > limits.max_metadata_message_len => {
            Err(InvalidMessage::InvalidMetadataMessage {
                reason: "packet too big",
            })
        }
        Some(ExtensionKind::Pex) if payload_len > limits.max_pex_message_len => {
            Err(InvalidMessage::PexMessageTooLarge {
                length: payload_len,
                limit: limits.max_pex_message_len,
            })
        }
        _ => Ok(()),
    }
}

/// Decodes the body of message 20: the extended id byte and its payload.
pub(crate) fn decode(
    body: &Bytes,
    local: &ExtensionIds,
) -> Result<ExtendedMessage, InvalidMessage> {
    let (Some(&id), Some(payload)) = (body.first(), reader::tail(body, 1)) else {
        return Err(InvalidMessage::WrongLength {
            message: crate::MessageId::Extended,
            length: 0,
        });
    };
    let decoded = match (id, local.kind_of(id)) {
        (0, _) => ExtendedHandshake::decode(&payload).map(ExtendedMessage::Handshake),
        (_, Some(ExtensionKind::Metadata)) => {
            MetadataMessage::decode(&payload).map(ExtendedMessage::Metadata)
        }
        (_, Some(ExtensionKind::Pex)) => PexMessage::decode(&payload).map(ExtendedMessage::Pex),
        (_, Some(ExtensionKind::Holepunch)) => {
            HolepunchMessage::decode(&payload).map(ExtendedMessage::Holepunch)
        }
        (_, Some(ExtensionKind::UploadOnly)) => flag(&payload).map(ExtendedMessage::UploadOnly),
        (_, Some(ExtensionKind::ShareMode)) => flag(&payload).map(ExtendedMessage::ShareMode),
        (_, Some(ExtensionKind::DontHave)) => match reader::be_u32(&payload, 0) {
            Some(piece) if payload.len() == 4 => Ok(ExtendedMessage::DontHave { piece }),
            _ => Err(Rejected::Ignore("lt_donthave payload is not 4 bytes")),
        },
        (_, None) => Ok(ExtendedMessage::Unknown {
            id,
            payload: payload.clone(),
        }),
    };
    match decoded {
        Ok(message) => Ok(message),
        Err(Rejected::Fatal(error)) => Err(error),
        Err(Rejected::Ignore(reason)) => Ok(ExtendedMessage::Ignored {
            id,
            payload,
            reason,
        }),
    }
}

/// A one-byte boolean payload (`upload_only`, `share_mode`).
fn flag(payload: &[u8]) -> Result<bool, Rejected> {
    match payload {
        [value] => Ok(*value != 0),
        _ => Err(Rejected::Ignore("payload is not 1 byte")),
    }
}

/// Appends the extended id (from the peer's `remote` map) and the payload of `message`.
pub(crate) fn encode(
    message: &ExtendedMessage,
    remote: &ExtensionIds,
    out: &mut Vec<u8>,
) -> Result<(), ApiMisuse> {
    let id_of = |extension: ExtensionKind| {
        remote
            .get(extension)
            .ok_or(ApiMisuse::ExtensionNotSupported { extension })
    };
    match message {
        ExtendedMessage::Handshake(handshake) => {
            out.put_u8(0);
            handshake.encode(out);
        }
        ExtendedMessage::Metadata(metadata) => {
            out.put_u8(id_of(ExtensionKind::Metadata)?);
            metadata.encode(out);
        }
        ExtendedMessage::Pex(pex) => {
            out.put_u8(id_of(ExtensionKind::Pex)?);
            pex.encode(out);
        }
        ExtendedMessage::UploadOnly(enabled) => {
            out.put_u8(id_of(ExtensionKind::UploadOnly)?);
            out.put_u8(u8::from(*enabled));
        }
        ExtendedMessage::ShareMode(enabled) => {
            out.put_u8(id_of(ExtensionKind::ShareMode)?);
            out.put_u8(u8::from(*enabled));
        }
        ExtendedMessage::DontHave { piece } => {
            out.put_u8(id_of(ExtensionKind::DontHave)?);
            out.put_u32(*piece);
        }
        ExtendedMessage::Holepunch(holepunch) => {
            out.put_u8(id_of(ExtensionKind::Holepunch)?);
            holepunch.encode(out);
        }
        ExtendedMessage::Ignored { id, payload, .. } | ExtendedMessage::Unknown { id, payload } => {
            out.put_u8(*id);
            out.extend_from_slice(payload);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_ids_are_libtorrents() {
        let ids = ExtensionIds::default();
        for kind in ExtensionKind::ALL {
            assert_eq!(ids.get(kind), Some(kind.libtorrent_id()));
            assert_eq!(ids.kind_of(kind.libtorrent_id()), Some(kind));
            assert_eq!(ExtensionKind::from_name(kind.name()), Some(kind));
        }
        assert_eq!(ids.kind_of(0), None);
        assert_eq!(ids.kind_of(5), None);
    }

    #[test]
    fn zero_turns_an_extension_off() {
        let mut ids = ExtensionIds::default();
        ids.set(ExtensionKind::Pex, 0);
        assert_eq!(ids.get(ExtensionKind::Pex), None);
        assert_eq!(ids.kind_of(1), None);
        let mut handshake = ExtendedHandshake::default();
        ids.advertise(&mut handshake);
        assert!(!handshake.extensions.contains_key("ut_pex"));
        assert_eq!(ExtensionIds::from_handshake(&handshake), ids);
    }

    #[test]
    fn encoding_needs_the_peers_support() {
        let message = ExtendedMessage::DontHave { piece: 3 };
        let mut out = Vec::new();
        assert_eq!(
            encode(&message, &ExtensionIds::none(), &mut out),
            Err(ApiMisuse::ExtensionNotSupported {
                extension: ExtensionKind::DontHave
            })
        );
    }
}
