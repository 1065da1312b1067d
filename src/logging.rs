//! Diagnostics on stderr through `tracing`: level from the configuration, `-v`/`-q` and
//! `VMCATCHER_LOG`; text for people, JSON for log shippers.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::config::LOG_LEVELS;

pub(crate) struct LogOptions<'a> {
    pub level: &'a str,
    pub verbose: u8,
    pub quiet: u8,
    pub filter: Option<&'a str>,
    pub json: bool,
    pub color: Option<bool>,
}

/// Installs the global subscriber. Safe to call once per process. An invalid
/// `VMCATCHER_LOG` filter is a configuration error (exit 1) rather than silence.
pub(crate) fn init(options: &LogOptions<'_>) -> crate::Result<()> {
    let base = LOG_LEVELS
        .iter()
        .position(|l| *l == options.level)
        .unwrap_or(2) as i32;
    let index = base + i32::from(options.verbose) - i32::from(options.quiet);
    let level = if index < 0 {
        "off"
    } else {
        LOG_LEVELS[(index as usize).min(LOG_LEVELS.len() - 1)]
    };
    let filter = match options.filter.filter(|f| !f.trim().is_empty()) {
        Some(f) => EnvFilter::try_new(f).map_err(|e| {
            crate::Error::Config(format!(
                "VMCATCHER_LOG='{f}' is not a valid filter ({e}): give a level such as \
                 'debug' or directives such as 'vmcatcher=debug,warn', or unset it"
            ))
        })?,
        None => EnvFilter::new(format!("vmcatcher={level},warn")),
    };
    let stderr_is_terminal = std::io::stderr().is_terminal();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| LogWriter)
        .with_target(false);
    let result = if options.json {
        builder.json().try_init()
    } else {
        let ansi = options.color.unwrap_or(stderr_is_terminal);
        // People at a terminal see the time in their prompt; cron logs need it on the line.
        if stderr_is_terminal {
            builder.with_ansi(ansi).without_time().try_init()
        } else {
            builder.with_ansi(ansi).try_init()
        }
    };
    let _ = result; // already installed (tests calling run twice): keep the first
    Ok(())
}

/// The progress bars of this run, if drawn: log lines go above them.
static ACTIVE_BARS: std::sync::OnceLock<indicatif::MultiProgress> = std::sync::OnceLock::new();

/// From now on log lines are written above `bars` rather than through them.
pub(crate) fn draw_above(bars: &indicatif::MultiProgress) {
    let _ = ACTIVE_BARS.set(bars.clone());
}

/// Writes a log line to stderr; while bars are drawn, above them.
fn write_log(line: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let write = || std::io::stderr().lock().write_all(line);
    match ACTIVE_BARS.get() {
        Some(bars) => bars.suspend(write),
        None => write(),
    }
}

/// Stderr for log lines, routed around the progress bars when they are drawn.
struct LogWriter;

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        write_log(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
