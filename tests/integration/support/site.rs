//! A subscribed test site: a trust directory, a loopback server with a signed list of two
//! images, and the cache directories in the test's temp dir.

use std::path::PathBuf;

use super::http::{Route, TestServer};
use super::lists::{image, trust_dir, ListSpec, IMAGE_A, IMAGE_B};
use super::pki::TrustDirOptions;
use super::{Run, TestEnv};

pub(crate) const A: &[u8] = b"the contents of image a, a small but real disk image";

pub(crate) fn b_contents() -> Vec<u8> {
    (0..300_000u32).flat_map(u32::to_le_bytes).collect()
}

pub(crate) struct Site {
    pub env: TestEnv,
    pub server: TestServer,
}

impl Site {
    /// Subscribed to a list of two images served by the test server; nothing selected.
    pub(crate) fn new() -> Site {
        Site::with_routes(Route::ok(A), Route::ok(b_contents()))
    }

    pub(crate) fn with_routes(a: Route, b: Route) -> Site {
        let f = Site::serving(a, b);
        f.run(&["subscribe", "add", &f.server.url("/list"), "--auto-endorse"])
            .success();
        f
    }

    /// The list and its images served, the trust and cache directories set; no database.
    pub(crate) fn serving(a: Route, b: Route) -> Site {
        let mut env = TestEnv::new();
        trust_dir(&env, &TrustDirOptions::default());
        env.set("VMCATCHER_CACHE_DIR_CACHE", env.path("cache/endorsed"));
        env.set("VMCATCHER_CACHE_DIR_DOWNLOAD", env.path("cache/partial"));
        env.set("VMCATCHER_CACHE_DIR_EXPIRE", env.path("cache/expired"));
        let server = TestServer::http();
        server.route("/a", a);
        server.route("/b", b);
        let f = Site { env, server };
        f.serve_list("1", A, &b_contents());
        f
    }

    pub(crate) fn serve_list(&self, version: &str, a: &[u8], b: &[u8]) {
        let mut spec = ListSpec::new(version);
        spec.images = vec![
            image(IMAGE_A, a, &self.server.url("/a")),
            image(IMAGE_B, b, &self.server.url("/b")),
        ];
        self.server.route("/list", Route::ok(spec.signed()));
    }

    pub(crate) fn run(&self, args: &[&str]) -> Run {
        self.env.run(args)
    }

    pub(crate) fn dir(&self, name: &str) -> PathBuf {
        self.env.path(&format!("cache/{name}"))
    }

    pub(crate) fn index(&self, name: &str) -> serde_json::Value {
        let text = std::fs::read_to_string(self.dir(name).join("cache.index")).expect("index");
        serde_json::from_str(&text).expect("index is JSON")
    }

    pub(crate) fn files(&self, name: &str) -> Vec<String> {
        file_names(&self.dir(name))
    }

    pub(crate) fn requests(&self, path: &str) -> usize {
        self.server.requests_to(path).len()
    }
}

/// The names in `dir`, sorted (none when it does not exist).
pub(crate) fn file_names(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}
