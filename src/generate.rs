//! Completion scripts and man pages, generated from the one CLI definition so they never
//! drift from it. The committed copies in `completions/` and `man/` are checked by a test.

use std::fs;
use std::path::Path;

use clap::CommandFactory;
use clap_complete::Shell as ClapShell;

use crate::cli::{Cli, Shell};
use crate::error::{Error, Result};

const BIN: &str = "vmcatcher";

fn clap_shell(shell: Shell) -> ClapShell {
    match shell {
        Shell::Bash => ClapShell::Bash,
        Shell::Zsh => ClapShell::Zsh,
        Shell::Fish => ClapShell::Fish,
    }
}

/// The completion script for `shell`.
pub fn completion_script(shell: Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(clap_shell(shell), &mut Cli::command(), BIN, &mut out);
    out
}

/// The file name packagers expect for each shell.
pub fn completion_file_name(shell: Shell) -> &'static str {
    match shell {
        Shell::Bash => "vmcatcher.bash",
        Shell::Zsh => "_vmcatcher",
        Shell::Fish => "vmcatcher.fish",
    }
}

pub fn write_completions(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        let path = dir.join(completion_file_name(shell));
        fs::write(&path, completion_script(shell)).map_err(|e| Error::io(&path, e))?;
    }
    Ok(())
}

/// One page for the program and one per subcommand (`vmcatcher-endorser-create.1`).
pub fn write_man_pages(dir: &Path) -> Result<()> {
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
    let path = dir.join(format!("{name}.1"));
    fs::write(&path, out).map_err(|e| Error::io(&path, e))?;
    for sub in cmd.get_subcommands() {
        write_page(dir, sub, &format!("{name}-{}", sub.get_name()))?;
    }
    Ok(())
}
