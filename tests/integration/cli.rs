//! The command tree: help everywhere, usage errors exit 2.

use clap::CommandFactory;

use crate::support::TestEnv;

/// Every command path, e.g. ["endorser", "create"].
fn command_paths() -> Vec<Vec<String>> {
    fn walk(cmd: &clap::Command, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
        out.push(prefix.clone());
        for sub in cmd.get_subcommands() {
            let mut path = prefix.clone();
            path.push(sub.get_name().to_string());
            walk(sub, path, out);
        }
    }
    let mut out = Vec::new();
    walk(&vmcatcher::cli::Cli::command(), Vec::new(), &mut out);
    out
}

#[test]
fn help_of_every_command_exits_zero() {
    let env = TestEnv::new();
    let paths = command_paths();
    assert!(
        paths.len() > 5,
        "the command tree is suspiciously small: {paths:?}"
    );
    for path in paths {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let run = env.run(&args);
        run.success();
        assert!(
            run.stdout.contains("Usage: vmcatcher"),
            "{args:?}: {}",
            run.stdout
        );
    }
}

#[test]
fn unknown_subcommand_is_a_usage_error() {
    let env = TestEnv::new();
    let run = env.run(&["frobnicate"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("unrecognized subcommand"),
        "{}",
        run.stderr
    );
    env.run(&["endorser", "frobnicate"])
        .failure(2, &["unrecognized subcommand"]);
}

#[test]
fn version_prints_the_package_version() {
    let env = TestEnv::new();
    let run = env.run(&["--version"]);
    run.success();
    assert!(
        run.stdout.contains(env!("CARGO_PKG_VERSION")),
        "{}",
        run.stdout
    );
}

#[test]
fn global_flags_work_after_the_subcommand() {
    let env = TestEnv::new();
    let db = env.path("after.db");
    env.run(&["config", "show", "-d", db.to_str().unwrap(), "-f", "JSON"])
        .success();
    let run = env.run(&[
        "config",
        "show",
        "--database",
        db.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(json["database"]["value"], db.to_str().unwrap());
    assert_eq!(json["database"]["source"], "flag --database");
}

#[test]
fn invalid_output_format_is_a_usage_error() {
    let mut env = TestEnv::new();
    env.init_db();
    env.run(&["endorser", "list", "-f", "yaml"])
        .failure(2, &["yaml"]);
    env.set("VMCATCHER_OUTPUT_FORMAT", "xml");
    env.run(&["endorser", "list"]).failure(2, &["xml"]);
    env.set("VMCATCHER_OUTPUT_FORMAT", "JSON");
    let run = env.run(&["endorser", "list"]);
    run.success();
    assert_eq!(run.stdout.trim(), "[]");
}

#[test]
fn message_format_is_refused_where_it_makes_no_sense() {
    let env = TestEnv::new();
    env.run(&["endorser", "list", "-f", "message"])
        .failure(2, &["only for 'subscribe show'"]);
}

#[test]
fn help_command_is_the_help_flag() {
    let env = TestEnv::new();
    for (words, flag) in [
        (&["help"][..], &["--help"][..]),
        (
            &["help", "subscribe", "update"],
            &["subscribe", "update", "--help"],
        ),
    ] {
        let via_command = env.run(words);
        via_command.success();
        assert_eq!(via_command.stdout, env.run(flag).stdout);
        assert!(via_command.stdout.contains("Usage: vmcatcher"));
    }
}

#[test]
fn smime_from_the_environment_falls_back_to_lines_where_it_makes_no_sense() {
    let mut env = TestEnv::new();
    env.create_endorser_in(env.db_path().to_str().unwrap())
        .success();
    env.set("VMCATCHER_OUTPUT_FORMAT", "SMIME");
    let run = env.run(&["endorser", "list"]);
    run.success();
    assert!(run.stdout.starts_with("'x'\t"), "lines: {}", run.stdout);
    assert!(
        run.stderr.contains("VMCATCHER_OUTPUT_FORMAT=smime") && run.stderr.contains("lines"),
        "{}",
        run.stderr
    );
    // Given on the command line it stays a usage error, before or after the subcommand.
    env.run(&["endorser", "list", "-f", "smime"])
        .failure(2, &["only for 'subscribe show'"]);
    env.run(&["-f", "smime", "endorser", "list"])
        .failure(2, &["only for 'subscribe show'"]);
}
