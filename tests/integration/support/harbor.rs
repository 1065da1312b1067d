//! A Harbor double: the few REST API pages a `harbor://` source reads (repositories,
//! artifacts with tags and annotations, `Link` paging), served from what the test sets,
//! in front of the real test registry, to which every other request (`/v2/…`) is passed
//! as it is. One request per connection; every request target and its `Authorization`
//! scheme are recorded.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

type Pages = Arc<Mutex<HashMap<String, (String, Option<String>)>>>;
/// Bytes of the registry's answers replaced on the way (a tampering proxy), same length.
type Rewrite = Arc<Mutex<Option<(Vec<u8>, Vec<u8>)>>>;
/// Request targets with their `Authorization` scheme.
type Requests = Arc<Mutex<Vec<(String, Option<String>)>>>;

pub(crate) struct HarborDouble {
    port: u16,
    stop: Arc<AtomicBool>,
    pages: Pages,
    requests: Requests,
    rewrite: Rewrite,
    ranges: Arc<Mutex<Vec<(String, String)>>>,
    redirect: Redirect,
    acceptor: Option<thread::JoinHandle<()>>,
}

/// Where blob downloads are sent instead (object storage): `<base>/<digest>`.
type Redirect = Arc<Mutex<Option<String>>>;

impl HarborDouble {
    /// Serves the API pages set with [`Self::page`] and passes the rest to 127.0.0.1:`registry`.
    pub(crate) fn start(registry: u16) -> HarborDouble {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let pages: Pages = Arc::default();
        let requests: Requests = Arc::default();
        let rewrite: Rewrite = Arc::default();
        let ranges: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
        let redirect: Redirect = Arc::default();
        let acceptor = {
            let (stop, pages, requests) = (stop.clone(), pages.clone(), requests.clone());
            let (rewrite, ranges, redirect) = (rewrite.clone(), ranges.clone(), redirect.clone());
            thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let (pages, requests) = (pages.clone(), requests.clone());
                            let (rewrite, ranges) = (rewrite.clone(), ranges.clone());
                            let redirect = redirect.lock().unwrap().clone();
                            thread::spawn(move || {
                                let _ = serve(
                                    stream,
                                    registry,
                                    &pages,
                                    &requests,
                                    &rewrite,
                                    &ranges,
                                    redirect.as_deref(),
                                );
                            });
                        }
                        Err(_) => thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        HarborDouble {
            port,
            stop,
            pages,
            requests,
            rewrite,
            ranges,
            redirect,
            acceptor: Some(acceptor),
        }
    }

    /// From now on, answers blob requests with a redirect to `<base>/<digest>`, as a
    /// registry in front of object storage does.
    pub(crate) fn redirect_blobs(&self, base: &str) {
        *self.redirect.lock().unwrap() = Some(base.to_string());
    }

    pub(crate) fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Answers `target` (path and query, exactly) with `body`, and a `Link` to `next`.
    pub(crate) fn page(&self, target: &str, body: &serde_json::Value, next: Option<&str>) {
        self.pages.lock().unwrap().insert(
            target.to_string(),
            (body.to_string(), next.map(str::to_string)),
        );
    }

    /// From now on, replaces `from` by `to` (the same length) in the registry's answers.
    pub(crate) fn tamper(&self, from: &[u8], to: &[u8]) {
        assert_eq!(from.len(), to.len());
        *self.rewrite.lock().unwrap() = Some((from.to_vec(), to.to_vec()));
    }

    /// The `Range` headers sent, with their request targets.
    pub(crate) fn ranges(&self) -> Vec<(String, String)> {
        self.ranges.lock().unwrap().clone()
    }

    /// Every request target with its `Authorization` scheme (`Basic`, `Bearer`).
    pub(crate) fn requests(&self) -> Vec<(String, Option<String>)> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for HarborDouble {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(handle) = self.acceptor.take() {
            let _ = handle.join();
        }
    }
}

fn serve(
    mut stream: TcpStream,
    registry: u16,
    pages: &Pages,
    requests: &Mutex<Vec<(String, Option<String>)>>,
    rewrite: &Rewrite,
    ranges: &Mutex<Vec<(String, String)>>,
    redirect: Option<&str>,
) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte)? == 0 {
            return Ok(());
        }
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let target = text.split(' ').nth(1).unwrap_or("/").to_string();
    let range = text.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("range")
            .then(|| value.trim().to_string())
    });
    let scheme = text.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("authorization")
            .then(|| value.trim().split(' ').next().unwrap_or("").to_string())
    });
    requests.lock().unwrap().push((target.clone(), scheme));
    if let Some(range) = range {
        ranges.lock().unwrap().push((target.clone(), range));
    }
    if target.starts_with("/api/") {
        let page = pages.lock().unwrap().get(&target).cloned();
        let answer = match page {
            Some((body, next)) => {
                let link = next
                    .map(|n| format!("Link: <{n}>; rel=\"next\"\r\n"))
                    .unwrap_or_default();
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{link}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
            }
            None => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                .to_string(),
        };
        stream.write_all(answer.as_bytes())?;
        let _ = stream.shutdown(Shutdown::Both);
        return Ok(());
    }
    if let (Some(base), Some((_, digest))) = (redirect, target.split_once("/blobs/")) {
        let answer = format!(
            "HTTP/1.1 307 Temporary Redirect\r\nLocation: {base}/{digest}\r\n\
             Content-Length: 0\r\nConnection: close\r\n\r\n"
        );
        stream.write_all(answer.as_bytes())?;
        let _ = stream.shutdown(Shutdown::Both);
        return Ok(());
    }
    // Everything else goes to the registry, one request per connection.
    let forwarded: String = text
        .split("\r\n")
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .collect::<Vec<_>>()
        .join("\r\n");
    let forwarded = forwarded.trim_end().to_string() + "\r\nConnection: close\r\n\r\n";
    let mut upstream = TcpStream::connect(("127.0.0.1", registry))?;
    upstream.write_all(forwarded.as_bytes())?;
    let rewrite = rewrite.lock().unwrap().clone();
    if let Some((from, to)) = rewrite {
        let mut answer = Vec::new();
        upstream.read_to_end(&mut answer)?;
        if let Some(at) = answer
            .windows(from.len())
            .position(|w| w == from.as_slice())
        {
            answer[at..at + to.len()].copy_from_slice(&to);
        }
        stream.write_all(&answer)?;
    } else {
        std::io::copy(&mut upstream, &mut stream)?;
    }
    let _ = stream.shutdown(Shutdown::Both);
    Ok(())
}
