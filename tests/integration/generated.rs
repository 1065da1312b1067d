//! The committed completions and man pages match what the binary generates.

use std::path::Path;

use crate::support::TestEnv;

fn assert_same_dir(committed: &Path, fresh: &Path, what: &str) {
    let names = |dir: &Path| {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let regenerate = format!("run: cargo run -- generate {what} {what}");
    assert_eq!(
        names(committed),
        names(fresh),
        "{what}/ is stale; {regenerate}"
    );
    for name in names(fresh) {
        let a = std::fs::read(committed.join(&name)).unwrap();
        let b = std::fs::read(fresh.join(&name)).unwrap();
        assert!(a == b, "{what}/{name} is stale; {regenerate}");
    }
}

#[test]
fn committed_completions_and_man_pages_are_fresh() {
    let env = TestEnv::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for what in ["completions", "man"] {
        let out = env.path(what);
        env.run(&["generate", what, out.to_str().unwrap()])
            .success();
        assert_same_dir(&root.join(what), &out, what);
    }
}

#[test]
fn completions_command_prints_a_script() {
    let env = TestEnv::new();
    for shell in ["bash", "zsh", "fish"] {
        let run = env.run(&["completions", shell]);
        run.success();
        // The scripts ask vmcatcher itself for candidates.
        assert!(
            run.stdout.contains("COMPLETE") && run.stdout.contains("vmcatcher"),
            "{shell}: {}",
            run.stdout
        );
    }
    env.run(&["completions", "tcsh"]).failure(2, &["tcsh"]);
}
