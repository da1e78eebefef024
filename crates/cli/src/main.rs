//! `lt`: the command-line face of the lt BitTorrent crates.
//!
//! Each subcommand lives in its own module under `commands/`; this file holds the argument
//! definitions and maps failures to exit codes (2 for bad input, with one `error: …` line).

mod commands;
mod exit;
mod json;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc keeps freed memory for reuse: a download cycles through many short-lived receive
/// buffers, and glibc's malloc handed them back to the kernel only to fault them in again.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// BitTorrent tools built on the lt crates.
#[derive(Debug, Parser)]
#[command(
    name = "lt",
    version,
    about,
    propagate_version = true,
    arg_required_else_help = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the structure of a bencoded file (a .torrent, resume data, a DHT message…).
    ///
    /// Strings that are printable ASCII are shown in quotes, others as hex. On invalid input
    /// prints `error: <message> at byte <offset>` and exits with status 2.
    Bdecode {
        /// The file to decode (`-` reads standard input).
        file: PathBuf,
        /// Print JSON: `{"ok":true,"value":…}` or `{"ok":false,"error":…,"offset":…}`.
        /// Byte strings that are not UTF-8 appear as `{"hex":"…"}` (dictionary keys that are not
        /// UTF-8 as `"hex:…"`); integers outside the 64-bit range as strings of digits.
        #[arg(long)]
        json: bool,
    },
    /// Show what a .torrent file (or magnet link) describes: name, info-hashes, files, pieces,
    /// trackers, web seeds.
    ///
    /// On a torrent libtorrent would reject, prints libtorrent's message and exits with status 2.
    Info {
        /// The .torrent file (or a magnet link).
        torrent: String,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Create a .torrent from a file or a directory (v1, v2 or hybrid).
    ///
    /// The info-hashes are the ones libtorrent 2.x gives for the same files and options.
    Create(commands::create::CreateArgs),
    /// Verify the data of a torrent on disk: every piece is read back and hashed, on all cores.
    ///
    /// Prints pieces verified / total, each file's completion and the speed; exits with status
    /// 2 and one `error: …` line when the data cannot be read.
    Check {
        /// The .torrent file.
        torrent: PathBuf,
        /// The directory the torrent's files are in (its save path).
        dir: PathBuf,
        /// Print one JSON object: `pieces_total`, `pieces_ok`, `files: [{path, size, bytes_ok}]`.
        #[arg(long)]
        json: bool,
    },
    /// Download a torrent from the peers given, with a progress bar.
    ///
    /// Pieces already on disk are checked and kept. Exits with status 0 once every piece is
    /// verified and written; with status 2 and one `error: …` line when the download fails
    /// (no peers, every peer failed, nothing received for too long, a disk error).
    Download(commands::download::DownloadArgs),
    /// Seed a torrent from the files in DIR until interrupted (Ctrl-C), with a status line.
    ///
    /// The files are checked first; peers are accepted on --listen and the --peer addresses
    /// are connected. Prints `listening on ADDR` for each address; exits with status 2 and one
    /// `error: …` line when it cannot listen or read the files.
    Seed(commands::seed::SeedArgs),
    /// Print the magnet link of a .torrent file.
    Magnet {
        /// The .torrent file.
        torrent: PathBuf,
    },
    /// Talk to a tracker: announce (peers, interval) or scrape (seeders, leechers).
    ///
    /// On failure prints libtorrent's message for it (and the tracker's own words, if any) and
    /// exits with status 2.
    #[command(subcommand)]
    Tracker(commands::tracker::TrackerCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Bdecode { file, json } => commands::bdecode::run(&file, json),
        Command::Info { torrent, json } => commands::info::run(&torrent, json),
        Command::Magnet { torrent } => commands::magnet::run(&torrent),
        Command::Create(args) => commands::create::run(&args),
        Command::Download(args) => commands::download::run(&args),
        Command::Seed(args) => commands::seed::run(&args),
        Command::Check { torrent, dir, json } => commands::check::run(&torrent, &dir, json),
        Command::Tracker(command) => commands::tracker::run(&command),
    };
    exit::report(result)
}
