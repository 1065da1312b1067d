//! vmcatcher: keep virtual machine images in step with signed HEPiX image lists.
//!
//! The library holds all logic; `src/main.rs` only parses the command line and maps the
//! error to an exit code. Start at [`run`].

pub mod cache;
pub mod cli;
pub mod commands;
pub mod config;
pub mod db;
pub mod error;
pub mod fetch;
pub mod generate;
pub mod imagelist;
pub mod logging;
pub mod output;
pub mod subscription;
pub mod trust;
pub mod version;

use cli::{Cli, LogFormat};
use config::{Config, Environment, Overrides};
pub use error::{Error, Result};

/// Loads the configuration, sets up logging and runs the command.
pub fn run(cli: Cli) -> Result<()> {
    // These need neither configuration nor database, so a broken setup cannot stop them.
    match &cli.command {
        cli::Command::Completions { shell } => {
            return output::write(generate::completion_script(*shell));
        }
        cli::Command::Generate { what, dir } => {
            return match what {
                cli::Generated::Completions => generate::write_completions(dir),
                cli::Generated::Man => generate::write_man_pages(dir),
            };
        }
        _ => {}
    }
    let env = Environment::from_process();
    let overrides = Overrides {
        config: cli.global.config.clone(),
        database: cli.global.database.clone(),
        cert_dir: cli.global.cert_dir.clone(),
        log_format: cli.global.log_format.map(|f| match f {
            LogFormat::Text => "text".to_string(),
            LogFormat::Json => "json".to_string(),
        }),
        ..Overrides::default()
    };
    let config = Config::load(&overrides, &env)?;
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
    });
    if let Some(file) = &config.legacy_log_conf {
        tracing::warn!(
            "VMCATCHER_LOG_CONF={file} is a Python logging file and is ignored: use -v/-q, \
             VMCATCHER_LOG or [log] in the configuration file"
        );
    }
    commands::dispatch(cli, config, &env)
}
