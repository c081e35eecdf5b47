//! The `crmsync` binary: parse arguments, set up logging, run, map the outcome to an exit code.
#![forbid(unsafe_code)]

use clap::Parser;
use crmsync::cli::{self, Cli, EXIT_FAILURE};
use std::process::ExitCode;

/// Imports allocate and free millions of small strings across threads (read and normalized
/// on worker threads, written and dropped on the writer); mimalloc does that at a fraction
/// of the system allocator's cost.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let level = match cli.verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    // sqlx warns about every statement that takes over a second; after a large load the
    // index builds always do, and a warning the user cannot act on is noise (CRMSYNC_LOG
    // can still ask for `sqlx::query=warn`).
    let filter = tracing_subscriber::EnvFilter::try_from_env("CRMSYNC_LOG").unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(format!("crmsync={level},sqlx::query=error,warn"))
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    match runtime.block_on(cli::run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}
