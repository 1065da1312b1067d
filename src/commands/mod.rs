//! One file per command group: arguments in, a core call, output out.

mod apply;
mod cache;
mod config;
mod endorser;
mod events;
mod image;
mod import_legacy;
mod status;
mod subscribe;
mod sync;
mod verify;

use crate::cli::{Cli, Command, Format};
use crate::config::{Config, Environment, Source};
use crate::db::{Access, Db};
use crate::error::{Error, Result};
use crate::fetch::{Fetcher, ProxyConfig};
use crate::services::Services;
use crate::trust::TrustStore;

/// What every command gets: the effective configuration and the output format.
pub(crate) struct Context {
    pub config: Config,
    pub format: Format,
    /// The format came from `VMCATCHER_OUTPUT_FORMAT` rather than `-f`.
    pub format_from_env: bool,
    /// The environment captured at start: PATH and the proxies are read from here, never
    /// from the process, so what `config show` and the tests see is what runs.
    pub env: Environment,
    /// `-q` given: results meant for people (progress, per-list lines) are not printed.
    pub quiet: bool,
}

impl Context {
    /// Opens the configured database, which must exist, for changes.
    pub(crate) fn open_db(&self) -> Result<Db> {
        self.database(Access::Write)
    }

    /// Opens the configured database read-only; it must exist.
    pub(crate) fn read_db(&self) -> Result<Db> {
        self.database(Access::Read)
    }

    /// Opens the configured database, creating it when missing (`subscribe add`,
    /// `endorser create`).
    pub(crate) fn create_db(&self) -> Result<Db> {
        self.database(Access::Create)
    }

    /// A scratch copy of the configured database for a dry run to change, at the current
    /// schema as the real run would migrate it; an empty one when the database does not
    /// exist yet and `or_empty` (a declared site's first run), else the error a read gives.
    pub(crate) fn scratch_db(&self, or_empty: bool) -> Result<crate::db::ScratchCopy> {
        let path = &self.config.database.value.path;
        if path.exists() {
            Db::scratch_copy_of(path)
        } else if or_empty {
            Db::scratch_empty()
        } else {
            self.read_db()?.scratch_copy()
        }
    }

    /// Opens the configured database, saying so when it is the built-in default.
    fn database(&self, access: Access) -> Result<Db> {
        let database = &self.config.database;
        if database.source == Source::Default {
            tracing::info!(
                "using the default database {}",
                database.value.path.display()
            );
        }
        Db::open_with(&database.value.path, access)
    }

    /// Loads the trust directory and bundles what fetching and verifying lists needs.
    pub(crate) fn services<'a>(&'a self, fetcher: &'a dyn Fetcher) -> Result<Services<'a>> {
        let cert_dir = &self.config.cert_dir;
        if cert_dir.source == Source::Default {
            tracing::info!(
                "using the default trust directory {}",
                cert_dir.value.display()
            );
        }
        let trust = TrustStore::load(&cert_dir.value).map_err(|e| Error::Config(e.to_string()))?;
        Ok(Services {
            config: &self.config,
            trust,
            fetcher,
            proxy: ProxyConfig::from_lookup(|name| self.env.get(name).map(str::to_string)),
        })
    }

    /// Warns when a command changes what the configuration declares (the subscription
    /// at `url`, the endorser `endorser`, or the image selection of `url` when
    /// `selection`): the next `apply` or `sync` puts the declared state back.
    pub(crate) fn note_declared(&self, url: Option<&str>, endorser: Option<&str>, selection: bool) {
        let Ok(declared) = crate::declare::load(&self.config) else {
            return; // `apply` and `sync` report a bad declaration
        };
        let subscription = url
            .and_then(|u| declared.subscription(u))
            .filter(|s| !selection || s.selection != crate::declare::Selection::Untouched);
        let (what, origin) = match (subscription, endorser.and_then(|e| declared.endorser(e))) {
            (Some(s), _) => (
                format!("subscription {}", crate::fetch::redact_url(&s.url)),
                &s.origin,
            ),
            (None, Some(e)) => (format!("endorser '{}'", e.id), &e.origin),
            (None, None) => return,
        };
        tracing::warn!(
            "{what} is declared at {origin}: the next 'vmcatcher apply' or 'sync' puts back \
             what the declaration says; change the declaration instead"
        );
    }

    /// Takes the run lock beside the database (`sync`, `cache`, `subscribe update`).
    pub(crate) fn lock(&self, db: &Db) -> Result<crate::lock::RunLock> {
        let timeout = std::time::Duration::from_secs(self.config.lock_timeout.value);
        crate::lock::acquire(db.path(), timeout)
    }

    /// The event dispatcher of a run; `cache` adds the directory variables of cache events.
    pub(crate) fn dispatcher(&self, db: &Db, cache: bool) -> Result<crate::events::Dispatcher> {
        let c = &self.config;
        let variables = cache.then(|| crate::events::CacheVariables {
            cache_dir: c.cache.dir.value.display().to_string(),
            partial_dir: c.cache.partial_dir.value.display().to_string(),
            expired_dir: c.cache.expired_dir.value.display().to_string(),
            database: c.database.value.given.clone(),
        });
        crate::events::Dispatcher::new(c, db.path(), variables, self.env.get("PATH"))
    }

    /// The dispatcher of a run that sends events, after delivering what earlier runs
    /// left pending (they come first, in order).
    pub(crate) fn start_events(&self, db: &Db, cache: bool) -> Result<crate::events::Dispatcher> {
        let events = self.dispatcher(db, cache)?;
        events.retry_pending()?;
        Ok(events)
    }

    /// Refuses the formats a listing has no use for; from `VMCATCHER_OUTPUT_FORMAT`
    /// (set for `subscribe show` of the original) they fall back to `lines` with a note.
    pub(crate) fn record_format(&self) -> Result<Format> {
        match self.format {
            Format::Lines | Format::Json => Ok(self.format),
            other if self.format_from_env => {
                tracing::info!(
                    "VMCATCHER_OUTPUT_FORMAT={} does not apply to this command: printing lines",
                    format_name(other)
                );
                Ok(Format::Lines)
            }
            Format::Prometheus => Err(Error::Usage(
                "format 'prometheus' is only for 'status'; use lines or json here".to_string(),
            )),
            other => Err(Error::Usage(format!(
                "format '{}' is only for 'subscribe show'; use lines or json here",
                format_name(other)
            ))),
        }
    }
}

pub(crate) fn format_name(format: Format) -> &'static str {
    match format {
        Format::Lines => "lines",
        Format::Json => "json",
        Format::Message => "message",
        Format::Smime => "smime",
        Format::Prometheus => "prometheus",
    }
}

/// Runs the parsed command.
pub(crate) fn dispatch(cli: Cli, config: Config, env: &Environment) -> Result<()> {
    let ctx = Context {
        config,
        format: cli.global.format,
        format_from_env: cli.global.format_from_env,
        env: env.clone(),
        quiet: cli.global.quiet > 0,
    };
    let Some(command) = cli.command else {
        return Ok(()); // `run` answers --version and a missing command itself
    };
    match command {
        Command::Endorser(cmd) => endorser::run(&ctx, cmd),
        Command::Config(cmd) => config::run(&ctx, cmd),
        Command::Subscribe(cmd) => subscribe::run(&ctx, cmd),
        Command::Image(cmd) => image::run(&ctx, cmd),
        Command::Cache(args) => cache::run(&ctx, args, env),
        Command::Sync(args) => sync::run(&ctx, args.dry_run),
        Command::Apply { dry_run, prune } => apply::run(&ctx, dry_run, prune),
        Command::Status { nagios } => status::run(&ctx, nagios),
        Command::Events(cmd) => events::run(&ctx, cmd),
        Command::Hooks(cmd) => events::hooks(&ctx, cmd),
        Command::ImportLegacy { from, dry_run } => import_legacy::run(&ctx, from, dry_run),
        Command::Verify {
            source,
            tls_anchors,
        } => verify::run(&ctx, &source, tls_anchors),
        // Handled in `run` before the configuration is loaded.
        Command::Completions { .. } | Command::Generate { .. } => Ok(()),
    }
}
