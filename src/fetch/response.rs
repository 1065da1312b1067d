//! A whole HTTP answer with its headers, for protocols steered by them (OCI registries:
//! `Docker-Content-Digest`, `WWW-Authenticate`, `Link`, `Content-Type`).

/// Status, headers (names lower-case, in order) and body of one answer.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The first value of the header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}
