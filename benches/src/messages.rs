//! The file format for a batch of small messages, shared with the C++ anchor: each message is a
//! 4-byte big-endian length followed by that many bytes.

/// Concatenates `messages` in the length-prefixed format.
///
/// # Panics
/// If a message is 4 GiB or longer.
pub fn write(messages: &[Vec<u8>]) -> Vec<u8> {
    let total: usize = messages.iter().map(|message| message.len() + 4).sum();
    let mut out = Vec::with_capacity(total);
    for message in messages {
        let length = u32::try_from(message.len()).expect("message shorter than 4 GiB");
        out.extend_from_slice(&length.to_be_bytes());
        out.extend_from_slice(message);
    }
    out
}

/// Splits a length-prefixed file back into its messages, borrowing from `data`.
///
/// # Errors
/// When a length runs past the end of `data`.
pub fn read(mut data: &[u8]) -> anyhow::Result<Vec<&[u8]>> {
    let mut messages = Vec::new();
    while !data.is_empty() {
        let Some((prefix, rest)) = data.split_first_chunk::<4>() else {
            anyhow::bail!("truncated length prefix after {} messages", messages.len());
        };
        let length = u32::from_be_bytes(*prefix) as usize;
        anyhow::ensure!(
            rest.len() >= length,
            "message {} claims {length} bytes, {} left",
            messages.len(),
            rest.len()
        );
        let (message, rest) = rest.split_at(length);
        messages.push(message);
        data = rest;
    }
    Ok(messages)
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip() {
        let messages = vec![b"d1:ai1ee".to_vec(), Vec::new(), b"le".to_vec()];
        let file = super::write(&messages);
        assert_eq!(file.len(), 8 + 2 + 3 * 4);
        assert_eq!(super::read(&file).unwrap(), messages);
        assert!(super::read(&file[..file.len() - 1]).is_err());
        assert!(super::read(&file[..2]).is_err());
    }
}
