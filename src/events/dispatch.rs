//! Delivering events: for each event, the configured shell command, then every hook, in
//! order; each delivery journaled, failures retried by later runs (at-least-once).

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::Transaction;

use serde_json::{Map, Value};

use super::environment::{event_variables, CacheVariables};
use super::hooks::{discover, Discovery};
use super::runner::{self, Program};
use super::{stale, EventType};
use crate::config::Config;
use crate::db::journal::{self, EventRecord, NewEventOwned, DELIVERED, FAILED, PENDING, SKIPPED};
use crate::db::{Access, Db};
use crate::error::Result;
use crate::lock::DeliveryLock;

/// Handler names in the journal: the shell command is `sh -c <command>`, a hook its name.
const SHELL: &str = "sh -c ";
/// The name of the shell commands in `[events.handlers.<name>]`.
const SHELL_SETTINGS: &str = "command";

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
    /// `[events.handlers.<name>] timeout`, overriding `timeout` for that handler.
    handler_timeouts: BTreeMap<String, Duration>,
    max_tries: u32,
    /// False for a dry run: nothing is journaled, nothing delivered.
    sends: bool,
    /// False with `events.delivery = "deferred"`: events are journaled for
    /// `vmcatcher events deliver`, not delivered by this run.
    delivers: bool,
    /// Taken for each delivery pass: one process delivers the journal at a time.
    delivery_lock: Mutex<Option<DeliveryLock>>,
    /// Events recorded by this run, for the note of a deferred run.
    recorded: std::sync::atomic::AtomicUsize,
}

/// How a delivery pass went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pass {
    /// Every deliverable delivery was tried; so many did not succeed (still pending, or
    /// given up).
    Done { left: usize },
    /// Another process holds the delivery lock (it delivers what this run journaled).
    Busy(String),
    /// This run does not deliver (a dry run, or deferred delivery).
    NotDelivering,
}

impl Pass {
    /// Deliveries that did not succeed in this pass.
    pub fn left(&self) -> usize {
        match self {
            Pass::Done { left } => *left,
            _ => 0,
        }
    }
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
        let hooks = discover(&events.hook_dirs.value, path, &events.disabled.value);
        warn_unknown_handlers(&events.handler_timeouts.value, &hooks);
        Ok(Dispatcher {
            journal: Mutex::new(Db::open_with(database, Access::Write)?),
            attempted: Mutex::new(HashSet::new()),
            delivering: Mutex::new(()),
            session: uuid::Uuid::new_v4().to_string(),
            cache,
            command: events.command.value.clone(),
            subscribe_command: events.subscribe_command.value.clone(),
            hooks,
            timeout: Duration::from_secs(events.timeout.value),
            handler_timeouts: events
                .handler_timeouts
                .value
                .iter()
                .map(|(name, secs)| (name.clone(), Duration::from_secs(*secs)))
                .collect(),
            max_tries: events.max_tries.value,
            sends: true,
            delivers: !events.deferred(),
            delivery_lock: Mutex::new(Some(DeliveryLock::open(database)?)),
            recorded: std::sync::atomic::AtomicUsize::new(0),
        })
    }

    /// Delivers whatever the delivery mode says: for `events deliver` and `events retry`.
    #[must_use]
    pub fn delivering(mut self) -> Dispatcher {
        self.delivers = self.sends;
        self
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
            handler_timeouts: BTreeMap::new(),
            max_tries: 0,
            sends: false,
            delivers: false,
            delivery_lock: Mutex::new(None),
            recorded: std::sync::atomic::AtomicUsize::new(0),
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
        Ok(self.deliver_journal(false)?.left())
    }

    /// One delivery pass, under the delivery lock: the journal is read again after each
    /// round, so what another run journals meanwhile is delivered too, in order.
    /// `earlier_runs` says so in the log when there is anything to do.
    fn deliver_journal(&self, earlier_runs: bool) -> Result<Pass> {
        if !self.sends || !self.delivers {
            return Ok(Pass::NotDelivering);
        }
        let _one_pass = self
            .delivering
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut lock = self
            .delivery_lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(lock) = lock.as_mut() else {
            return Ok(Pass::NotDelivering);
        };
        let _held = match lock.try_take()? {
            Ok(held) => held,
            Err(busy) => {
                tracing::info!("{busy}: the events are left to it");
                return Ok(Pass::Busy(busy));
            }
        };
        let mut left = 0;
        let mut first_round = true;
        loop {
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
            if pending.is_empty() {
                break;
            }
            if earlier_runs && first_round {
                tracing::info!(
                    "delivering {} pending event(s) of earlier runs",
                    pending.len()
                );
            }
            first_round = false;
            for delivery in &pending {
                self.attempted
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .insert(delivery.id);
                if !matches!(self.deliver(delivery), DELIVERED | SKIPPED) {
                    left += 1;
                }
            }
        }
        Ok(Pass::Done { left })
    }

    /// At the start of a run: what earlier runs left pending, with a note.
    pub fn retry_pending(&self) -> Result<usize> {
        Ok(self.deliver_journal(true)?.left())
    }

    /// `vmcatcher events deliver`: everything deliverable, in journal order.
    pub fn deliver_all(&self) -> Result<Pass> {
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
        self.recorded
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
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

    /// The timeout of one handler.
    fn timeout_of(&self, handler: &str) -> Duration {
        let name = if handler.starts_with(SHELL) {
            SHELL_SETTINGS
        } else {
            handler
        };
        self.handler_timeouts
            .get(name)
            .copied()
            .unwrap_or(self.timeout)
    }

    /// Runs one handler once and journals the outcome; returns the delivery state.
    fn deliver(&self, delivery: &journal::Delivery) -> &'static str {
        let (delivery_id, handler, event_type, vars) = (
            delivery.id,
            delivery.handler.as_str(),
            delivery.event_type.as_str(),
            &delivery.environment,
        );
        // This run's own events name files it has just put in place.
        if delivery.session != self.session {
            if let Some(reason) = stale::reason_to_skip(event_type, vars) {
                tracing::warn!("Event '{event_type}' for '{handler}' {reason}");
                return match self.journal().skip_delivery(delivery_id, &reason) {
                    Ok(()) => SKIPPED,
                    Err(e) => {
                        tracing::error!("cannot record the skipped delivery: {e}");
                        PENDING
                    }
                };
            }
        }
        let mut permanent = false;
        let error = match self.program(handler) {
            None => {
                tracing::error!(
                    "Event '{event_type}': '{handler}' is no longer installed or was disabled"
                );
                Some(format!("{handler} is no longer installed or was disabled"))
            }
            Some(program) => {
                match runner::run(&program, event_type, vars, self.timeout_of(handler)) {
                    Err(e) => {
                        tracing::error!("Event '{event_type}': '{handler}' cannot be started: {e}");
                        Some(format!("cannot be started: {e}"))
                    }
                    Ok(finished) => {
                        let failure = finished.failure();
                        permanent = finished.permanent();
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
                        for (name, text) in
                            [("stdout", &finished.stdout), ("stderr", &finished.stderr)]
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
                }
            }
        };
        match self.journal().record_delivery(
            delivery_id,
            error.as_deref(),
            permanent,
            self.max_tries,
        ) {
            Ok(state) => {
                if state == FAILED && permanent {
                    tracing::error!(
                        "'{handler}' refused event '{event_type}' for good (exit code {}): \
                         not retried",
                        runner::EXIT_PERMANENT
                    );
                } else if state == FAILED {
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

impl Drop for Dispatcher {
    /// A deferred run says where its events went, so nobody waits for hooks that will
    /// run later.
    fn drop(&mut self) {
        let recorded = *self.recorded.get_mut();
        if self.sends && !self.delivers && recorded > 0 {
            tracing::info!(
                "{recorded} event(s) journaled for 'vmcatcher events deliver' \
                 (events.delivery = deferred)"
            );
        }
    }
}

/// A timeout set for a handler that does not exist is most likely a typo: say so, since
/// the handler it was meant for keeps the short default.
fn warn_unknown_handlers(timeouts: &BTreeMap<String, u64>, hooks: &Discovery) {
    for name in timeouts.keys() {
        let known = name == SHELL_SETTINGS
            || hooks.run.iter().any(|h| &h.name == name)
            || hooks.disabled.iter().any(|h| &h.name == name)
            || hooks.shadowed.iter().any(|h| &h.name == name);
        if !known {
            tracing::warn!(
                "[events.handlers.{name}]: no hook of that name is installed (in \
                 events.hook_dirs or PATH), and '{SHELL_SETTINGS}' means the shell commands; \
                 check the name"
            );
        }
    }
}
