//! Completion scripts and man pages, generated from the one CLI definition so they never
//! drift from it. The committed copies in `completions/` and `man/` are checked by a test.

use std::fs;
use std::path::Path;

use clap::CommandFactory;
use clap_complete::env::EnvCompleter;
use roff::{bold, italic, roman, Roff};

use crate::cli::{Cli, Shell};
use crate::error::{Error, Result};

const BIN: &str = "vmcatcher";

/// The completion script for `shell`: it asks `vmcatcher` itself (`COMPLETE=<shell>`)
/// for candidates, so subscription, image and endorser identifiers complete from the
/// database in use and the script never drifts from the binary.
pub(crate) fn completion_script(shell: Shell) -> Vec<u8> {
    let completer: &dyn EnvCompleter = match shell {
        Shell::Bash => &clap_complete::env::Bash,
        Shell::Zsh => &clap_complete::env::Zsh,
        Shell::Fish => &clap_complete::env::Fish,
    };
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = completer.write_registration("COMPLETE", BIN, BIN, BIN, &mut out);
    out
}

/// The file name packagers expect for each shell.
pub(crate) fn completion_file_name(shell: Shell) -> &'static str {
    match shell {
        Shell::Bash => "vmcatcher.bash",
        Shell::Zsh => "_vmcatcher",
        Shell::Fish => "vmcatcher.fish",
    }
}

pub(crate) fn write_completions(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        let path = dir.join(completion_file_name(shell));
        fs::write(&path, completion_script(shell)).map_err(|e| Error::io(&path, e))?;
    }
    Ok(())
}

/// One page for the program and one per subcommand (`vmcatcher-endorser-create.1`).
pub(crate) fn write_man_pages(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut cmd = Cli::command();
    cmd.build();
    write_page(dir, &cmd, BIN)
}

fn write_page(dir: &Path, cmd: &clap::Command, name: &str) -> Result<()> {
    if cmd.is_hide_set() {
        return Ok(());
    }
    let page = cmd.clone().name(name.to_string());
    let mut out = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut out)
        .map_err(|e| Error::Failed(format!("cannot render the man page of {name}: {e}")))?;
    if name == BIN {
        out.extend_from_slice(main_page_sections().as_bytes());
    } else {
        out.extend_from_slice(see_also(&[BIN]).as_bytes());
    }
    let path = dir.join(format!("{name}.1"));
    fs::write(&path, out).map_err(|e| Error::io(&path, e))?;
    for sub in cmd.get_subcommands() {
        write_page(dir, sub, &format!("{name}-{}", sub.get_name()))?;
    }
    Ok(())
}

/// Definition lists of the main page: (section, introduction, [(term, description)]).
type Section = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const SECTIONS: &[Section] = &[
    (
        "CONFIGURATION",
        "Every setting comes from, in order: the command line, the environment, the configuration file, the built-in default; 'vmcatcher config show' prints each with its source. The file is --config FILE or $VMCATCHER_CONFIG (which must exist), else the first that exists of $XDG_CONFIG_HOME/vmcatcher/vmcatcher.toml (not for root) and /etc/vmcatcher/vmcatcher.toml. An unknown key or a wrong type is an error naming the file, the line and the key. Durations are whole seconds.",
        &[
            ("database", "sqlite:////abs/path.db, sqlite:///rel/path.db or a plain path. Default: /var/lib/vmcatcher/vmcatcher.db for root, $XDG_DATA_HOME/vmcatcher/vmcatcher.db otherwise."),
            ("cert_dir", "The IGTF trust directory. Default: /etc/grid-security/certificates."),
            ("lock_timeout", "Seconds a second run waits for the lock. Default: 60."),
            ("cache.dir, cache.partial_dir, cache.expired_dir", "The cache directories. Default: /var/cache/vmcatcher/endorsed for root, $XDG_CACHE_HOME/vmcatcher/endorsed otherwise; partial and expired beside it."),
            ("cache.parallel_downloads", "Images downloaded at once. Default: 2."),
            ("cache.max_tries", "Download requests per image and list version. Default: 5."),
            ("cache.expired_retention_days", "Delete expired files older than this; 0 keeps them. Default: 0."),
            ("http.connect_timeout, http.read_timeout, http.max_redirects", "Transport limits. Defaults: 30, 60 (per read), 10."),
            ("http.transfer_timeout", "Seconds for a whole image list transfer, and for an image up to its response headers; a server dribbling its answer is cut then (exit 10 for a list). Default: 300."),
            ("http.min_rate", "Bytes per second an image download must average over each http.read_timeout window, else it is cut, counted as a failed try and resumed later from the partial file; 0 turns the floor off. Default: 1024."),
            ("events.command, events.subscribe_command", "Shell command run for every event (subscription events: subscribe_command, default command)."),
            ("events.timeout", "Seconds a handler may run before SIGTERM (then SIGKILL). Default: 10."),
            ("events.hook_dirs", "Where vmcatcher-hook-* executables are looked for before PATH. Default: [\"/usr/libexec/vmcatcher/hooks\"]."),
            ("events.disabled", "Hook names not to run."),
            ("events.max_tries", "Deliveries of one event to one handler. Default: 5."),
            ("log.level, log.format", "error, warn, info (default), debug, trace; text (default) or json."),
            ("trust.crl_grace", "Seconds a missing or expired CRL is tolerated before the stored lists it guards are withdrawn: past the CRL's nextUpdate, or since it was first found missing. Default: 86400."),
        ],
    ),
    (
        "WITHDRAWAL",
        "A failed update never takes a stored list away by itself: a failed fetch, a bad fetched list (unsigned, tampered, lower version, already expired, created in the future, another identifier) or an unreadable trust directory fail the update with its exit code and a warning, and the stored list stays in force. The stored list is withdrawn (its images lose state bit 2 and leave the cache) only for definitive reasons:",
        &[
            ("its own dc:date:expires passed", "Checked on every update."),
            ("its signer is revoked or expired", "Revoked by a valid CRL, or the certificate's notAfter passed."),
            ("its signer is no longer an endorser linked to it", "endorser unlink or endorser delete."),
            ("its CA left the trust directory", "Or a namespace policy no longer permits the signer."),
            ("a CRL problem outlasted trust.crl_grace", "A CA's CRL missing or expired for longer than trust.crl_grace (24 hours past nextUpdate, or since first found missing); the message says so. Run fetch-crl."),
        ],
    ),
    (
        "ENVIRONMENT",
        "The variables of the original vmcatcher are honoured; an empty variable counts as unset.",
        &[
            ("VMCATCHER_CONFIG", "The configuration file."),
            ("VMCATCHER_RDBMS", "The database (database)."),
            ("VMCATCHER_DIR_CERT", "The trust directory (cert_dir)."),
            ("VMCATCHER_CACHE_DIR_CACHE, VMCATCHER_CACHE_DIR_DOWNLOAD, VMCATCHER_CACHE_DIR_EXPIRE", "The cache, partial and expired directories."),
            ("VMCATCHER_CACHE_EVENT", "Shell command for every event (events.command)."),
            ("VMCATCHER_SUB_EVENT", "Shell command for subscription events (events.subscribe_command)."),
            ("VMCATCHER_CACHE_ACTION_DOWNLOAD, VMCATCHER_CACHE_ACTION_CHECK, VMCATCHER_CACHE_ACTION_EXPIRE", "Set to 1 to add that step to every 'vmcatcher cache'."),
            ("VMCATCHER_OUTPUT_FORMAT", "Default of -f/--format."),
            ("VMCATCHER_LOG", "A log filter (e.g. debug), overriding -v/-q."),
            ("VMCATCHER_LOG_CONF", "The original's Python logging file: warned about and ignored."),
            ("https_proxy, http_proxy, no_proxy", "Proxies for list and image downloads."),
        ],
    ),
    (
        "EVENTS",
        "For each event vmcatcher runs the shell command (-x, VMCATCHER_CACHE_EVENT/VMCATCHER_SUB_EVENT, events.command) with /bin/sh -c, then every vmcatcher-hook-* executable found in events.hook_dirs and on PATH (first of a name wins, name order) with the event type as its only argument. Events: ProcessPrefix, ExpirePrefix, ExpirePostfix, AvailablePrefix, AvailablePostfix, ProcessPostfix (cache and sync) and SubscriptionImageNew (subscribe update and sync). Handlers get the vmcatcher environment plus the variables below (only those with a value); cache events also get VMCATCHER_CACHE_DIR_CACHE, VMCATCHER_CACHE_DIR_DOWNLOAD, VMCATCHER_CACHE_DIR_EXPIRE and VMCATCHER_RDBMS as in use. plugins/README.md of the source documents the contract in full.",
        &[
            ("VMCATCHER_EVENT_TYPE", "The event."),
            ("VMCATCHER_EVENT_UUID_SESSION", "One identifier per vmcatcher run."),
            ("VMCATCHER_EVENT_DC_IDENTIFIER, VMCATCHER_EVENT_DC_TITLE, VMCATCHER_EVENT_DC_DESCRIPTION", "The image's identifier, title and description."),
            ("VMCATCHER_EVENT_HV_URI, VMCATCHER_EVENT_HV_SIZE, VMCATCHER_EVENT_HV_VERSION, VMCATCHER_EVENT_HV_HYPERVISOR, VMCATCHER_EVENT_HV_FORMAT", "Where it comes from, its size in bytes, version, hypervisor and disk format."),
            ("VMCATCHER_EVENT_SL_ARCH, VMCATCHER_EVENT_SL_OS, VMCATCHER_EVENT_SL_OSVERSION, VMCATCHER_EVENT_SL_COMMENTS, VMCATCHER_EVENT_SL_CHECKSUM_SHA512", "Architecture, operating system, comments and SHA-512."),
            ("VMCATCHER_EVENT_FILENAME", "The image's file name (no directory) in the partial, cache or, for ExpirePostfix, expired directory."),
            ("VMCATCHER_EVENT_IL_DC_IDENTIFIER, VMCATCHER_EVENT_VO, VMCATCHER_EVENT_AD_MPURI", "The image list's identifier, its VO and the image's marketplace URI."),
            ("VMCATCHER_EVENT_IMAGE_JSON", "Cache events: the image's whole entry in its list (hv:image), as one JSON object."),
        ],
    ),
    (
        "FILES",
        "",
        &[
            ("/etc/vmcatcher/vmcatcher.toml", "The system configuration file. As installed it sets database, cert_dir, the cache directories and events.hook_dirs, so root's shell, the systemd unit and the cron job, which all run as root, use the same database and cache."),
            ("/var/lib/vmcatcher/vmcatcher.db", "The database (mode 0600: it may hold HTTP passwords), and vmcatcher.db.lock beside it."),
            ("/var/cache/vmcatcher/endorsed, partial, expired", "The cache directories, each with a cache.index JSON file."),
            ("/etc/grid-security/certificates", "The IGTF trust directory: <hash>.0 CA certificates, <hash>.r0 CRLs (kept fresh by fetch-crl), *.signing_policy and *.namespaces."),
            ("/usr/libexec/vmcatcher/hooks", "Hooks shipped with vmcatcher and installed by the site."),
            ("vmcatcher-sync.service, vmcatcher-sync.timer", "The systemd schedule: 'vmcatcher sync' every 6 hours as root without capabilities, everything read-only but /var/lib/vmcatcher and /var/cache/vmcatcher; hooks run in the same sandbox (a drop-in with ReadWritePaths= gives them more)."),
            ("vmcatcher-events.service, vmcatcher-events.timer", "With events.delivery = \"deferred\": 'vmcatcher events deliver' five minutes after it last finished, in the same sandbox, without a time limit of its own (each handler has its timeout)."),
        ],
    ),
    (
        "EXIT STATUS",
        "",
        &[
            ("0", "Success."),
            ("1", "Failure; for cache and sync also: an image failed (after trying all the others)."),
            ("2", "Usage error."),
            ("10, 11, 12, 13, 17, 31, 33, 34, 38", "subscribe update, subscribe add, verify and sync: the image list rule that failed last (fetch, signature/chain/CRL/namespace, signer is not hv:dn/hv:ca, signer not authorised, lower version, identifier changed, created in the future, expired, not an image list)."),
            ("0, 1, 2, 3 (status --nagios)", "The one exception: the Nagios plugin convention, 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (the database cannot be read); see vmcatcher-status(1)."),
        ],
    ),
    (
        "EXAMPLES",
        "",
        &[
            ("vmcatcher subscribe add https://example.org/image.list --auto-endorse", "Subscribe, trusting and linking the list's signer."),
            ("vmcatcher image subscribe 488dcdc4", "Keep an image (by unique prefix) in the cache."),
            ("vmcatcher sync", "What cron runs: update every list, expire, download."),
            ("vmcatcher cache check", "Re-hash every cached image; bad files move to expired."),
            ("vmcatcher verify list.smime", "Show every check of a signed list without a database."),
        ],
    ),
];

/// The sections only the main page has.
fn main_page_sections() -> String {
    let mut roff = Roff::default();
    for (title, intro, items) in SECTIONS {
        roff.control("SH", [*title]);
        if !intro.is_empty() {
            roff.text([roman(*intro)]);
        }
        for (term, description) in *items {
            roff.control("TP", []);
            roff.text([bold(*term)]);
            roff.text([roman(*description)]);
        }
    }
    let mut text = roff.to_roff();
    let pages: Vec<String> = Cli::command()
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(|c| format!("{BIN}-{}", c.get_name()))
        .collect();
    let names: Vec<&str> = pages.iter().map(String::as_str).collect();
    text.push_str(&see_also(&names));
    text
}

fn see_also(pages: &[&str]) -> String {
    let mut roff = Roff::default();
    roff.control("SH", ["SEE ALSO"]);
    let mut parts = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        if i > 0 {
            parts.push(roman(", "));
        }
        parts.push(italic(*page));
        parts.push(roman("(1)"));
    }
    roff.text(parts);
    roff.to_roff()
}
