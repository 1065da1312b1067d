use std::process::ExitCode;

use clap::CommandFactory;

fn main() -> ExitCode {
    // `COMPLETE=bash vmcatcher …`: the shell asking for completions (see completions/).
    clap_complete::CompleteEnv::with_factory(vmcatcher::cli::Cli::command).complete();
    let cli = match vmcatcher::cli::Cli::try_parse_process() {
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
