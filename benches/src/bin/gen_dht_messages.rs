//! Writes the DHT-like messages for the small-message benchmark: `gen_dht_messages OUT [COUNT]`
//! (default 10,000 messages of about 300 bytes, each prefixed by its 4-byte big-endian length).
use anyhow::Context as _;
use lt_benches::{gen, messages};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let out = args.next().context("usage: gen_dht_messages OUT [COUNT]")?;
    let count = args
        .next()
        .map_or(Ok(gen::DEFAULT_MESSAGES), |text| text.parse())
        .context("COUNT must be a number")?;
    let batch = gen::dht_messages(count, gen::MESSAGES_SEED)?;
    let payload: usize = batch.iter().map(Vec::len).sum();
    std::fs::write(&out, messages::write(&batch)).with_context(|| format!("writing {out}"))?;
    println!(
        "{out}: {count} messages, {payload} bytes of bencoding ({} bytes each on average)",
        payload / count.max(1)
    );
    Ok(())
}
