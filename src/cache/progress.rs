//! Progress of downloads: bars on a terminal, plain log lines in cron.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::transfer::Progress;

/// Chooses between bars and log lines once per run.
pub struct Reporter {
    bars: Option<MultiProgress>,
    overall: OnceLock<ProgressBar>,
}

impl Reporter {
    /// Bars when stderr is a terminal and the log is not wanted quiet, else log lines.
    pub fn new(show_bars: bool) -> Reporter {
        let bars = (show_bars && std::io::stderr().is_terminal()).then(|| {
            let bars = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
            // Log lines are written above the bars instead of through them.
            crate::logging::draw_above(&bars);
            bars
        });
        Reporter {
            bars,
            overall: OnceLock::new(),
        }
    }

    /// Shows the overall bar: `total` bytes in `count` images.
    pub fn begin(&self, count: usize, total: u64) {
        if let Some(bars) = &self.bars {
            let bar = self.overall.get_or_init(|| {
                let bar = bars.add(ProgressBar::new(total));
                bar.set_style(style(
                    "{prefix:>12} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                ));
                bar
            });
            bar.set_prefix(format!("{count} image(s)"));
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = self.overall.get() {
            bar.finish_and_clear();
        }
    }

    /// The progress of one image.
    pub fn image(&self, id: &str, size: u64) -> ImageProgress {
        let bar = self.bars.as_ref().map(|bars| {
            let bar = bars.add(ProgressBar::new(size));
            bar.set_style(style(
                "{prefix:>12} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            ));
            bar.set_prefix(id.chars().take(12).collect::<String>());
            bar
        });
        ImageProgress {
            id: id.to_string(),
            bar,
            overall: self.overall.get().cloned(),
            started: Instant::now(),
            received: AtomicU64::new(0),
        }
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

pub struct ImageProgress {
    id: String,
    bar: Option<ProgressBar>,
    overall: Option<ProgressBar>,
    started: Instant,
    received: AtomicU64,
}

impl ImageProgress {
    /// Ends the bar, or logs the line cron keeps: size, time and rate.
    pub fn done(&self, ok: bool) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        if ok {
            let bytes = self.received.load(Ordering::Relaxed);
            let secs = self.started.elapsed().as_secs_f64();
            tracing::info!(
                "downloaded '{}': {} in {:.1} s ({}/s)",
                self.id,
                human_bytes(bytes),
                secs,
                human_bytes(rate(bytes, self.started.elapsed()))
            );
        }
    }
}

impl Progress for ImageProgress {
    fn start(&self, total: u64, already: u64) {
        // What a resumed download already had is no part of this run's rate and ETA.
        if let Some(bar) = &self.bar {
            bar.set_length(total);
            bar.set_position(already);
            bar.reset_eta();
        }
        if let Some(bar) = &self.overall {
            bar.inc(already);
            bar.reset_eta();
        }
        if already > 0 {
            tracing::info!(
                "resuming '{}' at {} of {}",
                self.id,
                human_bytes(already),
                human_bytes(total)
            );
        } else {
            tracing::info!("downloading '{}' ({})", self.id, human_bytes(total));
        }
    }

    fn advance(&self, bytes: u64) {
        self.received.fetch_add(bytes, Ordering::Relaxed);
        if let Some(bar) = &self.bar {
            bar.inc(bytes);
        }
        if let Some(bar) = &self.overall {
            bar.inc(bytes);
        }
    }
}

fn rate(bytes: u64, elapsed: Duration) -> u64 {
    let secs = elapsed.as_secs_f64();
    if secs <= 0.0 {
        return bytes;
    }
    (bytes as f64 / secs) as u64
}

/// Bytes for people: `1.50 MiB`.
pub(super) fn human_bytes(bytes: u64) -> String {
    indicatif::HumanBytes(bytes).to_string()
}
