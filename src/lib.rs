//! vmcatcher: keep virtual machine images in step with signed HEPiX image lists.
//!
//! The library holds all logic; `src/main.rs` only parses the command line and maps the
//! error to an exit code. Start at [`run`].

pub mod cache;
pub mod cli;
mod commands;
pub mod config;
pub mod db;
mod declare;
pub mod digest;
pub mod error;
mod events;
pub mod fetch;
#[doc(hidden)]
pub mod fuzzing;
mod generate;
pub mod imagelist;
pub mod legacy;
mod lock;
mod logging;
pub mod multicall;
pub mod oci;
mod output;
mod services;
mod status;
pub mod subscription;
mod sync;
pub mod trust;
mod version;

use cli::{Cli, LogFormat};
use config::{Config, Environment, Overrides};
pub use error::{Error, Result};

/// `vmcatcher --version`; with `-v` also the libraries that do the work.
fn version_text(verbose: bool) -> String {
    let mut text = format!("vmcatcher {}\n", env!("CARGO_PKG_VERSION"));
    if verbose {
        text.push_str(&format!(
            "SQLite {}\n{}\n",
            rusqlite::version(),
            openssl::version::version()
        ));
    }
    text
}

/// The command-line layer of the configuration: global flags and the cache flags of
/// `cache` and `sync`.
fn overrides(cli: &Cli) -> Overrides {
    let (dirs, execute) = match &cli.command {
        Some(cli::Command::Cache(args)) => (Some(&args.dirs), args.execute.clone()),
        Some(cli::Command::Sync(args)) => (Some(&args.dirs), args.execute.clone()),
        Some(cli::Command::Subscribe(cli::SubscribeCommand::Update { execute, .. })) => {
            (None, execute.clone())
        }
        Some(cli::Command::Events(cli::EventsCommand::Retry { execute })) => {
            (None, execute.clone())
        }
        _ => (None, None),
    };
    Overrides {
        config: cli.global.config.clone(),
        database: cli.global.database.clone(),
        cert_dir: cli.global.cert_dir.clone(),
        cache_dir: dirs.and_then(|d| d.cache_dir.clone()),
        partial_dir: dirs.and_then(|d| d.partial_dir.clone()),
        expired_dir: dirs.and_then(|d| d.expired_dir.clone()),
        event_command: execute,
        log_format: cli.global.log_format.map(|f| match f {
            LogFormat::Text => "text".to_string(),
            LogFormat::Json => "json".to_string(),
        }),
    }
}

/// Loads the configuration, sets up logging and runs the command.
pub fn run(cli: Cli) -> Result<()> {
    // These need neither configuration nor database, so a broken setup cannot stop them.
    match &cli.command {
        _ if cli.version => return output::write(version_text(cli.global.verbose > 0)),
        None => {
            return Err(Error::Usage(
                "a command is required: 'vmcatcher --help' lists them".into(),
            ))
        }
        Some(cli::Command::Completions { shell }) => {
            return output::write(generate::completion_script(*shell));
        }
        Some(cli::Command::Generate { what, dir }) => {
            return match what {
                cli::Generated::Completions => generate::write_completions(dir),
                cli::Generated::Man => generate::write_man_pages(dir),
            };
        }
        _ => {}
    }
    let env = Environment::from_process();
    let config = Config::load(&overrides(&cli), &env)?;
    logging::init(&logging::LogOptions {
        level: &config.log.level.value,
        verbose: cli.global.verbose,
        quiet: cli.global.quiet,
        filter: env.get("VMCATCHER_LOG"),
        json: config.log.format.value == "json",
        color: match cli.global.color {
            cli::Color::Auto => None,
            cli::Color::Always => Some(true),
            cli::Color::Never => Some(false),
        },
    })?;
    if let Some(file) = &config.legacy_log_conf {
        tracing::warn!(
            "VMCATCHER_LOG_CONF={file} is a Python logging file and is ignored: use -v/-q, \
             VMCATCHER_LOG or [log] in the configuration file"
        );
    }
    commands::dispatch(cli, config, &env)
}
