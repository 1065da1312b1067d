//! The original's command names: the same binary invoked as `vmcatcher_subscribe`,
//! `vmcatcher_image`, `vmcatcher_endorser` or `vmcatcher_cache` (symlinks made by
//! `scripts/install.sh --legacy-names`) takes vmcatcher 0.6.3's options, so existing cron
//! lines and site scripts keep working.
//!
//! Each original command line is translated into one or more `vmcatcher` command lines
//! (an action plus the settings the original's "decorators" change), run in order in this
//! process; the first failure ends the run with its exit code. Output is the `lines`
//! format, which is the original's; exit codes are the original's where they were
//! deliberate (1 for a rejected command line, 2 for an unknown option, the list rules'
//! codes for `-U`), not where they were defects (32 for a refused new image).

mod cache;
mod endorser;
mod image;
mod json;
mod options;
mod subscribe;

use std::ffi::OsString;

use options::{Given, Opt};

/// One of the original's four commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Subscribe,
    Image,
    Endorser,
    Cache,
}

impl Tool {
    /// The tool an `argv[0]` names (its file name), if it is one of the original's.
    pub fn from_argv0(argv0: &std::ffi::OsStr) -> Option<Tool> {
        let name = std::path::Path::new(argv0).file_name()?.to_str()?;
        match name {
            "vmcatcher_subscribe" => Some(Tool::Subscribe),
            "vmcatcher_image" => Some(Tool::Image),
            "vmcatcher_endorser" => Some(Tool::Endorser),
            "vmcatcher_cache" => Some(Tool::Cache),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Tool::Subscribe => "vmcatcher_subscribe",
            Tool::Image => "vmcatcher_image",
            Tool::Endorser => "vmcatcher_endorser",
            Tool::Cache => "vmcatcher_cache",
        }
    }

    fn table(self) -> &'static [Opt] {
        match self {
            Tool::Subscribe => subscribe::OPTIONS,
            Tool::Image => image::OPTIONS,
            Tool::Endorser => endorser::OPTIONS,
            Tool::Cache => cache::OPTIONS,
        }
    }

    fn about(self) -> &'static str {
        match self {
            Tool::Subscribe => {
                "Subscribe to image lists and update them (vmcatcher 0.6.3 options)."
            }
            Tool::Image => "Select images of the lists for the cache (vmcatcher 0.6.3 options).",
            Tool::Endorser => "Manage endorsers and their links (vmcatcher 0.6.3 options).",
            Tool::Cache => "Expire, check and download images (vmcatcher 0.6.3 options).",
        }
    }
}

/// One `vmcatcher` command line to run, and a password to hand it through a pipe
/// (`--password-file /dev/fd/N`) rather than on a command line.
#[derive(Debug, Default)]
pub(crate) struct Step {
    pub args: Vec<String>,
    pub password: Option<String>,
}

impl Step {
    pub(crate) fn new(args: &[&str]) -> Step {
        Step {
            args: args.iter().map(|s| (*s).to_string()).collect(),
            password: None,
        }
    }

    pub(crate) fn arg(mut self, a: impl Into<String>) -> Step {
        self.args.push(a.into());
        self
    }

    pub(crate) fn args(mut self, a: impl IntoIterator<Item = String>) -> Step {
        self.args.extend(a);
        self
    }
}

/// Why a command line was not run: the original's validation message and exit code
/// (1, or 12 for the credential pairings `vmcatcher_endorser -C` rejected).
pub(crate) struct Invalid {
    pub message: String,
    pub code: u8,
}

/// The original's validation failure, exit 1.
pub(crate) fn invalid(message: impl Into<String>) -> Invalid {
    Invalid {
        message: message.into(),
        code: 1,
    }
}

/// Runs the original command `tool` with `args` (without `argv[0]`); returns the exit code.
pub fn run(tool: Tool, args: &[OsString]) -> u8 {
    let prog = tool.name();
    let args: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        print!("{}", options::help(prog, tool.about(), tool.table()));
        return 0;
    }
    if args.iter().any(|a| a == "--version") {
        println!(
            "{prog} (vmcatcher {}, with the options of vmcatcher 0.6.3)",
            env!("CARGO_PKG_VERSION")
        );
        return 0;
    }
    let given = match options::parse(tool.table(), &args) {
        Ok(g) => g,
        Err(message) => {
            eprintln!("Usage: {prog} [options]\n\n{prog}: error: {message}");
            return 2;
        }
    };
    let steps = match tool {
        Tool::Subscribe => subscribe::translate(&given),
        Tool::Image => image::translate(&given),
        Tool::Endorser => endorser::translate(&given),
        Tool::Cache => Ok(cache::translate(&given)),
    };
    let steps = match steps {
        Ok(steps) => steps,
        Err(Invalid { message, code }) => {
            eprintln!("{prog}: error: {message}");
            return code;
        }
    };
    let globals = globals(tool, &given);
    let json = tool != Tool::Cache && wants_json(&given);
    for step in steps {
        if let Some(listing) = json.then(|| original_json(&step)).flatten() {
            let code = match json::print(&listing, given.value("database")) {
                Ok(()) | Err(crate::Error::BrokenPipe) => 0,
                Err(e) => {
                    eprintln!("{prog}: error: {e}");
                    e.exit_code()
                }
            };
            if code != 0 {
                return code;
            }
            continue;
        }
        let code = run_step(prog, &globals, step);
        if code != 0 {
            return code;
        }
    }
    0
}

/// `-f json` (or `VMCATCHER_OUTPUT_FORMAT=json`): the listings come in the original's
/// JSON shapes.
fn wants_json(given: &Given) -> bool {
    given
        .value("format")
        .or_else(|| std::env::var("VMCATCHER_OUTPUT_FORMAT").ok())
        .is_some_and(|f| f.eq_ignore_ascii_case("json"))
}

/// The listing of `step` that the original printed in a JSON shape of its own.
fn original_json(step: &Step) -> Option<json::Listing> {
    let args: Vec<&str> = step.args.iter().map(String::as_str).collect();
    Some(match args.as_slice() {
        ["subscribe", "list"] => json::Listing::Subscriptions,
        ["image", "list"] => json::Listing::Images,
        ["endorser", "list"] => json::Listing::Endorsers,
        ["endorser", "links"] => json::Listing::Links,
        ["subscribe", "show", refs @ ..] => {
            json::Listing::SubscriptionInfo(refs.iter().map(|r| (*r).to_string()).collect())
        }
        ["image", "show", refs @ ..] => {
            json::Listing::ImageInfo(refs.iter().map(|r| (*r).to_string()).collect())
        }
        _ => return None,
    })
}

/// The options every original command has, as `vmcatcher` global options. The original
/// logs at WARNING unless `-v` is given: one `-q` more than ours, so cron stays quiet.
fn globals(tool: Tool, given: &Given) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(db) = given.value("database") {
        out.extend(["--database".to_string(), db]);
    }
    if tool != Tool::Cache {
        if let Some(dir) = given.value("cert-dir") {
            out.extend(["--cert-dir".to_string(), dir]);
        }
        if let Some(format) = given.value("format") {
            out.extend(["--format".to_string(), format]);
        }
    }
    let verbose = given.count("verbose");
    let quiet = given.count("quiet") + 1;
    let net = i16::from(verbose) - i16::from(quiet);
    if net > 0 {
        out.push(format!("-{}", "v".repeat(net as usize)));
    } else if net < 0 {
        out.push(format!("-{}", "q".repeat((-net) as usize)));
    }
    if given.has("log-config") {
        tracing_note(
            "--log-config names a Python logging file, which is ignored: use -v/-q or VMCATCHER_LOG",
        );
    }
    out
}

fn tracing_note(text: &str) {
    // Logging is set up by the first command run; this comes before, so it goes to stderr
    // directly, as the original's own warnings did.
    eprintln!("WARNING: {text}");
}

fn run_step(prog: &str, globals: &[String], step: Step) -> u8 {
    let mut argv: Vec<OsString> = vec!["vmcatcher".into()];
    argv.extend(globals.iter().map(OsString::from));
    argv.extend(step.args.iter().map(OsString::from));
    // The password goes through a pipe this process reads itself: never on a command line
    // or on disk.
    let _pipe = match step.password {
        Some(password) => match password_pipe(&password) {
            Ok((reader, path)) => {
                argv.extend(["--password-file".into(), path.into()]);
                Some(reader)
            }
            Err(e) => {
                eprintln!("{prog}: error: cannot hand the password over: {e}");
                return 1;
            }
        },
        None => None,
    };
    let cli = match crate::cli::Cli::try_parse_args(argv) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return 2;
        }
    };
    match crate::run(cli) {
        Ok(()) | Err(crate::Error::BrokenPipe) => 0,
        Err(crate::Error::Reported(code)) => code,
        Err(e) => {
            eprintln!("{prog}: error: {e}");
            e.exit_code()
        }
    }
}

fn password_pipe(password: &str) -> std::io::Result<(std::io::PipeReader, String)> {
    use std::io::Write;
    use std::os::fd::AsRawFd;
    let (reader, mut writer) = std::io::pipe()?;
    writer.write_all(password.as_bytes())?;
    writer.write_all(b"\n")?;
    drop(writer);
    let path = format!("/dev/fd/{}", reader.as_raw_fd());
    Ok((reader, path))
}

/// "More than one action selected." and "No actions selected", as the original checks.
pub(crate) fn one_action<'a>(
    given: &Given,
    actions: &[&'a str],
) -> Result<Option<&'a str>, Invalid> {
    let chosen: Vec<&str> = actions.iter().copied().filter(|a| given.has(a)).collect();
    match chosen.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        _ => Err(invalid("More than one action selected.")),
    }
}
