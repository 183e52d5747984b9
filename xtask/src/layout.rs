//! `cargo xtask layout`: the code's layout rules, checked.
//!
//! - No source file over [`MAX_LINES`] lines.
//! - No import circle between the files of a crate: file A naming a path in file B (`use
//!   crate::b::X`, `super::b::f()`, `b::T`) is an edge A → B, and the graph has no cycle.
//!   Declaring a module (`mod b;`) and method calls are not edges, so a module's `impl` blocks
//!   may live in its children. Comments and `#[cfg(test)] mod tests` are not read.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The longest a source file may be.
pub const MAX_LINES: usize = 600;

type Module = Vec<String>;

/// What breaks the rules, one line each; empty when the layout is as it should be.
pub fn check(root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let mut folders: Vec<PathBuf> = std::fs::read_dir(root.join("crates"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("src"))
        .filter(|p| p.is_dir())
        .collect();
    folders.push(root.join("xtask/src"));
    folders.sort();
    for src in folders {
        let files = rust_files(&src);
        for file in &files {
            let lines = std::fs::read_to_string(file).map(|t| t.lines().count()).unwrap_or(0);
            if lines > MAX_LINES {
                problems.push(format!("{}: {lines} lines (at most {MAX_LINES})", rel(root, file)));
            }
        }
        let name = rel(root, &src);
        for circle in circles(&src, &files) {
            problems.push(format!("{name}: import circle {}", circle.join(" → ")));
        }
    }
    problems
}

fn rel(root: &Path, path: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).display().to_string()
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn module_of(src: &Path, file: &Path) -> Module {
    let rel = file.strip_prefix(src).unwrap_or(file).with_extension("");
    let mut parts: Module = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        parts.pop();
    }
    parts
}

/// The code a file's imports are read from: without comments and without its test module.
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    text.lines()
        .map(|line| match line.find("//") {
            // `//` inside a string ("https://…") cuts the line short: that only loses paths.
            Some(i) => &line[..i],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `a::b::c` path in `code`, as its segments.
fn paths(code: &str) -> Vec<(Vec<String>, Vec<Vec<String>>)> {
    let bytes = code.as_bytes();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !ident(bytes[i]) || (i > 0 && (ident(bytes[i - 1]) || bytes[i - 1] == b':')) {
            i += 1;
            continue;
        }
        let mut segments = Vec::new();
        let mut j = i;
        loop {
            let start = j;
            while j < bytes.len() && ident(bytes[j]) {
                j += 1;
            }
            segments.push(code[start..j].to_string());
            if code[j..].starts_with("::") && j + 2 < bytes.len() && ident(bytes[j + 2]) {
                j += 2;
            } else {
                break;
            }
        }
        // `a::{b, c::d}`: each item is a path after the prefix.
        let mut groups = Vec::new();
        if code[j..].starts_with("::{")
            && let Some(end) = code[j..].find('}')
        {
            for item in code[j + 3..j + end].split(',') {
                let item: Vec<String> = item.trim().split("::").map(|s| s.trim().to_string()).collect();
                if !item[0].is_empty() {
                    groups.push(item);
                }
            }
            j += end;
        }
        if segments.len() > 1 || !groups.is_empty() {
            out.push((segments, groups));
        }
        i = j.max(i + 1);
    }
    out
}

fn circles(src: &Path, files: &[PathBuf]) -> Vec<Vec<String>> {
    let modules: BTreeMap<Module, &PathBuf> = files.iter().map(|f| (module_of(src, f), f)).collect();
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (module, file) in &modules {
        let text = code(&std::fs::read_to_string(file).unwrap_or_default());
        let deps = edges.entry(module.clone()).or_default();
        for (segments, groups) in paths(&text) {
            let (base, rest): (Module, &[String]) = match segments[0].as_str() {
                "crate" => (Vec::new(), &segments[1..]),
                "self" => (module.clone(), &segments[1..]),
                "super" => {
                    let mut base = module.clone();
                    base.pop();
                    let mut rest = &segments[1..];
                    while rest.first().is_some_and(|s| s == "super") {
                        base.pop();
                        rest = &rest[1..];
                    }
                    (base, rest)
                }
                first => {
                    let mut child = module.clone();
                    child.push(first.to_string());
                    if !modules.contains_key(&child) {
                        continue;
                    }
                    (module.clone(), &segments[..])
                }
            };
            let target = |base: &Module, rest: &[String]| {
                let mut best = base.clone();
                for segment in rest {
                    let mut next = best.clone();
                    next.push(segment.clone());
                    if modules.contains_key(&next) {
                        best = next;
                    } else {
                        break;
                    }
                }
                best
            };
            let prefix = target(&base, rest);
            if groups.is_empty() {
                deps.insert(prefix);
            } else {
                let mut full = base.clone();
                full.extend(rest.iter().cloned());
                for item in groups {
                    deps.insert(target(&full, item.as_slice()));
                }
                if prefix != full {
                    deps.insert(prefix);
                }
            }
        }
        deps.remove(module);
    }
    strongly_connected(&edges)
        .into_iter()
        .filter(|c| c.len() > 1)
        .map(|c| {
            c.iter()
                .map(|m| {
                    if m.is_empty() {
                        "(root)".to_string()
                    } else {
                        m.join("::")
                    }
                })
                .collect()
        })
        .collect()
}

/// Tarjan's algorithm, iterative over the (small) graph.
fn strongly_connected(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct State<'a> {
        edges: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'a Module, usize>,
        low: BTreeMap<&'a Module, usize>,
        stack: Vec<&'a Module>,
        on_stack: BTreeSet<&'a Module>,
        out: Vec<Vec<Module>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a Module) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        if let Some(targets) = s.edges.get(v) {
            for w in targets {
                let Some((w, _)) = s.edges.get_key_value(w) else {
                    continue;
                };
                if !s.index.contains_key(w) {
                    visit(s, w);
                    let low = s.low[v].min(s.low[w]);
                    s.low.insert(v, low);
                } else if s.on_stack.contains(w) {
                    let low = s.low[v].min(s.index[w]);
                    s.low.insert(v, low);
                }
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.clone());
                if w == v {
                    break;
                }
            }
            component.sort();
            s.out.push(component);
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_project_keeps_its_layout_rules() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace");
        let problems = check(root);
        assert!(problems.is_empty(), "layout rules broken:\n{}", problems.join("\n"));
    }

    #[test]
    fn a_circle_between_two_files_is_found_and_a_child_impl_is_not_one() {
        let dir = std::env::temp_dir().join(format!("webpane-layout-{}", std::process::id()));
        let src = dir.join("src");
        std::fs::create_dir_all(src.join("parent")).unwrap();
        std::fs::write(src.join("lib.rs"), "mod a;\nmod b;\nmod parent;\n").unwrap();
        std::fs::write(src.join("a.rs"), "use crate::b::B;\npub struct A;\n").unwrap();
        std::fs::write(
            src.join("b.rs"),
            "// use crate::parent::X; is a comment\npub struct B(crate::a::A);\n",
        )
        .unwrap();
        std::fs::write(src.join("parent/mod.rs"), "mod child;\npub struct P;\n").unwrap();
        std::fs::write(
            src.join("parent/child.rs"),
            "use super::P;\nimpl P { fn f(&self) {} }\n",
        )
        .unwrap();
        let files = rust_files(&src);
        let found = circles(&src, &files);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(found, vec![vec!["a".to_string(), "b".to_string()]]);
    }
}
