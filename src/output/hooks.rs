//! `hooks list`: the handlers events would run, in order.

use serde::{Serialize, Serializer};

use crate::events::hooks::Discovery;

/// The configured commands and what hook discovery found.
pub(crate) struct HooksView<'a> {
    pub(crate) command: &'a str,
    pub(crate) subscribe_command: &'a str,
    pub(crate) discovery: &'a Discovery,
}

impl HooksView<'_> {
    /// The shell command, every hook by full path in run order; with `all` then the
    /// shadowed and disabled ones with the reason.
    pub(crate) fn lines(&self, all: bool) -> String {
        let mut text = String::new();
        if !self.command.is_empty() {
            text.push_str(&format!("/bin/sh -c {}\n", self.command));
        }
        for hook in &self.discovery.run {
            text.push_str(&format!("{}\n", hook.path.display()));
        }
        if !all {
            return text;
        }
        for s in &self.discovery.shadowed {
            text.push_str(&format!(
                "{}\tshadowed by {}\n",
                s.path.display(),
                s.by.display()
            ));
        }
        for d in &self.discovery.disabled {
            text.push_str(&format!("{}\tdisabled\n", d.path.display()));
        }
        text
    }
}

impl Serialize for HooksView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let set = |c: &str| (!c.is_empty()).then(|| c.to_string());
        serde_json::json!({
            "command": set(self.command),
            "subscribe_command": set(self.subscribe_command),
            "hooks": self.discovery.run,
            "shadowed": self.discovery.shadowed,
            "disabled": self.discovery.disabled,
        })
        .serialize(serializer)
    }
}
