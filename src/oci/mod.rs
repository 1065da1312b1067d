//! OCI registries as image sources (issue 15): what a subscription names (`oci://` one
//! repository, `harbor://` every repository of a Harbor project), and the manifests whose
//! digests pin what is downloaded; the registry client (`client`), the settings of a
//! subscription (`settings`) and one update's resolution of tags to digests (`resolve`).

pub mod annotations;
pub mod challenge;
pub mod client;
pub mod cosign;
pub mod harbor;
pub mod manifest;
pub mod reference;
pub mod resolve;
pub mod settings;
