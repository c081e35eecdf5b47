//! The `crmsync` command line: argument parsing, dispatch, and exit codes.
//!
//! ## Layout
//!
//! - this file: the clap definitions, [`run`], [`CliError`] and exit codes.
//! - [`import_cmd`]: `crmsync import` (progress bar, summary, rejects file).
//! - [`dnc_cmd`]: `crmsync dnc …`.
//! - [`misc_cmd`]: `crmsync runs`, `crmsync export` and `crmsync sample`.
//! - [`sync_cmd`]: `crmsync check | discover | pull | push | sync | conflicts`.
//! - [`sandbox_cmd`]: `crmsync sandbox hubspot|salesforce`.

pub mod dnc_cmd;
pub mod import_cmd;
pub mod misc_cmd;
pub mod sandbox_cmd;
pub mod sync_cmd;

use crate::config::{Config, ConfigError};
use crate::export::DncFilter;
use crate::report::table::TableFormat;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: failure.
pub const EXIT_FAILURE: u8 = 1;
/// Exit code: usage or configuration error.
pub const EXIT_USAGE: u8 = 2;
/// Exit code: remote system or network failure.
pub const EXIT_REMOTE: u8 = 3;
/// Exit code: finished, but with rejected rows (or open conflicts).
pub const EXIT_WITH_REJECTS: u8 = 4;

/// CRM sync and data import: spreadsheets and CRMs into SQLite or PostgreSQL.
#[derive(Debug, Parser)]
#[command(name = "crmsync", version, about, long_about = None)]
pub struct Cli {
    /// Configuration file.
    #[arg(
        long,
        global = true,
        default_value = "crmsync.toml",
        value_name = "PATH"
    )]
    pub config: PathBuf,
    /// Database URL: sqlite://PATH (default sqlite://crmsync.db) or postgres://USER@HOST/DB.
    #[arg(
        long,
        global = true,
        env = "CRMSYNC_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub db: Option<String>,
    /// More logging (-v info, -vv debug). Logs go to stderr.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import a CSV or spreadsheet (xlsx, xlsm, xlsb, xls, ods).
    Import(ImportArgs),
    /// Manage the Do-Not-Contact list.
    #[command(subcommand)]
    Dnc(DncCommand),
    /// List past runs with their counts.
    Runs {
        /// How many runs to show.
        #[arg(long, default_value_t = 20)]
        limit: i64,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Write a deterministic, realistically messy sample leads file (CSV or XLSX) to try
    /// crmsync on.
    Sample {
        /// Output file (.csv or .xlsx).
        #[arg(long, value_name = "PATH")]
        out: PathBuf,
        /// Number of data rows.
        #[arg(long, default_value_t = 1_000)]
        rows: u64,
        /// Seed: the same seed writes the same file.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Check a connector's credentials, reachability and quota.
    Check {
        /// Connector name (`[connectors.NAME]`).
        name: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// List a connector's objects and fields (custom ones included).
    Discover {
        /// Connector name.
        name: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Pull from a CRM: a full read the first time, incremental afterwards.
    Pull(sync_cmd::SyncArgs),
    /// Push local changes to a CRM.
    Push(sync_cmd::SyncArgs),
    /// Pull, then push.
    Sync(sync_cmd::SyncArgs),
    /// Show the conflict log.
    Conflicts {
        /// Only this status: open, auto_resolved or resolved.
        #[arg(long)]
        status: Option<String>,
        /// How many to show.
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Start a local CRM emulator with sample data to try crmsync against.
    Sandbox(sandbox_cmd::SandboxArgs),
    /// Export the cleaned, deduplicated records.
    Export {
        /// Output file.
        #[arg(long, value_name = "PATH")]
        out: PathBuf,
        /// Output format (default: from the extension, else csv).
        #[arg(long, value_enum)]
        format: Option<TableFormat>,
        /// Do-Not-Contact records: include, exclude or only.
        #[arg(long, value_enum, default_value = "include")]
        dnc: DncFilter,
    },
}

/// `crmsync import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file to import.
    pub file: PathBuf,
    /// Name of the source system (default: the file name's stem). Re-importing under the same
    /// name updates records in place.
    #[arg(long)]
    pub source: Option<String>,
    /// Column holding each row's id (default: detected, e.g. "Record ID" or "Id"; without one,
    /// keys derive from email, else phone).
    #[arg(long, value_name = "COLUMN")]
    pub key_column: Option<String>,
    /// Map a column to a field, e.g. --map "Badge ID=source_id" (repeatable).
    #[arg(long = "map", value_name = "COLUMN=FIELD")]
    pub map: Vec<String>,
    /// Default phone region for numbers without a country code (ISO 3166, e.g. US, GB).
    #[arg(long)]
    pub region: Option<String>,
    /// Worksheet name or 1-based index (spreadsheets; default: first non-empty sheet).
    #[arg(long)]
    pub sheet: Option<String>,
    /// CSV delimiter (default: sniffed among , ; tab |). Use "tab" for a tab.
    #[arg(long)]
    pub delimiter: Option<String>,
    /// CSV encoding (default: detected; e.g. utf-8, utf-16le, windows-1252).
    #[arg(long)]
    pub encoding: Option<String>,
    /// Show the row-by-row plan without writing anything.
    #[arg(long)]
    pub dry_run: bool,
    /// Print one JSON summary object on stdout.
    #[arg(long)]
    pub json: bool,
    /// Where to write rejected rows (default: next to the database).
    #[arg(long, value_name = "PATH")]
    pub rejects: Option<PathBuf>,
    /// Rows per transaction (default: 2500 on SQLite, 5000 on PostgreSQL).
    #[arg(long, value_name = "N")]
    pub batch_rows: Option<usize>,
}

/// `crmsync dnc …`.
#[derive(Debug, Subcommand)]
pub enum DncCommand {
    /// Import entries from a CSV (value,kind,reason[,source,expires_at]) or a registry file.
    Import {
        /// The file.
        file: PathBuf,
        /// `csv` or `registry` (one phone number per line, e.g. a national DNC download).
        #[arg(long, value_enum, default_value = "csv")]
        format: dnc_cmd::DncFileFormat,
        /// Reason for entries that have none.
        #[arg(long)]
        reason: Option<String>,
        /// Default phone region.
        #[arg(long)]
        region: Option<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Add one entry.
    Add {
        /// Phone number, email address or domain.
        value: String,
        /// Kind (default: guessed from the value).
        #[arg(long, value_enum)]
        kind: Option<dnc_cmd::KindArg>,
        /// Why.
        #[arg(long)]
        reason: Option<String>,
        /// When the entry stops applying (YYYY-MM-DD or RFC 3339).
        #[arg(long)]
        expires: Option<String>,
        /// Default phone region.
        #[arg(long)]
        region: Option<String>,
    },
    /// Check whether a phone, email (or its domain) is on the list.
    Check {
        /// Value to check.
        value: String,
        /// Kind (default: guessed).
        #[arg(long, value_enum)]
        kind: Option<dnc_cmd::KindArg>,
        /// Default phone region.
        #[arg(long)]
        region: Option<String>,
    },
    /// List entries.
    List {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Remove an entry.
    Remove {
        /// Value to remove.
        value: String,
        /// Kind (default: guessed).
        #[arg(long, value_enum)]
        kind: Option<dnc_cmd::KindArg>,
        /// Default phone region.
        #[arg(long)]
        region: Option<String>,
    },
}

/// A command failure, with the exit code it maps to.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Usage or configuration problem.
    #[error("{0}")]
    Usage(String),
    /// Remote or network problem.
    #[error("{0}")]
    Remote(String),
    /// Anything else.
    #[error("{0}")]
    Failure(String),
}

impl CliError {
    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => EXIT_USAGE,
            CliError::Remote(_) => EXIT_REMOTE,
            CliError::Failure(_) => EXIT_FAILURE,
        }
    }
}

impl From<ConfigError> for CliError {
    fn from(e: ConfigError) -> Self {
        CliError::Usage(e.to_string())
    }
}

impl From<crate::store::StoreError> for CliError {
    fn from(e: crate::store::StoreError) -> Self {
        use crate::store::StoreError as S;
        match e {
            S::BadUrl(_) => CliError::Usage(e.to_string()),
            S::Connect { .. } => CliError::Failure(format!(
                "{e}\nCheck that the database server is running and the URL is right \
                 (--db or CRMSYNC_DATABASE_URL)."
            )),
            other => CliError::Failure(other.to_string()),
        }
    }
}

/// Context every command gets.
pub struct Ctx {
    /// Loaded configuration.
    pub config: Config,
    /// Database URL in effect.
    pub db_url: String,
}

/// Run a parsed command line; returns the exit code.
///
/// # Errors
/// [`CliError`] with the exit code to use.
pub async fn run(cli: Cli) -> Result<u8, CliError> {
    let explicit = std::env::args_os()
        .any(|a| a == "--config" || a.to_string_lossy().starts_with("--config="));
    let config = Config::load(&cli.config, explicit)?;
    let db_url = config.database_url(cli.db.as_deref());
    let ctx = Ctx { config, db_url };
    match cli.command {
        Command::Import(args) => import_cmd::run(&ctx, args).await,
        Command::Dnc(cmd) => dnc_cmd::run(&ctx, cmd).await,
        Command::Runs { limit, json } => misc_cmd::runs(&ctx, limit, json).await,
        Command::Export { out, format, dnc } => misc_cmd::export(&ctx, &out, format, dnc).await,
        Command::Sample { out, rows, seed } => misc_cmd::sample(&out, rows, seed).await,
        Command::Check { name, json } => sync_cmd::check(&ctx, &name, json).await,
        Command::Discover { name, json } => sync_cmd::discover(&ctx, &name, json).await,
        Command::Pull(args) => sync_cmd::pull(&ctx, args).await,
        Command::Push(args) => sync_cmd::push_cmd(&ctx, args).await,
        Command::Sync(args) => sync_cmd::sync(&ctx, args).await,
        Command::Conflicts {
            status,
            limit,
            json,
        } => sync_cmd::conflicts(&ctx, status, limit, json).await,
        Command::Sandbox(args) => sandbox_cmd::run(args).await,
    }
}
