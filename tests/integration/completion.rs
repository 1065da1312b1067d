//! Shell completion of identifiers from the database in use, through the real shells
//! and the committed completion scripts.

use std::path::Path;
use std::process::Command;

use crate::support::http::{Route, TestServer};
use crate::support::lists::{trust_dir, ListSpec, IMAGE_A, IMAGE_B, LIST_ID};
use crate::support::pki::TrustDirOptions;
use crate::support::TestEnv;

/// A database with one subscription of two images, and the binary on PATH.
fn populated() -> (TestEnv, TestServer) {
    let mut env = TestEnv::new();
    trust_dir(&env, &TrustDirOptions::default());
    let server = TestServer::http();
    server.route("/list", Route::ok(ListSpec::new("1").signed()));
    env.run(&["subscribe", "add", &server.url("/list"), "--auto-endorse"])
        .success();
    env.run(&[
        "endorser", "create", "jane", "--dn", "/CN=Jane", "--ca", "/CN=CA",
    ])
    .success();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_vmcatcher")).parent().unwrap();
    env.set("PATH", format!("{}:/usr/bin:/bin", bin_dir.display()));
    (env, server)
}

fn script(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("completions")
        .join(name)
        .display()
        .to_string()
}

/// Completes the last (empty) word of `line` in bash with the committed script.
fn bash(env: &TestEnv, words: &[&str]) -> Vec<String> {
    bash_word(env, words, "")
}

/// Completes `current` after `words` in bash, in the test's directory.
fn bash_word(env: &TestEnv, words: &[&str], current: &str) -> Vec<String> {
    let mut all: Vec<String> = words.iter().map(|w| format!("{w:?}")).collect();
    all.push(format!("{current:?}"));
    let program = format!(
        "source {}\nCOMP_WORDS=({})\nCOMP_CWORD={}\nCOMP_TYPE=9\n_clap_complete_vmcatcher vmcatcher {:?} {:?}\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        script("vmcatcher.bash"),
        all.join(" "),
        words.len(),
        current,
        words.last().unwrap()
    );
    let cmd: Command = env.command(&[]);
    let mut bash = Command::new("bash");
    bash.arg("-c")
        .arg(program)
        .env_clear()
        .envs(cmd.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .current_dir(env.root());
    let out = bash.output().expect("bash");
    // Options are offered too; the values are what this test is about.
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty() && !l.starts_with('-'))
        .collect()
}

#[test]
fn bash_completes_image_subscription_and_endorser_ids() {
    let (env, server) = populated();
    let images = bash(&env, &["vmcatcher", "image", "subscribe"]);
    assert_eq!(images, vec![IMAGE_A.to_string(), IMAGE_B.to_string()]);
    let subs = bash(&env, &["vmcatcher", "subscribe", "update"]);
    assert!(
        subs.contains(&LIST_ID.to_string()) && subs.contains(&server.url("/list")),
        "{subs:?}"
    );
    let endorsers = bash(&env, &["vmcatcher", "endorser", "show"]);
    assert!(endorsers.contains(&"jane".to_string()), "{endorsers:?}");
    // Commands complete too.
    let commands = bash(&env, &["vmcatcher"]);
    assert!(
        commands.contains(&"subscribe".to_string()) && commands.contains(&"sync".to_string()),
        "{commands:?}"
    );
}

#[test]
fn fish_completes_image_ids() {
    if !crate::support::tools::available("/usr/bin/fish", "fish") {
        return;
    }
    let (env, _server) = populated();
    let program = format!(
        "source {}; complete -C 'vmcatcher image subscribe '",
        script("vmcatcher.fish")
    );
    let cmd = env.command(&[]);
    let out = Command::new("fish")
        .arg("--no-config")
        .arg("-c")
        .arg(program)
        .env_clear()
        .envs(cmd.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .output()
        .expect("fish");
    let text = String::from_utf8_lossy(&out.stdout);
    let ids: Vec<&str> = text
        .lines()
        .map(|l| l.split('\t').next().unwrap_or(""))
        .collect();
    assert!(
        ids.contains(&IMAGE_A) && ids.contains(&IMAGE_B),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn completion_is_silent_without_a_database() {
    let mut env = TestEnv::new();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_vmcatcher")).parent().unwrap();
    env.set("PATH", format!("{}:/usr/bin:/bin", bin_dir.display()));
    env.set("VMCATCHER_RDBMS", "/nonexistent/dir/vmcatcher.db");
    assert_eq!(
        bash(&env, &["vmcatcher", "image", "subscribe"]),
        Vec::<String>::new()
    );
    assert!(!Path::new("/nonexistent/dir").exists());
}

#[test]
fn completion_reads_the_database_named_on_the_line() {
    let (mut env, _server) = populated();
    let db = env.db_path().display().to_string();
    // The environment points elsewhere; the -d on the line wins, as it will when it runs.
    env.set("VMCATCHER_RDBMS", "/nonexistent/other.db");
    assert_eq!(
        bash(&env, &["vmcatcher", "-d", &db, "image", "subscribe"]),
        vec![IMAGE_A.to_string(), IMAGE_B.to_string()]
    );
    assert_eq!(
        bash(
            &env,
            &["vmcatcher", &format!("--database={db}"), "image", "show"]
        ),
        vec![IMAGE_A.to_string(), IMAGE_B.to_string()]
    );
    assert!(bash(&env, &["vmcatcher", "image", "subscribe"]).is_empty());
}

#[test]
fn file_arguments_complete_file_paths() {
    let (env, _server) = populated();
    env.write("lists/site.smime", "x");
    env.write("secret.pw", "x");
    let verify = bash_word(&env, &["vmcatcher", "verify"], "lists/");
    assert!(
        verify.iter().any(|c| c.ends_with("lists/site.smime")),
        "{verify:?}"
    );
    let password = bash_word(
        &env,
        &[
            "vmcatcher",
            "subscribe",
            "add",
            "file:///l",
            "--username",
            "u",
            "--password-file",
        ],
        "sec",
    );
    assert!(
        password.iter().any(|c| c.ends_with("secret.pw")),
        "{password:?}"
    );
}
