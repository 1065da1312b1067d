//! Configuration: four layers, database URLs, file errors.

use crate::support::TestEnv;

fn show(env: &TestEnv, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["config", "show", "-f", "json"];
    all.extend_from_slice(args);
    let run = env.run(&all);
    run.success();
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

#[test]
fn cert_dir_precedence_through_all_four_layers() {
    let mut env = TestEnv::new();
    env.unset("VMCATCHER_DIR_CERT");
    let json = show(&env, &[]);
    assert_eq!(json["cert_dir"]["value"], "/etc/grid-security/certificates");
    assert_eq!(json["cert_dir"]["source"], "default");

    let file = env.write("site.toml", "cert_dir = \"/from/file\"\n");
    env.set("VMCATCHER_CONFIG", &file);
    let json = show(&env, &[]);
    assert_eq!(json["cert_dir"]["value"], "/from/file");
    assert_eq!(
        json["cert_dir"]["source"],
        format!("file {}", file.display())
    );

    env.set("VMCATCHER_DIR_CERT", "/from/env");
    let json = show(&env, &[]);
    assert_eq!(json["cert_dir"]["value"], "/from/env");
    assert_eq!(json["cert_dir"]["source"], "env VMCATCHER_DIR_CERT");

    let json = show(&env, &["--cert-dir", "/from/flag"]);
    assert_eq!(json["cert_dir"]["value"], "/from/flag");
    assert_eq!(json["cert_dir"]["source"], "flag --cert-dir");
}

#[test]
fn database_precedence_and_lines_output() {
    let mut env = TestEnv::new();
    let file = env.write("site.toml", "database = \"sqlite:////from/file.db\"\n");
    env.set("VMCATCHER_CONFIG", &file);
    env.unset("VMCATCHER_RDBMS");
    let run = env.run(&["config", "show"]);
    run.success();
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("database="))
        .expect("database line");
    assert_eq!(
        line,
        format!("database=/from/file.db\tfile {}", file.display())
    );
    env.set("VMCATCHER_RDBMS", "sqlite:////from/env.db");
    assert_eq!(show(&env, &[])["database"]["value"], "/from/env.db");
    assert_eq!(
        show(&env, &["-d", "/from/flag.db"])["database"]["value"],
        "/from/flag.db"
    );
}

#[test]
fn database_url_forms() {
    let env = TestEnv::new();
    let cases = [
        ("sqlite:///relative/dir/v.db", "relative/dir/v.db"),
        ("sqlite:////abs/dir/v.db", "/abs/dir/v.db"),
        ("/plain/abs.db", "/plain/abs.db"),
        ("plain-relative.db", "plain-relative.db"),
    ];
    for (url, path) in cases {
        assert_eq!(show(&env, &["-d", url])["database"]["value"], path, "{url}");
    }
    // Each form really opens a database file where it says.
    env.create_endorser_in("sqlite:///rel/one.db").success();
    assert!(env.path("rel/one.db").is_file());
    let abs = env.path("abs/two.db");
    let url = format!("sqlite:///{}", abs.display());
    env.create_endorser_in(&url).success();
    assert!(abs.is_file());
}

#[test]
fn unsupported_database_urls_are_clear_errors() {
    let env = TestEnv::new();
    for url in [
        "postgresql://user@host/db",
        "mysql://x/y",
        "sqlite://",
        "sqlite:///",
    ] {
        let run = env.run(&["-d", url, "endorser", "list"]);
        run.failure(1, &["sqlite:////absolute/path.db"]);
        assert_eq!(run.stderr.lines().count(), 1, "one line: {}", run.stderr);
    }
}

#[test]
fn unknown_key_names_file_key_and_line() {
    let mut env = TestEnv::new();
    let file = env.write(
        "bad.toml",
        "cert_dir = \"/x\"\n\n[cache]\ndir = \"/c\"\nparalel_downloads = 4\n",
    );
    env.set("VMCATCHER_CONFIG", &file);
    let run = env.run(&["config", "show"]);
    run.failure(
        1,
        &[
            file.to_str().unwrap(),
            "line 5",
            "cache.paralel_downloads",
            "unknown field",
        ],
    );
    assert_eq!(run.stderr.lines().count(), 1, "one line: {}", run.stderr);
}

#[test]
fn wrong_type_names_the_key() {
    let mut env = TestEnv::new();
    let file = env.write("bad.toml", "[http]\nread_timeout = \"sixty\"\n");
    env.set("VMCATCHER_CONFIG", &file);
    env.run(&["config", "show"])
        .failure(1, &["line 2", "http.read_timeout", "invalid type"]);
}

#[test]
fn invalid_values_are_refused() {
    let mut env = TestEnv::new();
    let file = env.write("bad.toml", "[log]\nlevel = \"loud\"\n");
    env.set("VMCATCHER_CONFIG", &file);
    env.run(&["config", "show"])
        .failure(1, &["log.level", "loud", "error, warn, info"]);
    let file = env.write("zero.toml", "[cache]\nparallel_downloads = 0\n");
    env.set("VMCATCHER_CONFIG", &file);
    env.run(&["config", "show"]).failure(
        1,
        &["cache.parallel_downloads = 0", "out of range", "1 to 64"],
    );
}

#[test]
fn every_number_has_a_range() {
    let mut env = TestEnv::new();
    // A huge timeout used to overflow the handler deadline (a panic, exit 101).
    for (text, words) in [
        (
            "[events]\ntimeout = 9223372036854775807\n",
            &["events.timeout = 9223372036854775807", "1 to 86400 seconds"][..],
        ),
        (
            "[events]\nmax_tries = 0\n",
            &["events.max_tries = 0", "out of range"],
        ),
        (
            "lock_timeout = 100000000\n",
            &["lock_timeout", "0 to 86400"],
        ),
        (
            "[http]\nread_timeout = 0\n",
            &["http.read_timeout = 0", "1 to 3600"],
        ),
        (
            "[http]\nmax_redirects = 1000\n",
            &["http.max_redirects", "0 to 100"],
        ),
        (
            "[cache]\nmax_tries = 5000\n",
            &["cache.max_tries", "1 to 1000"],
        ),
        (
            "[trust]\ncrl_grace = 99999999\n",
            &["trust.crl_grace", "0 to 2592000"],
        ),
    ] {
        let file = env.write("range.toml", text);
        env.set("VMCATCHER_CONFIG", &file);
        let run = env.run(&["config", "show"]);
        run.failure(1, words);
        assert!(run.stderr.contains("range.toml"), "{}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    }
    let file = env.write("grace.toml", "[trust]\ncrl_grace = 3600\n");
    env.set("VMCATCHER_CONFIG", &file);
    let run = env.run(&["config", "show"]);
    assert!(
        run.success().stdout.contains("trust.crl_grace"),
        "{}",
        run.stdout
    );
}

#[test]
fn explicit_config_file_must_exist() {
    let mut env = TestEnv::new();
    env.run(&["-c", "/nonexistent/vmcatcher.toml", "config", "show"])
        .failure(1, &["/nonexistent/vmcatcher.toml", "does not exist"]);
    env.set("VMCATCHER_CONFIG", "/nonexistent/env.toml");
    env.run(&["config", "show"])
        .failure(1, &["VMCATCHER_CONFIG", "does not exist"]);
}

#[test]
fn user_config_file_is_found_in_xdg_config_home() {
    let mut env = TestEnv::new();
    env.unset("VMCATCHER_CONFIG").unset("VMCATCHER_DIR_CERT");
    let xdg = env.path("xdg");
    env.write("xdg/vmcatcher/vmcatcher.toml", "cert_dir = \"/from/xdg\"\n");
    env.set("XDG_CONFIG_HOME", &xdg);
    let json = show(&env, &[]);
    // As root the user file is not consulted (the system file is); CI runs as root.
    // SAFETY: geteuid has no preconditions.
    let is_root = unsafe { libc::geteuid() } == 0;
    if is_root {
        assert_ne!(
            json["cert_dir"]["source"].as_str().unwrap_or(""),
            format!("file {}/vmcatcher/vmcatcher.toml", xdg.display())
        );
    } else {
        assert_eq!(json["cert_dir"]["value"], "/from/xdg");
    }
}

#[test]
fn event_and_cache_variables_of_the_original_are_honoured() {
    let mut env = TestEnv::new();
    env.set("VMCATCHER_CACHE_DIR_CACHE", "/env/cache")
        .set("VMCATCHER_CACHE_DIR_DOWNLOAD", "/env/partial")
        .set("VMCATCHER_CACHE_DIR_EXPIRE", "/env/expired")
        .set("VMCATCHER_CACHE_EVENT", "logger cache")
        .set("VMCATCHER_SUB_EVENT", "logger sub");
    let json = show(&env, &[]);
    assert_eq!(json["cache.dir"]["value"], "/env/cache");
    assert_eq!(
        json["cache.partial_dir"]["source"],
        "env VMCATCHER_CACHE_DIR_DOWNLOAD"
    );
    assert_eq!(json["cache.expired_dir"]["value"], "/env/expired");
    assert_eq!(json["events.command"]["value"], "logger cache");
    assert_eq!(json["events.subscribe_command"]["value"], "logger sub");
}

#[test]
fn legacy_log_conf_warns_and_goes_on() {
    let mut env = TestEnv::new();
    env.set("VMCATCHER_LOG_CONF", "/etc/vmcatcher/logger.conf");
    let run = env.run(&["config", "show"]);
    run.success();
    assert!(run.stderr.contains("VMCATCHER_LOG_CONF"), "{}", run.stderr);
    let quiet = env.run(&["-q", "-q", "config", "show"]);
    assert!(quiet.stderr.is_empty(), "{}", quiet.stderr);
}

#[test]
fn an_invalid_log_filter_is_an_error_naming_the_variable() {
    let mut env = TestEnv::new();
    env.set("VMCATCHER_LOG", "vmcatcher=loud");
    let run = env.run(&["config", "show"]);
    run.failure(1, &["VMCATCHER_LOG='vmcatcher=loud'", "not a valid filter"]);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    // A valid one is applied.
    env.set("VMCATCHER_LOG", "debug");
    let run = env.run(&["config", "show"]);
    run.success();
    env.set("VMCATCHER_LOG", "");
    env.run(&["config", "show"]).success();
}
