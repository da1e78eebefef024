//! `lt bdecode FILE [--json]`.

use std::io::{Read, Write};
use std::path::Path;

use anyhow::Context;
use lt_bencode::DecodeOptions;

use crate::exit::Reported;
use crate::json;

/// Decodes `file` and prints its structure (or JSON).
pub(crate) fn run(file: &Path, as_json: bool) -> anyhow::Result<()> {
    let buffer = read_input(file)?;
    // Accept what a large .torrent needs, as libtorrent's load_torrent does (3,000,000 tokens).
    let options = DecodeOptions {
        token_limit: 3_000_000,
        ..DecodeOptions::default()
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match lt_bencode::bdecode_with(&buffer, &options) {
        Ok(document) => {
            if as_json {
                out.write_all(b"{\"ok\":true,\"value\":")?;
                json::write_node(&mut out, &document.root())?;
                out.write_all(b"}\n")?;
            } else {
                writeln!(
                    out,
                    "{}",
                    lt_bencode::print_entry(&document.root(), false, 0)
                )?;
            }
            out.flush()?;
            Ok(())
        }
        Err(error) if as_json => {
            let message = serde_json::to_string(error.kind.message())?;
            writeln!(
                out,
                "{{\"ok\":false,\"error\":{message},\"offset\":{}}}",
                error.offset
            )?;
            out.flush()?;
            Err(Reported.into())
        }
        Err(error) => Err(anyhow::anyhow!("{} at byte {}", error.kind, error.offset)),
    }
}

fn read_input(file: &Path) -> anyhow::Result<Vec<u8>> {
    if file == Path::new("-") {
        let mut buffer = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buffer)
            .context("cannot read standard input")?;
        return Ok(buffer);
    }
    std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))
}
