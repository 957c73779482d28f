//! The crate's shape, checked: each ring imports only from the rings below it, and the
//! domain's modules import each other without cycles. Read from the source, so a new `use`
//! that breaks the shape fails here with the file and the line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The rings from the bottom up; a module may use its own ring and those before it.
const RINGS: [&str; 5] = ["domain", "service", "http", "mock_server", "cli"];

/// Every `.rs` file under `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            files.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// `crate::a::b` paths in `text`, as (line, a, b).
fn crate_paths(text: &str) -> Vec<(usize, String, Option<String>)> {
    let mut found = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let mut names = rest
                .split("::")
                .map(|part| {
                    part.chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect::<String>()
                })
                .take(2);
            let first = names.next().unwrap_or_default();
            let second = names.next().filter(|name| !name.is_empty());
            found.push((number + 1, first, second));
        }
    }
    found
}

/// The ring (and, in the domain, the module) a file under `src/` belongs to.
fn place(root: &Path, file: &Path) -> (String, Option<String>) {
    let relative = file.strip_prefix(root).expect("under src");
    let mut parts = relative.iter().map(|p| p.to_string_lossy().into_owned());
    let first = parts.next().unwrap_or_default();
    let first = first.trim_end_matches(".rs").to_owned();
    let second = parts.next().map(|p| p.trim_end_matches(".rs").to_owned());
    (first, second)
}

fn rank(ring: &str) -> Option<usize> {
    RINGS.iter().position(|r| *r == ring)
}

#[test]
fn no_module_imports_from_a_ring_above_it() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut violations = Vec::new();
    for file in sources(&root) {
        let (ring, _) = place(&root, &file);
        let Some(own) = rank(&ring) else {
            continue; // lib.rs, main.rs, bench_support.rs and fuzz_support.rs sit above every ring.
        };
        let text = std::fs::read_to_string(&file).expect("readable");
        for (line, used, _) in crate_paths(&text) {
            if rank(&used).is_some_and(|theirs| theirs > own) {
                violations.push(format!(
                    "{}:{line}: the {ring} ring uses crate::{used}",
                    file.display()
                ));
            }
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn the_domain_modules_import_each_other_without_cycles() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in sources(&root.join("domain")) {
        let (_, module) = place(&root, &file);
        let Some(module) = module else { continue };
        let text = std::fs::read_to_string(&file).expect("readable");
        for (_, ring, used) in crate_paths(&text) {
            if let (true, Some(used)) = (ring == "domain", used)
                && used != module
            {
                uses.entry(module.clone()).or_default().insert(used);
            }
        }
    }
    // Depth-first search for a path back to where it started.
    fn cycle_from(
        start: &str,
        at: &str,
        uses: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        for next in uses.get(at).into_iter().flatten() {
            if next == start {
                let mut cycle = path.clone();
                cycle.push(next.clone());
                return Some(cycle);
            }
            if !path.contains(next) {
                path.push(next.clone());
                if let Some(cycle) = cycle_from(start, next, uses, path) {
                    return Some(cycle);
                }
                path.pop();
            }
        }
        None
    }
    for module in uses.keys() {
        let mut path = vec![module.clone()];
        if let Some(cycle) = cycle_from(module, module, &uses, &mut path) {
            panic!("a cycle in the domain: {}", cycle.join(" → "));
        }
    }
}

#[test]
fn the_checks_see_what_they_look_for() {
    // The parser the two tests above rely on, on lines shaped like the crate's.
    let found = crate_paths(
        "use crate::domain::event::Event; // crate::http is a comment\n x(crate::service::MockService)",
    );
    assert_eq!(
        found,
        vec![
            (1, "domain".into(), Some("event".into())),
            (2, "service".into(), Some("MockService".into())),
        ]
    );
    assert!(rank("http") > rank("service"));
}
