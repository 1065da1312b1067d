//! Delivering events: for each event, the configured shell command, then every hook, in
//! order; each delivery journaled, failures retried by later runs (at-least-once).

use std::collections::HashSet;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::Transaction;

use serde_json::{Map, Value};

use super::environment::{event_variables, CacheVariables};
use super::hooks::{discover, Discovery};
use super::runner::{self, Program};
use super::EventType;
use crate::config::Config;
use crate::db::journal::{self, EventRecord, NewEventOwned, DELIVERED, FAILED, PENDING};
use crate::db::{Access, Db};
use crate::error::Result;

/// Handler names in the journal: the shell command is `sh -c <command>`, a hook its name.
const SHELL: &str = "sh -c ";

/// Sends the events of one run. Every event goes through the journal: it is written
/// first (in the transaction of its cause where there is one), then delivered from there.
pub struct Dispatcher {
    journal: Mutex<Db>,
    /// Deliveries tried by this run: a failure waits for the next run, not the next event.
    attempted: Mutex<HashSet<i64>>,
    /// One delivery pass at a time, so events reach handlers in journal order.
    delivering: Mutex<()>,
    session: String,
    cache: Option<CacheVariables>,
    command: String,
    subscribe_command: String,
    hooks: Discovery,
    timeout: Duration,
    max_tries: u32,
    /// False for a dry run: nothing is journaled, nothing delivered.
    sends: bool,
}

impl Dispatcher {
    /// `cache` carries the directories for cache events; `None` for runs without a cache.
    pub fn new(
        config: &Config,
        database: &Path,
        cache: Option<CacheVariables>,
        path: Option<&str>,
    ) -> Result<Dispatcher> {
        let events = &config.events;
        Ok(Dispatcher {
            journal: Mutex::new(Db::open_with(database, Access::Write)?),
            attempted: Mutex::new(HashSet::new()),
            delivering: Mutex::new(()),
            session: uuid::Uuid::new_v4().to_string(),
            cache,
            command: events.command.value.clone(),
            subscribe_command: events.subscribe_command.value.clone(),
            hooks: discover(&events.hook_dirs.value, path, &events.disabled.value),
            timeout: Duration::from_secs(events.timeout.value),
            max_tries: events.max_tries.value,
            sends: true,
        })
    }

    /// A dispatcher with no handlers that never delivers, for a dry run on a copy of the
    /// database: what would be sent stays unsent, also the earlier runs' pending events.
    pub fn silent(database: &Path) -> Result<Dispatcher> {
        Ok(Dispatcher {
            journal: Mutex::new(Db::open_with(database, Access::Write)?),
            attempted: Mutex::new(HashSet::new()),
            delivering: Mutex::new(()),
            session: uuid::Uuid::new_v4().to_string(),
            cache: None,
            command: String::new(),
            subscribe_command: String::new(),
            hooks: Discovery::default(),
            timeout: Duration::ZERO,
            max_tries: 0,
            sends: false,
        })
    }

    /// The handler names for an event type, in run order.
    fn handlers(&self, event: EventType) -> Vec<String> {
        let command = match event {
            EventType::SubscriptionImageNew => &self.subscribe_command,
            _ => &self.command,
        };
        let mut handlers = Vec::new();
        if !command.trim().is_empty() {
            handlers.push(format!("{SHELL}{command}"));
        }
        handlers.extend(self.hooks.run.iter().map(|h| h.name.clone()));
        handlers
    }

    fn program(&self, handler: &str) -> Option<Program> {
        if let Some(command) = handler.strip_prefix(SHELL) {
            return Some(Program::Shell(command.to_string()));
        }
        self.hooks
            .run
            .iter()
            .find(|h| h.name == handler)
            .map(|h| Program::Hook(h.path.clone()))
    }

    /// Delivers every deliverable pending delivery not yet tried by this run, in journal
    /// order: what earlier runs left and what this run journaled. Returns how many did not
    /// succeed (still pending or given up).
    pub fn deliver_pending(&self) -> Result<usize> {
        self.deliver_journal(false)
    }

    /// One delivery pass; `earlier_runs` says so in the log when there is anything to do.
    fn deliver_journal(&self, earlier_runs: bool) -> Result<usize> {
        if !self.sends {
            return Ok(0);
        }
        let _one_pass = self
            .delivering
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let pending: Vec<_> = {
            let attempted = self
                .attempted
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            self.journal()
                .deliverable()?
                .into_iter()
                .filter(|d| !attempted.contains(&d.id))
                .collect()
        };
        if earlier_runs && !pending.is_empty() {
            tracing::info!(
                "delivering {} pending event(s) of earlier runs",
                pending.len()
            );
        }
        let mut left = 0;
        for delivery in &pending {
            self.attempted
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .insert(delivery.id);
            if self.deliver(
                delivery.id,
                &delivery.handler,
                &delivery.event_type,
                &delivery.environment,
            ) != DELIVERED
            {
                left += 1;
            }
        }
        Ok(left)
    }

    /// At the start of a run: what earlier runs left pending, with a note.
    pub fn retry_pending(&self) -> Result<usize> {
        self.deliver_journal(true)
    }

    /// The journal record of an event, with the handlers it goes to now; `None` when no
    /// handler would run (nothing to journal).
    pub fn record(&self, event: EventType, metadata: &Map<String, Value>) -> Option<EventRecord> {
        let handlers = self.handlers(event);
        if handlers.is_empty() {
            tracing::debug!("event {event}: no handlers");
            return None;
        }
        let text = |key: &str| {
            metadata
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        Some(EventRecord {
            event: NewEventOwned {
                session: self.session.clone(),
                event_type: event.as_str(),
                image: text("dc:identifier").or_else(|| text("uuid")),
                subscription: text("hv:imagelist.dc:identifier"),
                environment: event_variables(event, metadata, &self.session, self.cache.as_ref()),
            },
            handlers,
        })
    }

    /// Runs `f` in one write transaction of the journal's connection (a cache operation
    /// and its events).
    pub fn journal_with<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        self.journal().write(f)
    }

    /// The cache operation is done: its held events become deliverable.
    pub fn finish_operation(&self, id: i64) -> Result<()> {
        self.journal().finish_operation(id)
    }

    /// The cache operation cannot be done: it goes with its held events.
    pub fn cancel_operation(&self, id: i64) -> Result<()> {
        self.journal().cancel_operation(id)
    }

    /// The cache operations earlier runs left unfinished.
    pub fn operations(&self) -> Result<Vec<journal::CacheOperation>> {
        self.journal().operations()
    }

    /// Journals an event without a cause of its own (ProcessPrefix…) and delivers it.
    pub fn emit(&self, event: EventType, metadata: &Map<String, Value>) {
        if let Some(record) = self.record(event, metadata) {
            if let Err(e) = self.journal().journal_event(&record) {
                tracing::error!("cannot journal event {event}: {e}");
            }
        }
        self.deliver_now();
    }

    /// Delivers what is pending; a journal failure is logged, never fatal to the run.
    pub fn deliver_now(&self) {
        if let Err(e) = self.deliver_pending() {
            tracing::error!("cannot read the event journal: {e}");
        }
    }

    fn journal(&self) -> std::sync::MutexGuard<'_, Db> {
        self.journal
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs one handler once and journals the outcome; returns the delivery state.
    fn deliver(
        &self,
        delivery_id: i64,
        handler: &str,
        event_type: &str,
        vars: &std::collections::BTreeMap<String, String>,
    ) -> &'static str {
        let error = match self.program(handler) {
            None => {
                tracing::error!(
                    "Event '{event_type}': '{handler}' is no longer installed or was disabled"
                );
                Some(format!("{handler} is no longer installed or was disabled"))
            }
            Some(program) => match runner::run(&program, event_type, vars, self.timeout) {
                Err(e) => {
                    tracing::error!("Event '{event_type}': '{handler}' cannot be started: {e}");
                    Some(format!("cannot be started: {e}"))
                }
                Ok(finished) => {
                    let failure = finished.failure();
                    match &failure {
                        None => tracing::debug!(
                            "event '{event_type}' executed '{handler}' in {:.1} s",
                            finished.elapsed.as_secs_f64()
                        ),
                        Some(why) => {
                            tracing::error!(
                                "Event '{event_type}' executed '{handler}' with {why}."
                            );
                        }
                    }
                    for (name, text) in [("stdout", &finished.stdout), ("stderr", &finished.stderr)]
                    {
                        if text.trim().is_empty() {
                            continue;
                        }
                        if failure.is_some() {
                            tracing::info!("{handler} {name}={}", text.trim_end());
                        } else {
                            tracing::debug!("{handler} {name}={}", text.trim_end());
                        }
                    }
                    failure
                }
            },
        };
        match self
            .journal()
            .record_delivery(delivery_id, error.as_deref(), self.max_tries)
        {
            Ok(state) => {
                if state == FAILED {
                    tracing::error!(
                        "giving up delivering event '{event_type}' to '{handler}' after {} tries",
                        self.max_tries
                    );
                }
                state
            }
            Err(e) => {
                tracing::error!("cannot record the delivery of '{event_type}' to '{handler}': {e}");
                PENDING
            }
        }
    }
}
