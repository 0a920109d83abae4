#![allow(clippy::unwrap_used)] // Tests fail loudly by design.
//! Keeps ARCHITECTURE.md true where the compiler cannot: the layer table is the crate graph
//! (each crate under `src/` depends on exactly the crates its row names), libtorch is the
//! engine's alone, the plain-data crates pull in neither libtorch nor egui, and the panels in
//! `ui/` touch no threads, libtorch or file system. A forbidden import itself does not compile:
//! the crate it names is not a dependency.
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

const ROOT_CRATE: &str = "cnn-workbench";

/// The repository's top folder (this test is run by the spec crate, from src/spec).
fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// The "depends on" column of ARCHITECTURE.md's layer table: crate → crates.
fn table(markdown: &str) -> Graph {
    let mut rows = Graph::new();
    for line in markdown.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // | `crate` | holds | depends on |
        if cells.len() < 5 || !cells[1].starts_with('`') {
            continue;
        }
        let deps = cells[3]
            .split(',')
            .map(|s| s.trim().trim_matches('`').to_string())
            .filter(|s| !s.is_empty() && s != "—")
            .collect();
        rows.insert(cells[1].trim_matches('`').to_string(), deps);
    }
    rows
}

/// The names under a manifest's `[dependencies]` (not dev- or build-dependencies).
fn dependencies(manifest: &str) -> BTreeSet<String> {
    let mut in_deps = false;
    let mut names = BTreeSet::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_deps = line == "[dependencies]";
            continue;
        }
        if in_deps && !line.is_empty() && !line.starts_with('#') {
            let name = line.split(['.', '=', ' ']).next().unwrap_or("");
            names.insert(name.to_string());
        }
    }
    names
}

/// Every workspace crate (by its short name, as the table and the code name it) with all of
/// its dependencies, from the manifests: `src/<name>/Cargo.toml` and the top-level one.
fn manifests() -> BTreeMap<String, BTreeSet<String>> {
    let top = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let members: Vec<String> = top
        .lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix("\"src/"))
        .map(|l| l.trim_end_matches(['"', ',']).to_string())
        .collect();
    let mut all = BTreeMap::new();
    for m in members {
        let text = std::fs::read_to_string(root().join("src").join(&m).join("Cargo.toml")).unwrap();
        all.insert(m, dependencies(&text));
    }
    all.insert(ROOT_CRATE.to_string(), dependencies(&top));
    all
}

/// Each crate's dependencies against its row: the problems, in words.
fn compare(rows: &Graph, crates: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, deps) in crates {
        let Some(row) = rows.get(name) else {
            problems.push(format!(
                "crate `{name}` has no row in ARCHITECTURE.md's table"
            ));
            continue;
        };
        let layers: BTreeSet<String> = deps
            .iter()
            .filter(|d| crates.contains_key(*d))
            .cloned()
            .collect();
        for extra in layers.difference(row) {
            problems.push(format!(
                "`{name}` depends on `{extra}`, which its row in ARCHITECTURE.md does not name"
            ));
        }
        for missing in row.difference(&layers) {
            problems.push(format!(
                "ARCHITECTURE.md says `{name}` depends on `{missing}`, but its Cargo.toml does not"
            ));
        }
    }
    for name in rows.keys().filter(|r| !crates.contains_key(*r)) {
        problems.push(format!("ARCHITECTURE.md's row `{name}` is not a crate"));
    }
    problems
}

#[test]
fn the_layer_table_is_the_crate_graph() {
    let md = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let rows = table(&md);
    let crates = manifests();
    assert!(
        crates.len() >= 10,
        "workspace members not found: {crates:?}"
    );
    let problems = compare(&rows, &crates);
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn libtorch_is_the_engines_alone_and_plain_crates_have_no_window() {
    let crates = manifests();
    let with_tch: Vec<&String> = crates
        .iter()
        .filter(|(_, deps)| deps.contains("tch") || deps.contains("torch-sys"))
        .map(|(name, _)| name)
        .collect();
    assert_eq!(with_tch, ["engine"], "crates that depend on libtorch");
    // What a crate reaches through the workspace, itself included.
    let reach = |name: &str| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![name.to_string()];
        while let Some(c) = todo.pop() {
            if seen.insert(c.clone()) {
                todo.extend(
                    crates[&c]
                        .iter()
                        .filter(|d| crates.contains_key(*d))
                        .cloned(),
                );
            }
        }
        seen
    };
    for plain in ["spec", "protocol", "fetch", "runs", "render"] {
        for c in reach(plain) {
            let heavy: Vec<&String> = crates[&c]
                .iter()
                .filter(|d| {
                    ["tch", "torch-sys", "egui", "eframe", "egui_plot"].contains(&d.as_str())
                })
                .collect();
            assert!(
                heavy.is_empty(),
                "`{plain}` reaches {heavy:?} through `{c}`"
            );
        }
    }
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

/// Things a `ui/` file must not do, with the reason. (The ui crate cannot name libtorch or
/// the engine; threads, files and dialogs it could, through std and egui.)
const UI_FORBIDDEN: [(&str, &str); 4] = [
    (
        "std::thread",
        "panels never spawn threads: the app owns workers",
    ),
    ("std::fs", "panels never touch the file system"),
    ("image::open", "panels never read files"),
    ("rfd::", "file dialogs are the app's"),
];

fn ui_problems(file: &str, text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        for (needle, why) in UI_FORBIDDEN {
            if code.contains(needle) {
                problems.push(format!("{file}:{}: uses {needle}: {why}", n + 1));
            }
        }
    }
    problems
}

#[test]
fn the_panels_stay_pure() {
    let mut files = Vec::new();
    rust_files(&root().join("src/ui"), &mut files);
    assert!(files.len() > 20, "ui files found: {}", files.len());
    let problems: Vec<String> = files
        .iter()
        .flat_map(|f| {
            let name = f.strip_prefix(root()).unwrap_or(f).display().to_string();
            ui_problems(&name, &std::fs::read_to_string(f).unwrap())
        })
        .collect();
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn the_checks_catch_what_they_are_for() {
    let rows = table("| `spec` | x | — |\n| `engine` | x | `spec` |\n| `runs` | x | `spec` |\n");
    let crates = |runs: &[&str]| {
        let mut c = BTreeMap::new();
        c.insert("spec".to_string(), BTreeSet::from(["serde".to_string()]));
        c.insert(
            "engine".to_string(),
            BTreeSet::from(["spec".to_string(), "tch".to_string()]),
        );
        c.insert(
            "runs".to_string(),
            runs.iter().map(|s| s.to_string()).collect(),
        );
        c
    };
    assert!(compare(&rows, &crates(&["spec", "ron"])).is_empty());
    let extra = compare(&rows, &crates(&["spec", "engine"]));
    assert_eq!(
        extra,
        ["`runs` depends on `engine`, which its row in ARCHITECTURE.md does not name"]
    );
    let missing = compare(&rows, &crates(&[]));
    assert_eq!(
        missing,
        ["ARCHITECTURE.md says `runs` depends on `spec`, but its Cargo.toml does not"]
    );
    assert_eq!(
        dependencies("[dependencies]\nspec.workspace = true\ntch = \"0.26\"\n\n[dev-dependencies]\ntempfile = \"3\"\n"),
        BTreeSet::from(["spec".to_string(), "tch".to_string()])
    );
    // The panels may not spawn threads; a comment may mention it.
    let ui = "// std::thread is the app's\nstd::thread::Builder::new();\n";
    let found = ui_problems("f.rs", ui);
    assert_eq!(found.len(), 1);
    assert!(
        found[0].starts_with("f.rs:2: uses std::thread"),
        "{}",
        found[0]
    );
}

/// The fields of `struct NAME { … }` in `text` (one per line, as rustfmt writes them).
fn struct_fields(text: &str, name: &str) -> Vec<String> {
    let head = format!("pub struct {name} {{");
    let Some(start) = text.find(&head) else {
        return Vec::new();
    };
    text[start + head.len()..]
        .lines()
        .take_while(|l| !l.starts_with('}'))
        .map(str::trim)
        .filter(|l| !l.starts_with("//") && !l.starts_with("#["))
        .filter_map(|l| l.trim_start_matches("pub ").split_once(':'))
        .map(|(field, _)| field.trim().to_string())
        .collect()
}

/// The window stays in parts (issue 21): dialogs and secondary windows live in
/// `app/windows.rs`, each a `View` owning its state; the app's struct holds parts, not
/// every flag and buffer of every dialog.
#[test]
fn the_window_is_made_of_parts() {
    let text = std::fs::read_to_string(root().join("src/app/mod.rs")).unwrap();
    let fields = struct_fields(&text, "WorkbenchApp");
    assert!(fields.len() > 5, "fields found: {fields:?}");
    assert!(
        fields.len() < 20,
        "WorkbenchApp has {} fields: put what belongs together in a part (app/parts.rs) or a \
         window (app/windows.rs): {fields:?}",
        fields.len()
    );
    let windows = std::fs::read_to_string(root().join("src/app/windows.rs")).unwrap();
    for window in struct_fields(&windows, "Windows") {
        assert!(
            windows.contains(&format!("show_slot(&mut self.{window},")),
            "the window `{window}` is never shown"
        );
    }
    let sample = "pub struct A {\n    /// doc\n    pub x: u8,\n    y: Vec<u8>,\n}\n";
    assert_eq!(struct_fields(sample, "A"), ["x", "y"]);
}

/// The variants of `spec::Layer`, read from its definition.
fn layer_kinds() -> Vec<String> {
    let text = std::fs::read_to_string(root().join("src/spec/layer/mod.rs")).unwrap();
    let body = text.split("pub enum Layer {").nth(1).unwrap();
    let body = &body[..body.find("\n}").unwrap()];
    body.lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("//") && !l.is_empty())
        .map(|l| {
            l.split(|c: char| !c.is_alphanumeric())
                .next()
                .unwrap()
                .to_string()
        })
        .collect()
}

/// Where a layer kind may be named outside its family's file: the variant, its rules and its
/// palette entry (`spec/layer/mod.rs`), its libtorch module and its card's widgets.
const KIND_FILES: [&str; 3] = [
    "src/spec/layer/mod.rs",
    "src/engine/layers/mod.rs",
    "src/ui/editor.rs",
];

/// Features that are about one kind by nature (they are not per-kind decisions a new kind
/// must be added to): "explain this number" and the filter views find convolutions; the
/// comparison's dimensions set dropout rates and insert normalization layers after
/// convolutions; the probes tell activation layers from blocks that end in one.
const ABOUT_ONE_KIND: [(&str, &str); 7] = [
    ("Conv2d", "src/engine/explain.rs"),
    ("Conv2d", "src/engine/inspect.rs"),
    ("Conv2d", "src/spec/compare.rs"),
    ("Dropout", "src/spec/compare.rs"),
    ("Dropout2d", "src/spec/compare.rs"),
    ("Norm", "src/spec/compare.rs"),
    ("Activation", "src/engine/train/probe.rs"),
];

#[test]
fn a_layer_kind_is_named_in_three_files_beside_its_own() {
    let kinds = layer_kinds();
    assert!(kinds.len() >= 19, "{kinds:?}");
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let texts: Vec<(String, String)> = files
        .iter()
        .map(|f| {
            let rel = f
                .strip_prefix(root())
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (rel, std::fs::read_to_string(f).unwrap())
        })
        .collect();
    let mut problems = Vec::new();
    for kind in &kinds {
        let needle = format!("Layer::{kind}");
        for (file, text) in &texts {
            let named = text
                .match_indices(&needle)
                .any(|(i, _)| !text[i + needle.len()..].starts_with(|c: char| c.is_alphanumeric()));
            let allowed = KIND_FILES.contains(&file.as_str())
                || ABOUT_ONE_KIND.contains(&(kind.as_str(), file.as_str()));
            if named && !allowed {
                problems.push(format!(
                    "{file} names {needle}: per-kind rules belong in the kind's LayerRules"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
