//! How a command's failure reaches the user: one `error: …` line and an exit status.

use std::process::ExitCode;

/// Exit status for bad input or a failed operation (clap also uses 2 for usage errors).
pub(crate) const FAILURE: u8 = 2;

/// A failure already reported on stdout (JSON mode): exit non-zero without another message.
#[derive(Debug)]
pub(crate) struct Reported;

impl std::fmt::Display for Reported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("failure reported on standard output")
    }
}

impl std::error::Error for Reported {}

/// Prints the error (unless already reported) and turns the result into the exit status.
pub(crate) fn report(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (`lt bdecode big.torrent | head`): nothing left to say.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            if error.downcast_ref::<Reported>().is_none() {
                eprintln!("error: {error:#}");
            }
            ExitCode::from(FAILURE)
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
