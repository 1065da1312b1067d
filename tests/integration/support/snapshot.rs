//! Snapshot files under `tests/snapshots/`: a change in what users see shows up in review.
//! `UPDATE_SNAPSHOTS=1 cargo test` writes them anew.

use std::path::Path;

#[track_caller]
pub(crate) fn assert_snapshot(name: &str, fresh: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != fresh {
        let first = committed
            .lines()
            .zip(fresh.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(committed.lines().count().min(fresh.lines().count()));
        panic!(
            "tests/snapshots/{name} changed (first difference at line {}: {:?} was {:?}); \
             review it, run UPDATE_SNAPSHOTS=1 cargo test, then commit the file",
            first + 1,
            fresh.lines().nth(first),
            committed.lines().nth(first)
        );
    }
}
