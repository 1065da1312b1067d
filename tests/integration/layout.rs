//! The shape of the tree, checked so it stays visible: no import cycles between the
//! top-level modules of `src/`, no command calling another command, no test file left
//! out of the test binary.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for item in std::fs::read_dir(dir).unwrap().flatten() {
        let path = item.path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// `crate::NAME` paths a text refers to.
fn crate_references(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '_')
            .collect();
        if !name.is_empty() {
            found.insert(name);
        }
    }
    found
}

/// Each top-level module of `src/` with the other top-level modules it uses.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = root().join("src");
    let mut graph = BTreeMap::new();
    for item in std::fs::read_dir(&src).unwrap().flatten() {
        let path = item.path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name == "lib" || name == "main" {
            continue;
        }
        let files = if path.is_dir() {
            rust_files(&path)
        } else {
            vec![path.clone()]
        };
        let mut uses = BTreeSet::new();
        for file in files {
            uses.extend(crate_references(&std::fs::read_to_string(file).unwrap()));
        }
        uses.remove(&name);
        graph.insert(name, uses);
    }
    graph
}

#[test]
fn no_import_cycles_between_top_level_modules() {
    let graph = module_graph();
    assert!(graph.contains_key("commands") && graph["commands"].contains("cache"));
    // Depth-first search; a module met again on the current path closes a cycle.
    fn visit(
        graph: &BTreeMap<String, BTreeSet<String>>,
        node: &str,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(graph, next, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(cycle) = visit(&graph, node, &mut Vec::new(), &mut done) {
            panic!("import cycle: {}", cycle.join(" -> "));
        }
    }
}

#[test]
fn the_core_never_uses_the_command_layer() {
    let graph = module_graph();
    for (module, uses) in &graph {
        // multicall is a command line too (the original's), translated into ours.
        if module == "commands" || module == "cli" || module == "generate" || module == "multicall"
        {
            continue;
        }
        for layer in ["commands", "cli"] {
            assert!(!uses.contains(layer), "{module} uses {layer}");
        }
    }
    for file in rust_files(&root().join("src/commands")) {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            !text.contains("use crate::commands"),
            "{} imports another command",
            file.display()
        );
    }
}

#[test]
fn no_forgotten_test_files() {
    let dir = root().join("tests/integration");
    let main = std::fs::read_to_string(dir.join("main.rs")).unwrap();
    for item in std::fs::read_dir(&dir).unwrap().flatten() {
        let path = item.path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name == "main" {
            continue;
        }
        assert!(
            main.lines().any(|l| l.trim() == format!("mod {name};")),
            "tests/integration/{name}.rs is not in tests/integration/main.rs: it never runs"
        );
    }
}
