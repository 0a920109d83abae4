#![allow(clippy::unwrap_used)] // Tests fail loudly by design.
//! The History's filter language, sorting and grouping over scanned entries, and the workspace
//! checks.
use cnn_workbench_runs as runs;
use protocol::RunMeta;
use runs::compare::Comparison;
use runs::history::filter::{listing, select, Query, Row, Sort, SortKey};
use runs::history::{short_time, RunEntry};
use runs::{check_workspace, RunStatus, RunsError};
use std::collections::HashSet;
use std::path::PathBuf;

fn entry(id: &str, name: &str, val: Option<f32>, test: Option<f32>) -> RunEntry {
    RunEntry {
        dir: PathBuf::from("/ws/runs").join(id),
        id: id.into(),
        meta: RunMeta {
            name: name.into(),
            created: format!("20261130-{id:0>6}"),
            ..RunMeta::default()
        },
        status: match test {
            Some(t) => RunStatus::Finished {
                test_accuracy: t,
                test_top5: None,
                stopped: false,
            },
            None => RunStatus::Interrupted,
        },
        best_val_accuracy: val,
        preset_name: "LeNet-5".into(),
        duration_secs: val.map(|v| f64::from(v) * 100.0),
        params: Some(61_706),
        epochs: 3,
    }
}

fn ids(entries: &[RunEntry], idx: &[usize]) -> Vec<String> {
    idx.iter().map(|&i| entries[i].id.clone()).collect()
}

#[test]
fn metric_filters_read_accuracies_as_fractions_or_percent_and_times_with_units() {
    let e = vec![
        entry("1", "a", Some(0.85), Some(0.86)),
        entry("2", "b", Some(0.95), Some(0.97)),
        entry("3", "c", Some(0.99), Some(0.985)),
        entry("4", "d", None, None),
    ];
    let find = |f: &str| ids(&e, &select(&e, &Query::parse(f).unwrap(), Sort::default()));
    assert_eq!(find("acc > 0.9"), ["3", "2"]);
    assert_eq!(find("val>90"), ["3", "2"]);
    assert_eq!(find("test >= 98"), ["3"]);
    assert_eq!(find("test >= 98.5%"), ["3"]);
    // Durations here are val × 100 s: 85, 95, 99.
    assert_eq!(find("time < 2m"), ["3", "2", "1"]);
    assert_eq!(find("time<1.5min"), ["1"]);
    assert_eq!(find("params < 1e5"), ["4", "3", "2", "1"]);
    assert_eq!(find("params > 100k"), Vec::<String>::new());
    // A run without the number never matches a comparison on it.
    assert_eq!(find("val != 0.95"), ["3", "1"]);
    assert_eq!(find("interrupted"), ["4"]);
    assert_eq!(find("finished acc < 0.9"), ["1"]);
    // A word=value on another word is text (a variant label such as lr=0.01).
    assert_eq!(find("lr=0.01"), Vec::<String>::new());
    assert!(Query::parse("acc > high")
        .unwrap_err()
        .to_string()
        .contains("\"high\" is not a number"));
    assert!(Query::parse("acc => 3")
        .unwrap_err()
        .to_string()
        .contains("unknown comparison \"=>\""));
    assert!(Query::parse("> 3")
        .unwrap_err()
        .to_string()
        .contains("needs a field"));
}

#[test]
fn sorting_puts_missing_numbers_last_in_both_directions() {
    let e = vec![
        entry("1", "b", Some(0.5), Some(0.5)),
        entry("2", "a", None, None),
        entry("3", "c", Some(0.9), Some(0.8)),
    ];
    let sorted =
        |key, descending| ids(&e, &select(&e, &Query::default(), Sort { key, descending }));
    assert_eq!(sorted(SortKey::BestVal, true), ["3", "1", "2"]);
    assert_eq!(sorted(SortKey::BestVal, false), ["1", "3", "2"]);
    assert_eq!(sorted(SortKey::Test, false), ["1", "3", "2"]);
    assert_eq!(sorted(SortKey::Name, false), ["2", "1", "3"]);
    assert_eq!(sorted(SortKey::Date, true), ["3", "2", "1"]);
    assert_eq!(sorted(SortKey::Date, false), ["1", "2", "3"]);
}

#[test]
fn grouping_puts_a_comparison_where_its_first_run_is_and_opens_on_request() {
    let mut e = vec![
        entry("1", "single", Some(0.5), Some(0.5)),
        entry("2", "x", Some(0.6), Some(0.6)),
        entry("3", "y", Some(0.7), Some(0.7)),
        entry("4", "newest single", Some(0.4), Some(0.4)),
    ];
    for i in [1, 2] {
        e[i].meta.comparison = Some("cmp".into());
    }
    let comparisons: Vec<(String, Result<Comparison, RunsError>)> =
        vec![("gone".into(), Err(runs::refused("unreadable")))];
    let closed = listing(&e, &comparisons, "", Sort::default(), true, &HashSet::new());
    // Newest first: 4, then the comparison (its newest run is 3), then 1; the damaged
    // comparison without runs comes last.
    assert_eq!(closed.rows.len(), 4);
    assert_eq!(closed.rows[0], Row::Run(3));
    assert!(matches!(
        closed.rows[1],
        Row::Group {
            matching: 2,
            total: 2,
            ..
        }
    ));
    assert_eq!(closed.rows[2], Row::Run(0));
    assert!(matches!(closed.rows[3], Row::Group { total: 0, .. }));
    let open: HashSet<String> = ["cmp".to_string()].into();
    let opened = listing(&e, &comparisons, "acc > 0.65", Sort::default(), true, &open);
    assert_eq!(opened.matching, 1);
    assert_eq!(opened.rows.len(), 2, "{:?}", opened.rows);
    assert!(matches!(
        opened.rows[0],
        Row::Group {
            matching: 1,
            total: 2,
            ..
        }
    ));
    assert_eq!(opened.rows[1], Row::Run(2));
    // A filter that cannot be read filters nothing and says why.
    let bad = listing(
        &e,
        &comparisons,
        "time < soon",
        Sort::default(),
        false,
        &open,
    );
    assert_eq!(bad.rows.len(), 4);
    assert!(bad.error.unwrap().contains("\"soon\" is not a number"));
}

#[test]
fn runs_of_one_preset_show_when_they_were_made() {
    assert_eq!(short_time("20261127-104512"), "2026-11-27 10:45");
    assert_eq!(short_time(""), "");
}

#[test]
fn a_workspace_that_is_a_file_or_missing_is_refused_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("notes.txt");
    std::fs::write(&file, "x").unwrap();
    let e = check_workspace(&file).unwrap_err().to_string();
    assert!(
        e.contains(&file.display().to_string()) && e.contains("is a file"),
        "{e}"
    );
    let missing = tmp.path().join("nowhere");
    let e = check_workspace(&missing).unwrap_err().to_string();
    assert!(e.contains("nowhere") && e.contains("does not exist"), "{e}");
    check_workspace(tmp.path()).unwrap();
}

/// The RESULT line scripts read: the documented keys in order, values as printed, and a run
/// folder with a space in it read back whole.
#[test]
fn the_result_line_has_the_documented_keys_and_reads_back() {
    let finish = protocol::FinishInfo {
        steps: 56,
        epochs: 2,
        test_loss: 0.31,
        test_accuracy: 0.9125,
        test_top5: None,
        duration_secs: 12.345,
        train_images_per_sec: 1000.04,
        train_loop_secs: 4.0,
        trained_images: 3584,
        stopped: false,
        checkpoint: None,
    };
    let line = finish.result_line(std::path::Path::new("/tmp/my runs/lenet-5"));
    assert_eq!(
        line,
        "RESULT steps=56 epochs=2 test_accuracy=0.9125 test_top5=- duration_secs=12.35 \
         images_per_sec=1000.0 loop_secs=4.00 loop_images_per_sec=896.0 run=/tmp/my runs/lenet-5"
    );
    let fields = protocol::parse_result_line(&line).unwrap();
    let keys: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, protocol::RESULT_KEYS);
    assert_eq!(fields[8].1, "/tmp/my runs/lenet-5");
    assert_eq!(
        protocol::parse_result_line("epoch 1: val accuracy 0.9"),
        None
    );
}
