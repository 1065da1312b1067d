//! Delivering events: for each event, the configured shell command, then every hook, in
//! order; each delivery journaled, failures retried by later runs (at-least-once).

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{Map, Value};

use super::environment::{event_variables, CacheVariables};
use super::hooks::{discover, Discovery};
use super::runner::{self, Program};
use super::{EventSink, EventType};
use crate::config::Config;
use crate::db::journal::{NewEvent, DELIVERED, FAILED, PENDING};
use crate::db::{Access, Db};
use crate::error::Result;

/// Handler names in the journal: the shell command is `sh -c <command>`, a hook its name.
const SHELL: &str = "sh -c ";

/// Sends the events of one run.
pub struct Dispatcher {
    journal: Mutex<Db>,
    session: String,
    cache: Option<CacheVariables>,
    command: String,
    subscribe_command: String,
    hooks: Discovery,
    timeout: Duration,
    max_tries: u32,
}

impl Dispatcher {
    /// `cache` carries the directories for cache events; `None` for runs without a cache.
    pub fn new(
        config: &Config,
        database: &Path,
        cache: Option<CacheVariables>,
    ) -> Result<Dispatcher> {
        let events = &config.events;
        let path = std::env::var("PATH").ok();
        Ok(Dispatcher {
            journal: Mutex::new(Db::open_with(database, Access::Write)?),
            session: crate::subscription::random_uuid(),
            cache,
            command: events.command.value.clone(),
            subscribe_command: events.subscribe_command.value.clone(),
            hooks: discover(
                &events.hook_dirs.value,
                path.as_deref(),
                &events.disabled.value,
            ),
            timeout: Duration::from_secs(events.timeout.value),
            max_tries: events.max_tries.value,
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

    /// Delivers the deliveries earlier runs left pending, in order. Returns how many did
    /// not succeed this time (still pending or given up).
    pub fn retry_pending(&self) -> Result<usize> {
        let pending = self.journal().deliveries(Some(PENDING))?;
        if !pending.is_empty() {
            tracing::info!(
                "delivering {} pending event(s) of earlier runs",
                pending.len()
            );
        }
        let mut left = 0;
        for delivery in &pending {
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

    fn journal(&self) -> std::sync::MutexGuard<'_, Db> {
        self.journal.lock().unwrap_or_else(|p| p.into_inner())
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
            None => Some(format!("{handler} is no longer installed or was disabled")),
            Some(program) => match runner::run(&program, event_type, vars, self.timeout) {
                Err(e) => Some(format!("cannot be started: {e}")),
                Ok(finished) => {
                    let failure = finished.failure();
                    match &failure {
                        None => tracing::debug!(
                            "event '{event_type}' executed '{handler}' in {:.1} s",
                            finished.elapsed.as_secs_f64()
                        ),
                        Some(why) => {
                            tracing::error!("Event '{event_type}' executed '{handler}' with {why}.")
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

impl EventSink for Dispatcher {
    fn emit(&self, event: EventType, metadata: &Map<String, Value>) {
        let handlers = self.handlers(event);
        let vars = event_variables(event, metadata, &self.session, self.cache.as_ref());
        if handlers.is_empty() {
            tracing::debug!("event {event}: no handlers");
            return;
        }
        let image = metadata
            .get("dc:identifier")
            .or_else(|| metadata.get("uuid"))
            .and_then(Value::as_str);
        let subscription = metadata
            .get("hv:imagelist.dc:identifier")
            .and_then(Value::as_str);
        let recorded = self.journal().journal_event(
            &NewEvent {
                session: &self.session,
                event_type: event.as_str(),
                image,
                subscription,
                environment: &vars,
            },
            &handlers,
        );
        match recorded {
            Ok(ids) => {
                for (id, handler) in ids.into_iter().zip(&handlers) {
                    self.deliver(id, handler, event.as_str(), &vars);
                }
            }
            Err(e) => {
                // Deliver all the same: the journal is for retries, not a gate.
                tracing::error!("cannot journal event {event}: {e}");
                for handler in &handlers {
                    if let Some(program) = self.program(handler) {
                        let _ = runner::run(&program, event.as_str(), &vars, self.timeout);
                    }
                }
            }
        }
    }
}
