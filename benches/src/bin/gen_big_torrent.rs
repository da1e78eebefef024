//! Writes the synthetic benchmark torrent: `gen_big_torrent OUT [NFILES]` (default 100,000
//! files, about 10 MB).
use anyhow::Context as _;
use lt_benches::gen;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let out = args.next().context("usage: gen_big_torrent OUT [NFILES]")?;
    let files = args
        .next()
        .map_or(Ok(gen::DEFAULT_FILES), |text| text.parse())
        .context("NFILES must be a number")?;
    let (bytes, summary) = gen::big_torrent(files, gen::TORRENT_SEED)?;
    std::fs::write(&out, &bytes).with_context(|| format!("writing {out}"))?;
    println!(
        "{out}: {} bytes, {} files, {} pieces",
        bytes.len(),
        summary.files,
        summary.pieces
    );
    Ok(())
}
