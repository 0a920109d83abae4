#![allow(clippy::unwrap_used)] // Tests fail loudly by design.
//! The headless command line, end to end.
use std::path::Path;
use std::process::Command;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cnn-workbench"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn run(args: &[&str]) -> (bool, String, String) {
    let out = bin().args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn summary_prints_the_keras_style_table() {
    let (ok, out, _) = run(&["summary", "presets/lenet5.ron"]);
    assert!(ok);
    assert!(out.contains("Total params: 61,706"), "{out}");
    assert!(
        out.contains("Conv2d 6@5×5") && out.contains("16×5×5"),
        "{out}"
    );
}

#[test]
fn summary_of_a_bad_preset_names_the_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let impossible = tmp.path().join("impossible.ron");
    std::fs::write(&impossible, "(network: (layers: [Conv2d(out_channels: 6, kernel: 5), Activation(), MaxPool(), Conv2d(out_channels: 16, kernel: 5), Linear(out_features: 10)]))").unwrap();
    let (ok, _, err) = run(&["summary", impossible.to_str().unwrap()]);
    assert!(!ok);
    assert!(
        err.contains("layer 5 Linear: expects a flat input but gets 16×14×14"),
        "{err}"
    );

    let malformed = tmp.path().join("malformed.ron");
    std::fs::write(
        &malformed,
        "(\n  name: \"x\",\n  network: (layers: [Conv2d(kernel: )]),\n)",
    )
    .unwrap();
    let (ok, _, err) = run(&["summary", malformed.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("malformed.ron:3:"), "{err}");

    let (ok, _, err) = run(&["summary", "no-such.ron"]);
    assert!(!ok && err.contains("cannot read no-such.ron"), "{err}");
}

#[test]
fn train_writes_a_run_folder_preset_first_weights_last() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let (ok, stdout, err) = run(&[
        "train",
        "presets/lenet5.ron",
        "--data",
        "synthetic",
        "--epochs",
        "2",
        "--max-steps",
        "30",
        "--train-limit",
        "600",
        "--threads",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(stdout.contains("test accuracy"), "{stdout}");
    let metrics = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
    assert_eq!(metrics.lines().count(), 1 + 2, "{metrics}");
    let mtime = |name: &str| {
        std::fs::metadata(out.join(name))
            .unwrap()
            .modified()
            .unwrap()
    };
    assert!(mtime("preset.ron") <= mtime("metrics.csv"));
    assert!(mtime("metrics.csv") <= mtime("model.safetensors"));
    assert!(!Path::new(&out).join("model.safetensors.tmp").exists());
}

#[test]
fn train_with_a_missing_dataset_folder_says_which() {
    let (ok, _, err) = run(&[
        "train",
        "presets/lenet5.ron",
        "--data",
        "/nowhere/mnist",
        "--epochs",
        "1",
    ]);
    assert!(!ok);
    assert!(
        err.contains("dataset folder /nowhere/mnist does not exist"),
        "{err}"
    );
}

#[test]
fn compare_runs_the_queue_headless_and_prints_the_table() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().to_str().unwrap();
    let (ok, stdout, err) = run(&[
        "compare",
        "presets/lenet5.ron",
        "--vary",
        "activation=relu,mish",
        "--seeds",
        "2",
        "--data",
        "synthetic",
        "--epochs",
        "1",
        "--train-limit",
        "200",
        "--threads",
        "1",
        "--workspace",
        ws,
    ]);
    assert!(ok, "{err}");
    let rows: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("relu ") || l.starts_with("mish "))
        .collect();
    assert_eq!(rows.len(), 2, "{stdout}");
    assert!(rows.iter().all(|r| r.contains(" ± ")), "{stdout}");
    assert_eq!(
        std::fs::read_dir(tmp.path().join("runs")).unwrap().count(),
        4
    );
    // Each variant's two seeds as one ensemble, the same figure `inspect --ensemble` gives.
    let ensemble = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("relu ") && l.contains("(runs:"))
        .unwrap_or_else(|| panic!("{stdout}"));
    let pct = ensemble.split_whitespace().nth(1).unwrap().to_string();
    let mut relu: Vec<String> = std::fs::read_dir(tmp.path().join("runs"))
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .filter(|p| p.contains("-relu-"))
        .collect();
    relu.sort();
    let (ok, out, err) = run(&["inspect", &relu[0], "--ensemble", &relu[1]]);
    assert!(ok, "{err}");
    let line = out.lines().find(|l| l.contains("ensemble of 2")).unwrap();
    assert!(line.contains(&pct), "{line} vs {pct}");
    let comparison = std::fs::read_dir(tmp.path().join("comparisons"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    assert!(comparison.join("ensembles.ron").is_file());
    assert_eq!(
        std::fs::read_dir(tmp.path().join("comparisons"))
            .unwrap()
            .count(),
        1
    );
    let (ok, _, err) = run(&[
        "compare",
        "presets/lenet5.ron",
        "--vary",
        "colour=red",
        "--workspace",
        ws,
    ]);
    assert!(!ok && err.contains("unknown dimension \"colour\""), "{err}");
}

#[test]
fn quiet_training_prints_only_the_result_line() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let (ok, stdout, err) = run(&[
        "train",
        "presets/lenet5.ron",
        "--data",
        "synthetic",
        "--epochs",
        "1",
        "--train-limit",
        "200",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(ok, "{err}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    assert!(lines[0].starts_with("RESULT steps=") && lines[0].contains("images_per_sec="));
}

#[test]
fn help_says_how_to_open_a_preset_in_the_window_and_train_it() {
    let (ok, out, _) = run(&["--help"]);
    assert!(ok);
    assert!(out.contains("cnn-workbench [OPTIONS] [PRESET]"), "{out}");
    assert!(out.contains("--train"), "{out}");
    assert!(out.contains("PRESET.ron --train"), "{out}");
    // --train without a preset is refused with clap's message, not a window.
    let (ok, _, err) = run(&["--train"]);
    assert!(!ok);
    assert!(err.contains("<PRESET>"), "{err}");
}

#[test]
fn quiet_training_reports_the_whole_loop_time_and_probes_can_be_turned_off() {
    let tmp = tempfile::tempdir().unwrap();
    let (ok, out, err) = run(&[
        "train",
        "presets/lenet5.ron",
        "--data",
        "synthetic",
        "--max-steps",
        "20",
        "--probe-every",
        "0",
        "--quiet",
        "--out",
        tmp.path().join("r").to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let field = |name: &str| -> f64 {
        out.split_whitespace()
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
            .unwrap_or_else(|| panic!("{name} in {out}"))
            .parse()
            .unwrap()
    };
    assert_eq!(field("steps"), 20.0);
    assert!(
        field("loop_secs") > 0.0 && field("loop_images_per_sec") > 0.0,
        "{out}"
    );
    let log = std::fs::read_to_string(tmp.path().join("r/events.log")).unwrap();
    assert!(!log.contains("Probe("), "--probe-every 0 probes nothing");
}

#[test]
fn resume_refuses_a_finished_run_and_leaves_its_folder_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("done");
    let (ok, _, err) = run(&[
        "train",
        "presets/lenet5.ron",
        "--data",
        "synthetic",
        "--epochs",
        "1",
        "--max-steps",
        "10",
        "--train-limit",
        "400",
        "--threads",
        "1",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let files = |dir: &Path| -> Vec<(String, Vec<u8>)> {
        let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .map(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read(&p).unwrap())
            })
            .collect();
        v.sort();
        v
    };
    let before = files(&out);
    assert!(before.iter().any(|(n, _)| n == "resume.safetensors"));
    let (ok, _, err) = run(&["resume", out.to_str().unwrap(), "--quiet"]);
    assert!(!ok, "a finished run was resumed");
    assert!(
        err.contains("finished")
            && err.contains("cannot be resumed")
            && err.contains("--init-from"),
        "{err}"
    );
    assert_eq!(files(&out), before, "the run folder changed");
}

/// The binary run from `cwd` as a user whose home is `home` (the default workspace is then
/// `home/data/cnn-workbench`), with no workspace variable set.
fn bin_in(cwd: &Path, home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cnn-workbench"));
    c.current_dir(cwd)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env_remove("CNN_WORKBENCH_WORKSPACE");
    c
}

fn output(c: &mut Command) -> (bool, String, String) {
    let out = c.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const SHORT_RUN: [&str; 8] = [
    "train",
    "presets/lenet5.ron",
    "--data",
    "synthetic",
    "--max-steps",
    "5",
    "--train-limit",
    "300",
];

#[test]
fn a_run_trained_in_any_folder_lands_in_the_workspace_the_window_lists() {
    let (cwd, home) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // The issue's command, from a folder without presets/: the bundled preset is used.
    let (ok, out, err) = output(bin_in(cwd.path(), home.path()).args([
        "train",
        "presets/lenet5.ron",
        "--data",
        "synthetic",
        "--max-steps",
        "5",
    ]));
    assert!(ok, "{err}");
    let workspace = home.path().join("data/cnn-workbench");
    assert!(out.contains(&workspace.display().to_string()), "{out}");
    assert!(
        !cwd.path().join("runs").exists(),
        "nothing is written in the current folder"
    );
    let runs = cnn_workbench::runs::history::scan(&workspace);
    assert_eq!(runs.len(), 1);
    assert!(
        matches!(
            runs[0].status,
            cnn_workbench::runs::RunStatus::Finished { .. }
        ),
        "{:?}",
        runs[0].status
    );
    assert_eq!(runs[0].params, Some(61_706));
    // Other commands take the run by its id in the same workspace.
    let (ok, out, err) = output(bin_in(cwd.path(), home.path()).args(["inspect", &runs[0].id]));
    assert!(ok, "{err}");
    assert!(out.contains("test accuracy"), "{out}");
}

#[test]
fn the_workspace_flag_beats_the_variable_which_beats_the_default() {
    let (cwd, home) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (env_ws, flag_ws) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (ok, _, err) = output(
        bin_in(cwd.path(), home.path())
            .args(SHORT_RUN)
            .env("CNN_WORKBENCH_WORKSPACE", env_ws.path()),
    );
    assert!(ok, "{err}");
    assert_eq!(cnn_workbench::runs::history::scan(env_ws.path()).len(), 1);
    let (ok, _, err) = output(
        bin_in(cwd.path(), home.path())
            .args(SHORT_RUN)
            .args(["--workspace", flag_ws.path().to_str().unwrap()])
            .env("CNN_WORKBENCH_WORKSPACE", env_ws.path()),
    );
    assert!(ok, "{err}");
    assert_eq!(cnn_workbench::runs::history::scan(flag_ws.path()).len(), 1);
    assert_eq!(cnn_workbench::runs::history::scan(env_ws.path()).len(), 1);
    assert!(!home.path().join("data/cnn-workbench/runs").exists());
}

#[test]
fn a_workspace_that_is_a_file_or_missing_is_refused_with_its_path() {
    let (cwd, home) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let file = cwd.path().join("notes.txt");
    std::fs::write(&file, "not a folder").unwrap();
    let (ok, _, err) = output(
        bin_in(cwd.path(), home.path())
            .args(SHORT_RUN)
            .args(["--workspace", file.to_str().unwrap()]),
    );
    assert!(!ok);
    assert!(
        err.contains(&format!("workspace {} is a file", file.display())),
        "{err}"
    );
    let missing = cwd.path().join("nowhere");
    let (ok, _, err) = output(
        bin_in(cwd.path(), home.path())
            .args(["compare", "presets/lenet5.ron", "--seeds", "1"])
            .env("CNN_WORKBENCH_WORKSPACE", &missing),
    );
    assert!(!ok);
    assert!(
        err.contains(&format!("workspace {} does not exist", missing.display())),
        "{err}"
    );
    assert!(
        !missing.exists(),
        "a chosen workspace is not created behind the user's back"
    );
}
