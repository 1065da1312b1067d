//! Events: what vmcatcher tells the cloud about. The types and their spelling are the
//! original's contract (original-behaviour.md §6.1).

mod dispatch;
mod environment;
pub(crate) mod hooks;
mod runner;
mod stale;

use std::fmt;

pub(crate) use dispatch::{Dispatcher, Pass};
pub(crate) use environment::CacheVariables;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    ProcessPrefix,
    ProcessPostfix,
    ExpirePrefix,
    ExpirePostfix,
    AvailablePrefix,
    AvailablePostfix,
    SubscriptionImageNew,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::ProcessPrefix => "ProcessPrefix",
            EventType::ProcessPostfix => "ProcessPostfix",
            EventType::ExpirePrefix => "ExpirePrefix",
            EventType::ExpirePostfix => "ExpirePostfix",
            EventType::AvailablePrefix => "AvailablePrefix",
            EventType::AvailablePostfix => "AvailablePostfix",
            EventType::SubscriptionImageNew => "SubscriptionImageNew",
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
