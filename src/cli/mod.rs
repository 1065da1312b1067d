//! The command line, as clap types only. The core never sees these: `commands/` turns them
//! into calls.

mod cache;
mod complete;
mod config;
mod endorser;
mod image;
mod subscribe;

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

pub use cache::{CacheAction, CacheArgs, CacheDirArgs, SyncArgs};
pub use config::ConfigCommand;
pub use endorser::EndorserCommand;
pub use image::{ImageCommand, ImageSelection};
pub use subscribe::{
    NewImagesArg, RegistryArgs, SubscribeCommand, SubscriptionSettings, TlsAnchorsArg,
};

const AFTER_HELP: &str = "\
Exit codes: 0 success, 1 failure, 2 usage; 'subscribe update' and 'sync' exit with the
code of the last failed subscription (10 fetch, 11 signature, 12 signer mismatch,
13 not authorised, 17 lower version, 31 identifier changed, 33 created in the future,
34 expired, 38 not an image list).";

/// Keep virtual machine images in step with signed HEPiX image lists.
#[derive(Debug, Parser)]
#[command(
    name = "vmcatcher",
    version,
    disable_version_flag = true,
    disable_help_subcommand = true,
    arg_required_else_help = true,
    after_help = AFTER_HELP
)]
pub struct Cli {
    /// Print the version (with -v: also the SQLite and OpenSSL libraries in use)
    #[arg(short = 'V', long, action = ArgAction::SetTrue)]
    pub version: bool,

    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// Parses the process's arguments like `Cli::try_parse`, also noting where the output
    /// format came from (a format only some commands have falls back to `lines` when it
    /// comes from the environment).
    ///
    /// # Errors
    /// The usage error clap prints, as `try_parse` would.
    pub fn try_parse_args(
        args: impl IntoIterator<Item = std::ffi::OsString>,
    ) -> Result<Cli, clap::Error> {
        use clap::{CommandFactory, FromArgMatches};
        let mut command = Cli::command();
        let matches = command.try_get_matches_from_mut(args)?;
        let mut cli = Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut command))?;
        cli.global.format_from_env =
            matches.value_source("format") == Some(clap::parser::ValueSource::EnvVariable);
        Ok(cli)
    }
}

/// Options accepted before or after any subcommand.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Configuration file (default: $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml, then /etc/vmcatcher/vmcatcher.toml)
    #[arg(short = 'c', long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Database: sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path [env: VMCATCHER_RDBMS]
    #[arg(short = 'd', long, global = true, value_name = "URL")]
    pub database: Option<String>,

    /// IGTF trust directory with CA certificates, CRLs and namespace policies [env: VMCATCHER_DIR_CERT]
    #[arg(long, global = true, value_name = "DIR")]
    pub cert_dir: Option<PathBuf>,

    /// Say more (repeat for more detail)
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,

    /// Say less (repeat for less)
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub quiet: u8,

    /// When to colour diagnostics
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto, value_name = "WHEN")]
    pub color: Color,

    /// Log line format, `json` for log shippers
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    pub log_format: Option<LogFormat>,

    /// Output format of records
    #[arg(
        short = 'f',
        long,
        global = true,
        value_enum,
        ignore_case = true,
        env = "VMCATCHER_OUTPUT_FORMAT",
        default_value_t = Format::Lines,
        hide_env_values = true
    )]
    pub format: Format,

    /// `--format` came from `VMCATCHER_OUTPUT_FORMAT`, not from the command line.
    #[arg(skip)]
    pub format_from_env: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// How records are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The original's tab-separated lines and key=value blocks
    Lines,
    /// A documented, stable JSON schema
    Json,
    /// The verified signed content of a list (subscribe show only)
    Message,
    /// The stored raw signed message, byte for byte (subscribe show only)
    Smime,
    /// The Prometheus text exposition format (status only)
    Prometheus,
}

#[derive(Debug, Subcommand)]
#[command(disable_help_subcommand = true)]
pub enum Command {
    /// Manage who may sign image lists
    #[command(subcommand)]
    Endorser(EndorserCommand),

    /// Subscribe to signed image lists and keep them current
    #[command(subcommand)]
    Subscribe(SubscribeCommand),

    /// Choose which images of the lists to keep in the cache
    #[command(subcommand)]
    Image(ImageCommand),

    /// Expire, check and download images: keep the cache in step with the lists
    #[command(
        after_help = "Examples:\n  vmcatcher cache                 # expire, then download\n  vmcatcher cache check           # verify every cached file\n  vmcatcher cache list -f json\n\nVMCATCHER_CACHE_ACTION_DOWNLOAD|CHECK|EXPIRE=1 add steps, as in the original.\nExit code: 1 when any image failed (after trying all the others)."
    )]
    Cache(CacheArgs),

    /// Update every subscription, then expire and download: the job for cron and systemd
    #[command(
        after_help = "Declared endorsers and subscriptions (see 'apply --help') are applied first.\n--dry-run prints the plan and changes nothing.\n\nExit code: 0 when everything succeeded, else the code of the last failed\nsubscription (see 'subscribe update --help'), else 1 when an image failed."
    )]
    Sync(SyncArgs),

    /// Make the database match the endorsers and subscriptions the configuration declares
    #[command(
        after_help = "Declarations: [[endorser]] and [[subscription]] tables in the configuration file
and in conf.d/*.toml beside it (read in name order). Prints each change as it is made:
'+' added, '~' changed (put back as declared), '-' removed, '=' not declared and kept.
What the configuration does not declare stays unless --prune is given. 'sync' applies
the declarations first when there are any (never with --prune)."
    )]
    Apply {
        /// Print the changes and make none (applied to a scratch copy of the database)
        #[arg(short = 'n', long)]
        dry_run: bool,

        /// Also delete the subscriptions and endorsers the configuration does not declare
        #[arg(long)]
        prune: bool,
    },

    /// Check a signed image list without touching the database
    #[command(
        after_help = "Prints each check (signature, chain, each CRL, namespace, dates, hv:dn/hv:ca)
and exits with the code of the first that failed."
    )]
    Verify {
        /// A file, or an https, http or file URL
        #[arg(value_name = "FILE|URL", add = clap_complete::ArgValueCompleter::new(clap_complete::PathCompleter::file()))]
        source: String,

        /// Which certificates may authenticate an https server
        #[arg(long, value_enum, default_value_t = TlsAnchorsArg::Both, value_name = "ANCHORS")]
        tls_anchors: TlsAnchorsArg,
    },

    /// Is everything current? Lists, CRLs, cache, events and the last sync, read only
    #[command(
        after_help = "Each line starts with OK, WARN or CRIT. -f json gives the same as a record,
-f prometheus the Prometheus text format (for the node exporter's textfile collector).

--nagios prints one Nagios plugin line and exits 0 OK, 1 WARNING, 2 CRITICAL or
3 UNKNOWN (the database cannot be read). CRITICAL: a list withdrawn, a CRL missing or
expired for longer than trust.crl_grace, failed event deliveries, or no successful sync
for 48 h. WARNING: a list expiring within status.warn_expiry, a CRL expiring within
24 h (or missing or expired within its grace), pending event deliveries, images given
up after cache.max_tries, or no successful sync recorded."
    )]
    Status {
        /// Print one Nagios plugin line and exit with its code (0, 1, 2, 3)
        #[arg(long)]
        nagios: bool,
    },

    /// Import a vmcatcher 0.6.3 database (read only, never changed) into this one
    #[command(
        name = "import-legacy",
        after_help = "Imports endorsers and credentials, subscriptions (with their new-image policy, TLS
anchors and basic-auth credentials), endorser links, image selections and the stored
signed lists, byte for byte. Rows already here and the same are left alone; a different
one is reported as a conflict and kept. A second import changes nothing and says so.
Every place where 0.6.3 behaved differently (its credential join by row id, dangling
rows) is reported. See docs/migration.md.

Examples:
  vmcatcher import-legacy --from sqlite:////var/lib/vmcatcher/vmcatcher.db --dry-run
  vmcatcher --database /var/lib/vmcatcher/vmcatcher-rs.db import-legacy --from /root/vmcatcher.db"
    )]
    ImportLegacy {
        /// The 0.6.3 database: sqlite:////abs/path.db, sqlite:///rel/path.db or a path (default: VMCATCHER_RDBMS, else the original's sqlite:///vmcatcher.db)
        #[arg(long, value_name = "URL", add = clap_complete::ArgValueCompleter::new(clap_complete::PathCompleter::file()))]
        from: Option<String>,

        /// Print what would be imported; write nothing
        #[arg(long)]
        dry_run: bool,
    },

    /// The event journal: deliveries to handlers, and retrying them
    #[command(subcommand)]
    Events(EventsCommand),

    /// The handlers events run
    #[command(subcommand)]
    Hooks(HooksCommand),

    /// Show the effective configuration
    #[command(subcommand)]
    Config(ConfigCommand),

    /// Print a shell completion script
    #[command(
        after_help = "Example:\n  vmcatcher completions bash > /etc/bash_completion.d/vmcatcher"
    )]
    Completions {
        /// Shell to complete for
        shell: Shell,
    },

    /// Write the committed completions or man pages into a directory (for packagers)
    #[command(hide = true)]
    Generate {
        /// What to generate
        what: Generated,
        /// Directory to write into
        dir: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum EventsCommand {
    /// List deliveries: id, type, image, handler, state, tries
    List {
        /// Only deliveries waiting for a retry
        #[arg(long, conflicts_with = "failed")]
        pending: bool,
        /// Only deliveries given up after events.max_tries
        #[arg(long)]
        failed: bool,
    },

    /// Deliver pending events now
    Retry {
        /// Shell command for pending deliveries to the command handler [env: VMCATCHER_CACHE_EVENT]
        #[arg(short = 'x', long, value_name = "CMD")]
        execute: Option<String>,
    },

    /// Deliver the journaled events in order, without the run lock (for events.delivery =
    /// "deferred": a service of its own, so slow uploads never hold up sync)
    #[command(after_help = "\
Takes only the delivery lock (<database>.deliver.lock): sync and cache go on meanwhile, \
and their new events are delivered in the same pass. Another process delivering already: \
nothing to do, exit 0. An AvailablePostfix whose file was expired or replaced since is \
skipped (state 'skipped', with the reason). Exit 1 when a delivery failed.")]
    Deliver,
}

#[derive(Debug, Subcommand)]
pub enum HooksCommand {
    /// Print the handlers events run, in run order, one full path per line
    List {
        /// Also the hooks that do not run: shadowed (with the hook that wins) and disabled
        #[arg(long)]
        all: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Generated {
    Completions,
    Man,
}
