//! Trust: the IGTF trust directory, S/MIME verification of signed image lists, and DNs
//! in OpenSSL's one-line form.
//!
//! `TrustStore::load` reads the directory once; `verify` gives the verified bytes or the
//! first failure; `inspect` reports every check for `vmcatcher verify`.

pub mod dn;
pub mod error;
mod ffi;
pub(crate) mod mime;
mod ossl;
pub mod policy;
pub mod store;
pub mod verify;

pub use error::{Persistence, TrustError};
pub use store::TrustStore;
pub use verify::{
    inspect, signed_content, verify, verify_signer, Check, CheckKind, Signer, VerifiedList,
    VerifyReport,
};
