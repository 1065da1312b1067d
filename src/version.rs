//! Numeric-aware ordering of `hv:version` strings.
//!
//! A re-implementation of the original's `split_numeric_sort`
//! (`vmcatcher_subscribe/stringsort.py`, spec §3.5). The update rule "the list version never
//! goes down" (exit code 17) depends on it, so lists that were accepted by the original must
//! order the same way here.
//!
//! Rules, applied left to right:
//! 1. Both strings are split into tokens at each of the delimiters `-` `,` `.` `/`; every
//!    delimiter is a token of its own.
//! 2. Equal tokens are skipped.
//! 3. Two all-digit tokens compare numerically, of any length (no integer overflow).
//! 4. An all-digit token ranks above a token that is not all digits.
//! 5. Other tokens are split again into runs of digits and non-digits and compared with the
//!    same rules, non-digit runs in plain string (code point) order; when all common runs are
//!    equal the token with more runs is greater.
//! 6. When all common tokens are equal, the string with more tokens is greater.
//!
//! Deliberate difference from the Python code: when two digit tokens are numerically equal
//! but spelled differently (`01` vs `1`) the original stops and reports the whole strings as
//! equal, ignoring everything after them (so `01.5` "equals" `1.3`). Here such tokens count
//! as equal and the comparison goes on, as §3.5 describes. Only the digits `0`-`9` are
//! digits (Python 2 `isdigit` on unicode also took other scripts' digits).

use std::cmp::Ordering;

/// Order of `old` relative to `new`, as `old.cmp(new)` would read.
///
/// `Less`: `new` is a newer version; `Equal`: same version (possibly spelled differently,
/// e.g. `1.01` and `1.1`); `Greater`: `new` is older, i.e. a downgrade (exit code 17).
pub(crate) fn compare_versions(old: &str, new: &str) -> Ordering {
    let old_tokens = split_keep(old, is_delimiter);
    let new_tokens = split_keep(new, is_delimiter);
    compare_token_lists(&old_tokens, &new_tokens, compare_runs)
}

fn is_delimiter(c: char) -> bool {
    matches!(c, '-' | ',' | '.' | '/')
}

/// Splits `s` at every delimiter character, keeping each delimiter as its own token.
fn split_keep(s: &str, delim: fn(char) -> bool) -> Vec<&str> {
    let mut tokens = Vec::new();
    let mut start = 0;
    for (i, c) in s.char_indices() {
        if delim(c) {
            if start != i {
                tokens.push(&s[start..i]);
            }
            let end = i + c.len_utf8();
            tokens.push(&s[i..end]);
            start = end;
        }
    }
    if start != s.len() {
        tokens.push(&s[start..]);
    }
    tokens
}

/// Splits `s` into maximal runs of ASCII digits and of non-digits.
fn split_runs(s: &str) -> Vec<&str> {
    let mut runs = Vec::new();
    let mut start = 0;
    let mut prev_digit = None;
    for (i, c) in s.char_indices() {
        let digit = c.is_ascii_digit();
        if prev_digit.is_some_and(|p| p != digit) {
            runs.push(&s[start..i]);
            start = i;
        }
        prev_digit = Some(digit);
    }
    if start != s.len() {
        runs.push(&s[start..]);
    }
    runs
}

fn is_all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Numeric comparison of two digit strings without parsing them into a fixed-width integer.
fn compare_numeric(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Shared loop of both levels: rules 2-4 and 6, with `other` deciding two non-digit tokens.
fn compare_token_lists(a: &[&str], b: &[&str], other: fn(&str, &str) -> Ordering) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        if x == y {
            continue;
        }
        let ord = match (is_all_digits(x), is_all_digits(y)) {
            (true, true) => compare_numeric(x, y),
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => other(x, y),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    a.len().cmp(&b.len())
}

/// Second level (the original's `string_sort`): digit / non-digit runs of one token.
fn compare_runs(x: &str, y: &str) -> Ordering {
    compare_token_lists(&split_runs(x), &split_runs(y), std::cmp::Ord::cmp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::{Equal, Greater, Less};

    #[test]
    fn ordering_table() {
        let table: &[(&str, &str, Ordering)] = &[
            ("1.9", "1.10", Less),
            ("1.10", "1.9", Greater),
            ("1.0", "1.0.1", Less),
            ("1.0a", "1.0b", Less),
            ("2", "1.99", Greater),
            ("1.99", "2", Less),
            ("1.2.3", "1.2.3", Equal),
            ("", "", Equal),
            ("", "1", Less),
            ("20231201", "20231130", Greater),
            ("20231130", "20231201", Less),
            ("1.0-rc1", "1.0-rc2", Less),
            ("1.0-rc2", "1.0-rc10", Less),
            // More tokens win, so a pre-release suffix counts as newer (original behaviour).
            ("1.0", "1.0-rc1", Less),
            ("3.3.0", "3.3.0-1", Less),
            // All-digit token above a non-digit one, at both levels.
            ("1.a", "1.1", Less),
            ("a1", "1a", Less),
            // Delimiters are tokens compared as strings: '.' (0x2e) > '-' (0x2d).
            ("1-0", "1.0", Less),
            // Leading zeros: numerically equal, comparison continues.
            ("1.01", "1.1", Equal),
            ("01.5", "1.3", Greater),
            ("1.0a01", "1.0a1b", Less),
            // Beyond u64/u128.
            (
                "99999999999999999999999999999999999999999",
                "100000000000000000000000000000000000000000",
                Less,
            ),
            ("1.000000000000000000000000000000000000002", "1.2", Equal),
            ("abc", "abd", Less),
            ("v2", "v10", Less),
            ("2023/12/01", "2023/11/30", Greater),
            ("1,2", "1,10", Less),
        ];
        for &(old, new, want) in table {
            assert_eq!(
                compare_versions(old, new),
                want,
                "compare({old:?}, {new:?})"
            );
            assert_eq!(
                compare_versions(new, old),
                want.reverse(),
                "compare({new:?}, {old:?})"
            );
        }
    }

    #[test]
    fn splitting() {
        assert_eq!(
            split_keep("1.0-rc1", is_delimiter),
            ["1", ".", "0", "-", "rc1"]
        );
        assert_eq!(split_keep("..", is_delimiter), [".", "."]);
        assert_eq!(split_keep("", is_delimiter), Vec::<&str>::new());
        assert_eq!(split_runs("rc10b2"), ["rc", "10", "b", "2"]);
        assert_eq!(split_runs("é1"), ["é", "1"]);
    }
}
