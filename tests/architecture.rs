#![allow(clippy::unwrap_used)] // Tests fail loudly by design.
//! Keeps ARCHITECTURE.md true: every `crate::…` (and, in the binary's `cli`, `cnn_workbench::…`)
//! path in a file under `src/<layer>/` must name that layer or one the table allows it to
//! import; the panels in `ui/` must not touch threads, libtorch or the file system.
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Rules = BTreeMap<String, BTreeSet<String>>;

/// The "may import" column of ARCHITECTURE.md's layer table.
fn rules(markdown: &str) -> Rules {
    let mut rules = Rules::new();
    for line in markdown.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // | `layer` | holds | may import |
        if cells.len() < 5 || !cells[1].starts_with('`') {
            continue;
        }
        let layer = cells[1].trim_matches('`').to_string();
        let allowed = cells[3]
            .split(',')
            .map(|s| s.trim().trim_matches('`').to_string())
            .filter(|s| !s.is_empty() && s != "—")
            .collect();
        rules.insert(layer, allowed);
    }
    rules
}

/// The top-level modules a line refers to: `crate::a::…`, `crate::{a, b::c}`, and
/// `cnn_workbench::a` in the binary.
fn referenced(line: &str, roots: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for root in roots {
        let prefix = format!("{root}::");
        let mut rest = line;
        while let Some(at) = rest.find(&prefix) {
            // `foo_crate::` is not `crate::`.
            let before = rest[..at].chars().last();
            let after = &rest[at + prefix.len()..];
            rest = after;
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            if let Some(group) = after.strip_prefix('{') {
                let mut depth = 0;
                let mut item = String::new();
                for c in group.chars() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            found.push(head(&item));
                            item.clear();
                            continue;
                        }
                        _ => {}
                    }
                    if depth == 0 {
                        item.push(c);
                    }
                }
                found.push(head(&item));
            } else {
                found.push(head(after));
            }
        }
    }
    found.retain(|m| !m.is_empty() && m != "self");
    found
}

fn head(path: &str) -> String {
    path.trim()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    for e in read.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Things a `ui/` file must not do, with the reason.
const UI_FORBIDDEN: [(&str, &str); 5] = [
    (
        "std::thread",
        "panels never spawn threads: the app owns workers",
    ),
    ("tch::", "panels never touch libtorch"),
    ("std::fs", "panels never touch the file system"),
    ("image::open", "panels never read files"),
    ("rfd::", "file dialogs are the app's"),
];

/// Every violation in one file's text.
fn check_file(layer: &str, file: &str, text: &str, rules: &Rules) -> Vec<String> {
    let roots: &[&str] = if layer == "cli" {
        &["crate", "cnn_workbench"]
    } else {
        &["crate"]
    };
    let mut problems = Vec::new();
    let Some(allowed) = rules.get(layer) else {
        return vec![format!(
            "{file}: layer `{layer}` has no row in ARCHITECTURE.md's table"
        )];
    };
    for (n, line) in text.lines().enumerate() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        for m in referenced(code, roots) {
            // Inside the binary, `crate::` names the binary's own modules (`cli`).
            if m == layer || allowed.contains(&m) || !rules.contains_key(&m) {
                continue;
            }
            problems.push(format!(
                "{file}:{}: `{layer}` imports `{m}`, which ARCHITECTURE.md does not allow ({layer} may import: {})",
                n + 1,
                if allowed.is_empty() {
                    "nothing".to_string()
                } else {
                    allowed.iter().cloned().collect::<Vec<_>>().join(", ")
                }
            ));
        }
        if layer == "ui" {
            for (needle, why) in UI_FORBIDDEN {
                if code.contains(needle) {
                    problems.push(format!("{file}:{}: uses {needle}: {why}", n + 1));
                }
            }
        }
    }
    problems
}

#[test]
fn no_file_imports_across_a_forbidden_arrow() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let md = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let rules = rules(&md);
    assert!(rules.len() >= 8, "the layer table was not found: {rules:?}");
    let lib = std::fs::read_to_string(root.join("src/lib.rs")).unwrap();
    let mut problems = Vec::new();
    let mut checked = 0;
    // Every module of the library (and the binary's cli) is a layer of the table.
    let modules: Vec<String> = lib
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|m| m.trim_end_matches(';').to_string())
        .chain(["cli".to_string()])
        .collect();
    for m in &modules {
        if !rules.contains_key(m) {
            problems.push(format!("src/{m}: no row in ARCHITECTURE.md's layer table"));
        }
        let mut files = Vec::new();
        rust_files(&root.join("src").join(m), &mut files);
        let single = root.join("src").join(format!("{m}.rs"));
        if single.is_file() {
            files.push(single);
        }
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            let name = f.strip_prefix(root).unwrap().display().to_string();
            problems.extend(check_file(m, &name, &text, &rules));
            checked += 1;
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
    // Every source file but the two crate roots was checked: none escapes through a module
    // the walk above did not find.
    let mut all = Vec::new();
    rust_files(&root.join("src"), &mut all);
    assert_eq!(checked, all.len() - 2, "files under src/ checked");
}

#[test]
fn the_checker_catches_a_forbidden_import() {
    let rules = rules(
        "| `spec` | x | — |\n| `engine` | x | `spec` |\n| `runs` | x | `spec`, `engine` |\n| `ui` | x | `spec`, `runs` |\n",
    );
    let bad = "use crate::spec::Preset;\nuse crate::runs::RunFolder;\n";
    let problems = check_file("engine", "src/engine/x.rs", bad, &rules);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("src/engine/x.rs:2: `engine` imports `runs`"),
        "{}",
        problems[0]
    );
    // Grouped imports and paths in expressions count too; comments do not.
    let grouped = "use crate::{spec::Layer, runs::history};\n// crate::runs in a comment\nlet x = crate::runs::slug(\"a\");\n";
    assert_eq!(check_file("engine", "f.rs", grouped, &rules).len(), 2);
    // The panels may not spawn threads.
    let ui = "std::thread::Builder::new();\n";
    assert!(check_file("ui", "f.rs", ui, &rules)[0].contains("never spawn threads"));
    // Allowed imports pass.
    assert!(check_file("runs", "f.rs", bad, &rules).is_empty());
}
