//! Distinguished names in OpenSSL's one-line form (`/DC=ch/DC=cern/CN=…`).
//!
//! The original compared DNs as `X509_NAME_oneline` strings, and image lists carry them
//! in that form (`hv:dn`, `hv:ca`), so we produce exactly that string.

use std::ffi::CStr;

use foreign_types_shared::ForeignTypeRef;
use openssl::x509::X509NameRef;

use super::ffi;

/// The `X509_NAME_oneline` form of `name`, e.g. `/DC=ch/DC=cern/OU=Organic Units/CN=x`.
///
/// Returns an empty string only if OpenSSL fails to allocate (it never panics).
pub fn oneline(name: &X509NameRef) -> String {
    // SAFETY: `name` is a valid X509_NAME for the call; with a NULL buffer OpenSSL
    // allocates the result (unbounded length, no silent truncation), which we copy and
    // free with OPENSSL_free, the allocator that produced it.
    unsafe {
        let p = ffi::X509_NAME_oneline(name.as_ptr(), std::ptr::null_mut(), 0);
        if p.is_null() {
            return String::new();
        }
        let s = CStr::from_ptr(p).to_string_lossy().into_owned();
        openssl_sys::OPENSSL_free(p.cast());
        s
    }
}

/// Undo the `\/` and `\+` escaping OpenSSL 3 applies inside values, giving the
/// OpenSSL 1.x spelling that policy files (written for 1.x) use.
pub fn unescape(dn: &str) -> String {
    let mut out = String::with_capacity(dn.len());
    let mut chars = dn.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(&n) = chars.peek() {
                if n == '/' || n == '+' {
                    out.push(n);
                    chars.next();
                    continue;
                }
            }
        }
        out.push(c);
    }
    out
}

/// Same DN in either spelling (OpenSSL 3 escaped or 1.x unescaped)? Useful when comparing
/// a signer with `hv:dn`/`hv:ca` written by tools linked against OpenSSL 1.x.
pub fn equivalent(a: &str, b: &str) -> bool {
    a == b || unescape(a) == unescape(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::x509::X509Name;

    #[test]
    fn oneline_and_escaping() {
        let mut b = X509Name::builder().unwrap();
        b.append_entry_by_text("DC", "ch").unwrap();
        b.append_entry_by_text("OU", "Organic Units").unwrap();
        b.append_entry_by_text("CN", "host/vm.cern.ch+x").unwrap();
        let n = b.build();
        let s = oneline(&n);
        // OpenSSL 3 escapes '/' and '+' inside values; 1.x (the original) did not.
        assert_eq!(s, "/DC=ch/OU=Organic Units/CN=host\\/vm.cern.ch\\+x");
        assert!(equivalent(
            &s,
            "/DC=ch/OU=Organic Units/CN=host/vm.cern.ch+x"
        ));
        assert_eq!(unescape(&s), "/DC=ch/OU=Organic Units/CN=host/vm.cern.ch+x");
    }
}
