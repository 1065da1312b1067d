use std::fmt;
use std::io;
use std::io::prelude::*;

use native_tls::HandshakeError;

use crate::Result;

pub type Certificate = native_tls::Certificate;

pub struct TlsHandshaker {
    inner: native_tls::TlsConnectorBuilder,
}

impl TlsHandshaker {
    pub fn new() -> TlsHandshaker {
        TlsHandshaker {
            inner: native_tls::TlsConnector::builder(),
        }
    }

    pub fn danger_accept_invalid_certs(&mut self, accept_invalid_certs: bool) {
        self.inner.danger_accept_invalid_certs(accept_invalid_certs);
    }

    pub fn danger_accept_invalid_hostnames(&mut self, accept_invalid_hostnames: bool) {
        self.inner.danger_accept_invalid_hostnames(accept_invalid_hostnames);
    }

    pub fn disable_built_in_roots(&mut self, disable: bool) {
        self.inner.disable_built_in_roots(disable);
    }

    pub fn add_root_certificate(&mut self, cert: Certificate) {
        self.inner.add_root_certificate(cert);
    }

    pub fn handshake<S>(&self, domain: &str, stream: S) -> Result<TlsStream<S>>
    where
        S: Read + Write,
    {
        let connector = self.inner.build()?;
        // attohttpc's sockets are blocking with SO_RCVTIMEO, so WouldBlock here means the
        // read timeout expired mid-handshake. Upstream retried forever (a server that accepts
        // and never speaks TLS hung the client); report it as the timeout it is.
        let stream = match connector.connect(domain, stream) {
            Ok(stream) => stream,
            Err(HandshakeError::Failure(err)) => return Err(err.into()),
            Err(HandshakeError::WouldBlock(_)) => return Err(io::Error::from(io::ErrorKind::WouldBlock).into()),
        };
        Ok(TlsStream { inner: stream })
    }
}

pub struct TlsStream<S>
where
    S: Read + Write,
{
    inner: native_tls::TlsStream<S>,
}

impl<S> TlsStream<S>
where
    S: Read + Write,
{
    /// The stream under the TLS layer.
    pub fn get_mut(&mut self) -> Option<&mut S> {
        Some(self.inner.get_mut())
    }
}

impl<S> Read for TlsStream<S>
where
    S: Read + Write,
{
    #[inline]
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

impl<S> Write for TlsStream<S>
where
    S: Read + Write,
{
    #[inline]
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }

    #[inline]
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<S> fmt::Debug for TlsStream<S>
where
    S: Read + Write,
{
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "TlsStream[native_tls]")
    }
}
