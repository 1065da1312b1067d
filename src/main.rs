use std::process::ExitCode;

use clap::CommandFactory;

fn main() -> ExitCode {
    // A list's buffers (hundreds of kB each) come from the heap rather than a fresh mmap
    // each, which the kernel zeroes page by page and unmaps again on free.
    // SAFETY: mallopt only tunes glibc's allocator; it is called before any thread starts.
    #[cfg(target_env = "gnu")]
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 64 << 20);
    }
    // Invoked as vmcatcher_subscribe, _image, _endorser or _cache: the original's options.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(tool) = args
        .first()
        .and_then(|a| vmcatcher::multicall::Tool::from_argv0(a))
    {
        return ExitCode::from(vmcatcher::multicall::run(tool, &args[1..]));
    }
    // `COMPLETE=bash vmcatcher …`: the shell asking for completions (see completions/).
    clap_complete::CompleteEnv::with_factory(vmcatcher::cli::Cli::command).complete();
    let cli = match vmcatcher::cli::Cli::try_parse_args(help_as_flag(std::env::args_os())) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match vmcatcher::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(vmcatcher::Error::Reported(code)) => ExitCode::from(code),
        // The reader of our output went away (`| head`): nothing to say.
        Err(vmcatcher::Error::BrokenPipe) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vmcatcher: error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// `vmcatcher help <command>…` as git and dnf have it: the same as `<command>… --help`.
/// (clap's own help subcommand stays off: it would add `help` pages to the man pages.)
fn help_as_flag(args: impl Iterator<Item = std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let mut args: Vec<_> = args.collect();
    if args.get(1).is_some_and(|a| a == "help") {
        args.remove(1);
        args.push("--help".into());
    }
    args
}
