//! `vmcatcher endorser create|list|show|delete`.

use crate::support::TestEnv;

const JANE: &str = "/DC=ch/DC=cern/OU=Organic Units/CN=Jane Endorser";
const JANE2: &str = "/C=XX/O=Test/CN=Jane Endorser";
const CA: &str = "/C=XX/O=Test/CN=Test CA";
const CA2: &str = "/DC=ch/DC=cern/CN=CERN Grid Certification Authority";

#[test]
fn create_list_show_delete_with_two_credentials() {
    let env = TestEnv::new();
    env.run(&[
        "endorser", "create", "jane", "--dn", JANE, "--ca", CA2, "--dn", JANE2, "--ca", CA,
    ])
    .success();
    let list = env.run(&["endorser", "list"]);
    list.success();
    assert_eq!(
        list.stdout,
        format!("'jane'\t'{JANE}'\t'{CA2}'\n'jane'\t'{JANE2}'\t'{CA}'\n")
    );

    let show = env.run(&["endorser", "show", "jane"]);
    show.success();
    assert_eq!(
        show.stdout,
        format!(
            "endorser.dc:identifier=jane\nendorser.hv:dn={JANE}\nendorser.hv:ca={CA2}\n\
             endorser.hv:dn={JANE2}\nendorser.hv:ca={CA}\n"
        )
    );

    let json = env.run(&["endorser", "list", "-f", "json"]);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        value,
        serde_json::json!([{ "identifier": "jane", "credentials": [
            { "dn": JANE, "ca": CA2 }, { "dn": JANE2, "ca": CA }
        ]}])
    );
    let show_json = env.run(&["endorser", "show", "jane", "-f", "json"]);
    let value: serde_json::Value = serde_json::from_str(&show_json.stdout).unwrap();
    assert_eq!(value["identifier"], "jane");
    assert_eq!(value["credentials"].as_array().unwrap().len(), 2);

    env.run(&["endorser", "delete", "jane"]).success();
    assert_eq!(env.run(&["endorser", "list"]).stdout, "");
}

#[test]
fn second_create_adds_credentials() {
    let env = TestEnv::new();
    env.run(&["endorser", "create", "jane", "--dn", JANE, "--ca", CA])
        .success();
    env.run(&["endorser", "create", "jane", "--dn", JANE, "--ca", CA2])
        .success();
    let list = env.run(&["endorser", "list"]);
    assert_eq!(
        list.stdout.lines().count(),
        2,
        "same subject, two CAs: {}",
        list.stdout
    );
}

#[test]
fn duplicate_credential_is_refused_and_nothing_changes() {
    let env = TestEnv::new();
    env.run(&["endorser", "create", "jane", "--dn", JANE, "--ca", CA])
        .success();
    let run = env.run(&[
        "endorser", "create", "bob", "--dn", JANE2, "--ca", CA, "--dn", JANE, "--ca", CA,
    ]);
    run.failure(1, &[JANE, "already stored", "belongs to endorser 'jane'"]);
    let list = env.run(&["endorser", "list"]);
    assert_eq!(
        list.stdout.lines().count(),
        1,
        "bob must not exist half-made: {}",
        list.stdout
    );
    env.run(&["endorser", "show", "bob"])
        .failure(1, &["'bob' does not exist"]);
    env.run(&["endorser", "create", "jane", "--dn", JANE, "--ca", CA])
        .failure(1, &["this endorser already has it"]);
}

#[test]
fn unknown_endorser_errors() {
    let env = TestEnv::new();
    env.init_db();
    env.run(&["endorser", "show", "nobody"])
        .failure(1, &["endorser 'nobody' does not exist", "endorser list"]);
    env.run(&["endorser", "delete", "nobody"])
        .failure(1, &["endorser 'nobody' does not exist"]);
}

#[test]
fn unpaired_dn_and_ca() {
    let env = TestEnv::new();
    env.run(&["endorser", "create", "jane", "--dn", JANE])
        .failure(2, &[JANE, "has no --ca"]);
    env.run(&[
        "endorser", "create", "jane", "--dn", JANE, "--ca", CA, "--ca", CA2,
    ])
    .failure(2, &[CA2, "has no --dn"]);
    env.run(&["endorser", "create", "jane", "--dn", "CN=Jane", "--ca", CA])
        .failure(1, &["one-line form"]);
    // --dn is required at all: a usage error.
    env.run(&["endorser", "create", "jane"])
        .failure(2, &["--dn"]);
    assert!(!env.db_path().exists(), "nothing was created");
}
