//! The image cache: transfer, hashing, index files and free space.

pub mod hash;
pub mod index;
pub mod space;
pub mod transfer;
