//! OCI registries as image sources (issue 15): what a subscription names (`oci://` one
//! repository, `harbor://` every repository of a Harbor project), and the manifests whose
//! digests pin what is downloaded. The registry client and the update rules build on these.

pub mod annotations;
pub mod challenge;
pub mod manifest;
pub mod reference;
