//! A snapshot of the whole `--help` tree: every CLI change shows up in review.
//! Regenerate with `UPDATE_SNAPSHOTS=1 cargo test help_tree`.

use clap::CommandFactory;

fn help_tree() -> String {
    fn walk(cmd: &mut clap::Command, path: &str, out: &mut String) {
        if cmd.is_hide_set() {
            return;
        }
        out.push_str(&format!("===== {path} --help\n"));
        out.push_str(&cmd.render_long_help().to_string());
        out.push('\n');
        let names: Vec<String> = cmd
            .get_subcommands()
            .map(|c| c.get_name().to_string())
            .collect();
        for name in names {
            if let Some(sub) = cmd.find_subcommand_mut(&name) {
                walk(sub, &format!("{path} {name}"), out);
            }
        }
    }
    let mut cmd = vmcatcher::cli::Cli::command().term_width(100);
    cmd.build();
    let mut out = String::new();
    walk(&mut cmd, "vmcatcher", &mut out);
    out
}

#[test]
fn help_tree_matches_the_snapshot() {
    crate::support::snapshot::assert_snapshot("help.txt", &help_tree());
}
