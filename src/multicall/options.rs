//! The original's command lines, parsed the way Python's optparse does: short options
//! (grouped `-lv`, value attached `-uX` or next), long options (`--opt value`,
//! `--opt=value`, unique prefixes `--auto` for `--auto-endorse`), repeatable.

/// One option of an original command.
pub(crate) struct Opt {
    pub short: Option<char>,
    pub long: &'static str,
    /// Takes a value.
    pub value: bool,
    pub help: &'static str,
}

/// Shorthand for the tables: `opt('l', "list", false, "…")`.
pub(crate) const fn opt(short: char, long: &'static str, value: bool, help: &'static str) -> Opt {
    Opt {
        short: Some(short),
        long,
        value,
        help,
    }
}

/// A long-only option.
pub(crate) const fn long(long: &'static str, value: bool, help: &'static str) -> Opt {
    Opt {
        short: None,
        long,
        value,
        help,
    }
}

/// The options given, in order, each by its long name.
#[derive(Debug, Default)]
pub(crate) struct Given {
    pub options: Vec<(&'static str, Option<String>)>,
    /// Arguments that are not options (the original ignores them).
    pub positional: Vec<String>,
}

impl Given {
    pub(crate) fn has(&self, name: &str) -> bool {
        self.options.iter().any(|(n, _)| *n == name)
    }

    pub(crate) fn count(&self, name: &str) -> u8 {
        self.options.iter().filter(|(n, _)| *n == name).count() as u8
    }

    /// Every value of a repeatable option, in order.
    pub(crate) fn values(&self, name: &str) -> Vec<String> {
        self.options
            .iter()
            .filter(|(n, _)| *n == name)
            .filter_map(|(_, v)| v.clone())
            .collect()
    }

    /// The last value of an option (optparse's "store").
    pub(crate) fn value(&self, name: &str) -> Option<String> {
        self.values(name).pop()
    }
}

/// Parses `args` (without the program name) against `table`; the error is optparse's
/// message (`no such option: -D`), for exit code 2.
pub(crate) fn parse(table: &[Opt], args: &[String]) -> Result<Given, String> {
    let mut given = Given::default();
    let mut next = 0;
    while next < args.len() {
        let arg = &args[next];
        next += 1;
        if arg == "--" {
            given.positional.extend(args[next..].iter().cloned());
            break;
        }
        if let Some(body) = arg.strip_prefix("--") {
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (body, None),
            };
            let o = find_long(table, name)?;
            let value = if o.value {
                if let Some(v) = inline {
                    Some(v)
                } else {
                    let v = args
                        .get(next)
                        .ok_or_else(|| format!("--{} option requires an argument", o.long))?;
                    next += 1;
                    Some(v.clone())
                }
            } else if inline.is_some() {
                return Err(format!("--{} option does not take a value", o.long));
            } else {
                None
            };
            given.options.push((o.long, value));
        } else if arg.len() > 1 && arg.starts_with('-') {
            let letters: Vec<char> = arg[1..].chars().collect();
            for (at, letter) in letters.iter().enumerate() {
                let o = table
                    .iter()
                    .find(|o| o.short == Some(*letter))
                    .ok_or_else(|| format!("no such option: -{letter}"))?;
                if o.value {
                    let rest: String = letters[at + 1..].iter().collect();
                    let value = if rest.is_empty() {
                        let value = args
                            .get(next)
                            .ok_or_else(|| format!("-{letter} option requires an argument"))?;
                        next += 1;
                        value.clone()
                    } else {
                        rest
                    };
                    given.options.push((o.long, Some(value)));
                    break;
                }
                given.options.push((o.long, None));
            }
        } else {
            given.positional.push(arg.clone());
        }
    }
    Ok(given)
}

fn find_long<'t>(table: &'t [Opt], name: &str) -> Result<&'t Opt, String> {
    if let Some(o) = table.iter().find(|o| o.long == name) {
        return Ok(o);
    }
    let matches: Vec<&Opt> = table.iter().filter(|o| o.long.starts_with(name)).collect();
    match matches.as_slice() {
        [one] if !name.is_empty() => Ok(one),
        [] | [_] => Err(format!("no such option: --{name}")),
        many => Err(format!(
            "ambiguous option: --{name} ({}?)",
            many.iter()
                .map(|o| format!("--{}", o.long))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The `--help` text: usage and one line per option.
pub(crate) fn help(prog: &str, about: &str, table: &[Opt]) -> String {
    let mut out = format!("Usage: {prog} [options]\n\n{about}\n\nOptions:\n");
    out.push_str("  --version             show program's version number and exit\n");
    out.push_str("  -h, --help            show this help message and exit\n");
    for o in table {
        let mut names = match o.short {
            Some(c) => format!("-{c}, --{}", o.long),
            None => format!("--{}", o.long),
        };
        if o.value {
            names.push_str(&format!(
                "={}",
                o.long.to_ascii_uppercase().replace('-', "_")
            ));
        }
        if names.len() < 22 {
            out.push_str(&format!("  {names:<22}{}\n", o.help));
        } else {
            out.push_str(&format!("  {names}\n  {:<22}{}\n", "", o.help));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &[Opt] = &[
        opt('l', "list", false, ""),
        opt('u', "uuid", true, ""),
        opt('v', "verbose", false, ""),
        opt('e', "auto-endorse", false, ""),
        long("image-accept", true, ""),
        long("image-refuse", true, ""),
    ];

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| (*s).to_string()).collect()
    }

    #[test]
    fn optparse_forms() {
        let g = parse(
            TABLE,
            &args(&["-lvv", "-uX", "-u", "Y", "--auto", "--image-accept=Z"]),
        )
        .unwrap();
        assert!(g.has("list") && g.has("auto-endorse"));
        assert_eq!(g.count("verbose"), 2);
        assert_eq!(g.values("uuid"), ["X", "Y"]);
        assert_eq!(g.value("image-accept").as_deref(), Some("Z"));
    }

    #[test]
    fn errors_are_optparse_messages() {
        assert_eq!(
            parse(TABLE, &args(&["-D"])).unwrap_err(),
            "no such option: -D"
        );
        assert_eq!(
            parse(TABLE, &args(&["-u"])).unwrap_err(),
            "-u option requires an argument"
        );
        assert!(parse(TABLE, &args(&["--image"]))
            .unwrap_err()
            .starts_with("ambiguous option: --image"));
    }
}
