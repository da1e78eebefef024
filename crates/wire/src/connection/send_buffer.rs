//! The bytes a connection has encoded but not yet handed to its owner.
//!
//! [`PeerConnection::poll_transmit`](crate::PeerConnection::poll_transmit) hands out at most
//! [`TRANSMIT_BATCH_BYTES`] at a time, so what the socket cannot take stays here, where the
//! connection can see it: its length is the send buffer that the upload watermark counts.

/// `poll_transmit` tops the caller's buffer up to this many bytes.
pub(crate) const TRANSMIT_BATCH_BYTES: usize = 64 * 1024;

/// A byte queue: messages are appended at the back, the owner takes from the front.
#[derive(Debug, Clone, Default)]
pub(crate) struct SendBuffer {
    bytes: Vec<u8>,
    /// How many bytes at the front were already taken.
    start: usize,
}

impl SendBuffer {
    /// Bytes waiting to be taken.
    pub(crate) fn len(&self) -> usize {
        self.bytes.len() - self.start
    }

    /// The buffer to encode into (append only).
    pub(crate) fn tail(&mut self) -> &mut Vec<u8> {
        &mut self.bytes
    }

    /// Moves bytes to `out` until it holds `limit` bytes or this buffer is empty; returns how
    /// many moved.
    pub(crate) fn take_into(&mut self, out: &mut Vec<u8>, limit: usize) -> usize {
        let count = limit.saturating_sub(out.len()).min(self.len());
        let end = self.start + count;
        if let Some(chunk) = self.bytes.get(self.start..end) {
            out.extend_from_slice(chunk);
        }
        self.start = end;
        if self.start == self.bytes.len() {
            self.bytes.clear();
            self.start = 0;
        } else if self.start > self.bytes.len() / 2 {
            self.bytes.drain(..self.start);
            self.start = 0;
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hands_out_in_order_up_to_the_limit() {
        let mut buffer = SendBuffer::default();
        buffer.tail().extend(0..=9u8);
        let mut out = vec![42];
        assert_eq!(buffer.take_into(&mut out, 4), 3);
        assert_eq!(out, [42, 0, 1, 2]);
        assert_eq!(buffer.take_into(&mut out, 4), 0);
        out.clear();
        buffer.tail().push(10);
        assert_eq!(buffer.take_into(&mut out, 100), 8);
        assert_eq!(out, [3, 4, 5, 6, 7, 8, 9, 10]);
        assert_eq!(buffer.len(), 0);
    }
}
