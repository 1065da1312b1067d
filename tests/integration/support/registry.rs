//! A real OCI registry for tests: Debian's `docker-registry` (CNCF distribution 2.8) with a
//! configuration of the test's own (127.0.0.1 and a free port, storage in the test's temp
//! dir, optional htpasswd Basic auth), never the packaged one, which listens on every
//! interface. Started per test, killed by PID on drop, and under `timeout` so it cannot
//! outlive a crashed test run by more than [`LIFETIME`].
//!
//! Artifacts are pushed as `oras push` does: blob upload (`POST …/blobs/uploads/`, then
//! `PUT <location>&digest=`), then the manifest `PUT` as
//! `application/vnd.oci.image.manifest.v1+json`.
#![allow(dead_code)] // the OCI tests use more of it as they grow

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use openssl::sha::sha256;
use serde_json::{json, Value};

use super::tools::available;

const PROGRAM: &str = "/usr/bin/docker-registry";
const HTPASSWD: &str = "/usr/bin/htpasswd";
/// The longest a registry may live, whatever happens to the test that started it.
const LIFETIME: Duration = Duration::from_secs(300);
pub(crate) const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub(crate) const QEMU_DISK: &str = "application/x-qemu-disk";
const EMPTY_CONFIG: &str = "application/vnd.oci.empty.v1+json";

/// What a request got back: status, headers, body.
pub(crate) type Response = (u16, Vec<(String, String)>, Vec<u8>);

pub(crate) struct Registry {
    child: Child,
    port: u16,
    /// The `Authorization` header of the test's own requests (pushes).
    authorization: Option<String>,
    /// Served over https (the test's own requests then skip verification).
    tls: bool,
    dir: tempfile::TempDir,
}

/// A pushed artifact.
pub(crate) struct Pushed {
    pub manifest_digest: String,
    pub layer_digest: String,
    pub layer_size: usize,
}

impl Registry {
    /// Starts a registry, with Basic auth when `credentials` are given; `None` (after a
    /// message) when the tools are missing outside CI.
    pub(crate) fn start(credentials: Option<(&str, &str)>) -> Option<Registry> {
        if !available(PROGRAM, "docker-registry")
            || (credentials.is_some() && !available(HTPASSWD, "apache2-utils"))
        {
            return None;
        }
        let dir = tempfile::tempdir().expect("registry dir");
        let mut auth = String::new();
        if let Some((user, password)) = credentials {
            let out = Command::new(HTPASSWD)
                .args(["-Bbn", user, password])
                .output()
                .expect("htpasswd");
            assert!(out.status.success(), "htpasswd failed");
            let file = dir.path().join("htpasswd");
            std::fs::write(&file, out.stdout).unwrap();
            auth = format!(
                "auth:\n  htpasswd:\n    realm: vmcatcher-test\n    path: {}\n",
                file.display()
            );
        }
        let authorization = credentials.map(|(user, password)| {
            let token = openssl::base64::encode_block(format!("{user}:{password}").as_bytes());
            format!("Basic {token}")
        });
        Some(Registry::serve(dir, &auth, authorization))
    }

    /// Starts a registry that takes bearer tokens from the token endpoint `realm`, signed
    /// by `signer` (see `token`); the test pushes with a token of its own.
    pub(crate) fn start_with_tokens(
        realm: &str,
        signer: &super::token::TokenSigner,
        repositories: &[&str],
    ) -> Option<Registry> {
        if !available(PROGRAM, "docker-registry") {
            return None;
        }
        let dir = tempfile::tempdir().expect("registry dir");
        let root = dir.path().join("token-root.pem");
        signer.write_root(&root);
        let auth = format!(
            "auth:\n  token:\n    realm: {realm}\n    service: {}\n    issuer: {}\n    \
             rootcertbundle: {}\n",
            super::token::SERVICE,
            super::token::ISSUER,
            root.display()
        );
        let push = signer.token(repositories, &["pull", "push"]);
        Some(Registry::serve(dir, &auth, Some(format!("Bearer {push}"))))
    }

    /// Starts an anonymous registry on https with `cert` (then `chain`) and `key`.
    pub(crate) fn start_tls(
        cert: &openssl::x509::X509,
        chain: &[openssl::x509::X509],
        key: &openssl::pkey::PKey<openssl::pkey::Private>,
    ) -> Option<Registry> {
        if !available(PROGRAM, "docker-registry") {
            return None;
        }
        let dir = tempfile::tempdir().expect("registry dir");
        let mut pem = cert.to_pem().unwrap();
        for c in chain {
            pem.extend(c.to_pem().unwrap());
        }
        let (cert_file, key_file) = (dir.path().join("tls.pem"), dir.path().join("tls.key"));
        std::fs::write(&cert_file, pem).unwrap();
        std::fs::write(&key_file, key.private_key_to_pem_pkcs8().unwrap()).unwrap();
        let tls = format!(
            "  tls:\n    certificate: {}\n    key: {}\n",
            cert_file.display(),
            key_file.display()
        );
        let mut registry = Registry::serve_with(dir, "", None, &tls);
        registry.tls = true;
        registry.wait_ready();
        Some(registry)
    }

    fn serve(dir: tempfile::TempDir, auth: &str, authorization: Option<String>) -> Registry {
        let registry = Registry::serve_with(dir, auth, authorization, "");
        registry.wait_ready();
        registry
    }

    fn serve_with(
        dir: tempfile::TempDir,
        auth: &str,
        authorization: Option<String>,
        tls: &str,
    ) -> Registry {
        let port = free_port();
        let config = dir.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\n\
                 storage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\n\
                 http:\n  addr: 127.0.0.1:{port}\n{tls}{auth}",
                dir.path().join("storage").display()
            ),
        )
        .unwrap();
        let child = Command::new("timeout")
            .arg(LIFETIME.as_secs().to_string())
            .arg(PROGRAM)
            .arg("serve")
            .arg(&config)
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(
                std::fs::File::create(dir.path().join("registry.log")).unwrap(),
            ))
            .spawn()
            .expect("start docker-registry");
        Registry {
            child,
            port,
            authorization,
            tls: false,
            dir,
        }
    }

    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:<port>`, the host part of `oci://` references.
    pub(crate) fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Where the registry keeps a blob (for tests that corrupt one behind its back).
    pub(crate) fn blob_file(&self, digest: &str) -> PathBuf {
        let hex = digest.trim_start_matches("sha256:");
        self.dir.path().join(format!(
            "storage/docker/registry/v2/blobs/sha256/{}/{hex}/data",
            &hex[..2]
        ))
    }

    pub(crate) fn log(&self) -> PathBuf {
        self.dir.path().join("registry.log")
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok((status, _, _)) = self.request("GET", "/v2/", &[], &[]) {
                if status == 200 || status == 401 {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "docker-registry did not answer on {}: {}",
            self.host(),
            std::fs::read_to_string(self.log()).unwrap_or_default()
        );
    }

    /// Pushes `layer` as a one-layer artifact `repo:tag` with `annotations`.
    pub(crate) fn push(&self, repo: &str, tag: &str, layer: &[u8], annotations: &Value) -> Pushed {
        let config = b"{}";
        let config_digest = self.push_blob(repo, config);
        let layer_digest = self.push_blob(repo, layer);
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "artifactType": QEMU_DISK,
            "config": {"mediaType": EMPTY_CONFIG, "digest": config_digest, "size": config.len()},
            "layers": [{
                "mediaType": QEMU_DISK,
                "digest": layer_digest,
                "size": layer.len(),
                "annotations": {"org.opencontainers.image.title": format!("{tag}.qcow2")},
            }],
            "annotations": annotations,
        });
        let manifest_digest =
            self.push_manifest(repo, tag, &serde_json::to_vec(&manifest).unwrap());
        Pushed {
            manifest_digest,
            layer_digest,
            layer_size: layer.len(),
        }
    }

    /// Puts a manifest under `reference` (a tag) as it is; returns its digest.
    pub(crate) fn push_manifest(&self, repo: &str, reference: &str, body: &[u8]) -> String {
        let (status, headers, text) = self
            .request(
                "PUT",
                &format!("/v2/{repo}/manifests/{reference}"),
                &[("Content-Type", OCI_MANIFEST)],
                body,
            )
            .expect("manifest PUT");
        assert_eq!(
            status,
            201,
            "manifest PUT: {}",
            String::from_utf8_lossy(&text)
        );
        let digest = digest_of(body);
        assert_eq!(
            header(&headers, "docker-content-digest"),
            Some(digest.as_str())
        );
        digest
    }

    /// Uploads one blob (monolithic: POST, then PUT with the digest); returns its digest.
    pub(crate) fn push_blob(&self, repo: &str, bytes: &[u8]) -> String {
        let (status, headers, _) = self
            .request("POST", &format!("/v2/{repo}/blobs/uploads/"), &[], &[])
            .expect("upload POST");
        assert_eq!(status, 202, "upload POST");
        let location = header(&headers, "location")
            .expect("upload location")
            .to_string();
        let path = location
            .split_once(&self.host())
            .map_or(location.as_str(), |(_, p)| p);
        let digest = digest_of(bytes);
        let separator = if path.contains('?') { '&' } else { '?' };
        let (status, _, text) = self
            .request(
                "PUT",
                &format!("{path}{separator}digest={digest}"),
                &[("Content-Type", "application/octet-stream")],
                bytes,
            )
            .expect("upload PUT");
        assert_eq!(
            status,
            201,
            "upload PUT: {}",
            String::from_utf8_lossy(&text)
        );
        digest
    }

    /// One HTTP/1.1 request with the registry's Basic credentials; (status, headers, body).
    pub(crate) fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> std::io::Result<Response> {
        let tcp = TcpStream::connect(("127.0.0.1", self.port))?;
        tcp.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut stream: Box<dyn ReadWrite> = if self.tls {
            let mut connector =
                openssl::ssl::SslConnector::builder(openssl::ssl::SslMethod::tls()).unwrap();
            connector.set_verify(openssl::ssl::SslVerifyMode::NONE);
            let tls = connector
                .build()
                .connect("127.0.0.1", tcp)
                .map_err(std::io::Error::other)?;
            Box::new(tls)
        } else {
            Box::new(tcp)
        };
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n\
             Accept: {OCI_MANIFEST}\r\n",
            self.host(),
            body.len()
        );
        if let Some(authorization) = &self.authorization {
            head.push_str(&format!("Authorization: {authorization}\r\n"));
        }
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes())?;
        stream.write_all(body)?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response)?;
        Ok(parse_response(&response))
    }
}

/// A plain or a TLS stream.
trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

impl Drop for Registry {
    /// SIGTERM to `timeout`, which passes it on to the registry (SIGKILL would leave the
    /// registry running); then SIGKILL if that did not end it.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `sha256:<hex>` of `bytes`.
pub(crate) fn digest_of(bytes: &[u8]) -> String {
    let hex: String = sha256(bytes).iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn parse_response(bytes: &[u8]) -> Response {
    let end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&bytes[..end]);
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    (status, headers, bytes[end + 4..].to_vec())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}
