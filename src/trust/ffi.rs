//! The few libcrypto symbols the `openssl` crate (0.10) does not bind.
//!
//! They are resolved against the libcrypto that `openssl-sys` already links.

use libc::{c_char, c_int};
use openssl_sys::{X509, X509_CRL, X509_NAME, X509_STORE};

extern "C" {
    /// `char *X509_NAME_oneline(const X509_NAME *a, char *buf, int size)`; with a NULL
    /// `buf` the result is allocated with `OPENSSL_malloc` and must be freed by the caller.
    pub(super) fn X509_NAME_oneline(
        a: *const X509_NAME,
        buf: *mut c_char,
        size: c_int,
    ) -> *mut c_char;
    /// `int X509_check_ca(X509 *x)`: non-zero when `x` may act as a CA.
    pub(super) fn X509_check_ca(x: *mut X509) -> c_int;
    /// `int X509_STORE_add_crl(X509_STORE *xs, X509_CRL *x)`: takes its own reference.
    pub(super) fn X509_STORE_add_crl(xs: *mut X509_STORE, x: *mut X509_CRL) -> c_int;
}
