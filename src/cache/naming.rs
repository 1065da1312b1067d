//! The file name of an image in the cache, partial and expired directories.
//!
//! An image from a HEPiX list is named by its identifier, as the original did (the list
//! parser refuses identifiers that are not safe file names). An image from an OCI
//! registry has the identifier `HOST/REPOSITORY:TAG`, whose `/` cannot be in a file name:
//! its file name is the identifier with `%` written `%25` and `/` written `%2F` (so
//! `registry.egi.eu/egi_vm_images/ubuntu:22.04` is cached as
//! `registry.egi.eu%2Fegi_vm_images%2Fubuntu:22.04`). The mapping is one to one, the name
//! never starts with a dot (hosts start with a letter, a digit or `[`) and it is stable
//! across versions of the image, as the identifier is. Hooks read the name from
//! `VMCATCHER_EVENT_FILENAME`, never build it from the identifier.

/// The cache file name of the image `identifier` (see the module documentation).
pub fn file_name(identifier: &str) -> String {
    if !identifier.contains('/') {
        return identifier.to_string();
    }
    let mut out = String::with_capacity(identifier.len() + 8);
    for c in identifier.chars() {
        match c {
            '%' => out.push_str("%25"),
            '/' => out.push_str("%2F"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_identifiers_are_their_own_names_and_registry_ones_are_encoded() {
        assert_eq!(file_name("img-1"), "img-1");
        assert_eq!(
            file_name("127.0.0.1:5000/egi/ubuntu:22.04"),
            "127.0.0.1:5000%2Fegi%2Fubuntu:22.04"
        );
        assert_eq!(file_name("h/a%b"), "h%2Fa%25b");
        assert_ne!(file_name("h/a_b/c"), file_name("h/a/b_c"));
        assert!(!file_name("h/../x").contains('/'));
    }
}
