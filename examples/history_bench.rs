//! `make bench`: the History with 1,000 and 10,000 runs. A real LeNet-5 run (two epochs on the
//! built-in shapes, probes on) is trained once and copied with varied names, tags, presets,
//! statuses, accuracies and times; a third of the runs belong to comparisons of 15. Measured:
//! - scan: `history::scan` + `Comparison::list`, what the window's history thread does between
//!   opening and the list being filled;
//! - filter + sort: the History's listing for a few filters, sorts and grouping (what is redone
//!   when the filter box, a header or the grouping changes; never per frame);
//! - the History tab's frame (layout and tessellation) with every run listed.
//!
//! `HISTORY_BENCH_SIZES=1000,10000` (default) sets the sizes; the folders go to a temporary
//! directory that is removed afterwards.
use cnn_workbench::protocol::{Event, RunMeta, RunOptions};
use cnn_workbench::runs::compare::{Comparison, ComparisonRun};
use cnn_workbench::runs::history::{self, filter};
use cnn_workbench::spec::{CompareSpec, DataSource, Dimension};
use cnn_workbench::ui::history::{history_ui, HistoryLists, HistoryView};
use std::collections::HashSet;
use std::path::Path;
use std::time::Instant;

/// The files the history reads from a run folder.
const READ: [&str; 4] = ["preset.ron", "run.ron", "metrics.csv", "events.log"];

/// Trains the template run into `dir`.
fn train_template(dir: &Path) {
    let mut preset = cnn_workbench::app::library::default_preset();
    preset.data.source = DataSource::Synthetic { rgb: false };
    preset.data.train_limit = Some(3_000);
    preset.training.epochs = 2;
    preset.training.threads = 2;
    let opts = RunOptions {
        run_dir: Some(dir.to_path_buf()),
        meta: RunMeta {
            name: preset.name.clone(),
            created: cnn_workbench::runs::timestamp(),
            ..RunMeta::default()
        },
        ..RunOptions::default()
    };
    let mut trainer = cnn_workbench::launch::start(preset, opts).expect("a trainer thread");
    while let Some(e) = trainer.recv() {
        match e {
            Event::Finished(_) => return,
            Event::Failed { reason } => panic!("the template run failed: {reason}"),
            Event::Diverged { .. } => panic!("the template run diverged"),
            _ => {}
        }
    }
}

/// "2026MMDD-HHMMSS" for run `i`: one run every 7 minutes.
fn created(i: usize) -> String {
    let minutes = i * 7;
    let (day, hour, min) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    format!(
        "2026{:02}{:02}-{hour:02}{min:02}{:02}",
        1 + day / 28 % 12,
        1 + day % 28,
        i % 60
    )
}

/// A number in [0, 1) that wanders with `i` (the golden ratio's fractional part).
fn wander(i: usize, salt: f64) -> f64 {
    (i as f64 * 0.618_033_988_75 + salt).fract()
}

struct Template {
    preset: String,
    metrics: Vec<String>,
    /// Each line of the log, and for Epoch/Finished lines the parsed event (to vary).
    events: Vec<(String, Option<Event>)>,
}

fn read_template(dir: &Path) -> Template {
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).expect("the template's files");
    let events = read("events.log")
        .lines()
        .map(|l| {
            let keep = l.starts_with("Epoch(") || l.starts_with("Finished(");
            let parsed = keep.then(|| cnn_workbench::runs::folder::parse_event_line(l).ok());
            (l.to_string(), parsed.flatten())
        })
        .collect();
    Template {
        preset: read("preset.ron"),
        metrics: read("metrics.csv").lines().map(String::from).collect(),
        events,
    }
}

const PRESETS: [&str; 4] = [
    "LeNet-5",
    "Small VGG",
    "Small ResNet",
    "LeNet-5 (fast MNIST)",
];
const VARIANTS: [&str; 5] = ["relu", "elu", "gelu", "swish", "mish"];

/// Writes run `i` of the workspace: varied name, tags, status and numbers.
fn write_run(ws: &Path, t: &Template, i: usize, comparison: Option<(&str, usize)>) -> String {
    let name = PRESETS[i % PRESETS.len()];
    let id = format!("{}-{}-{i}", cnn_workbench::runs::slug(name), created(i));
    let dir = ws.join("runs").join(&id);
    std::fs::create_dir_all(&dir).expect("a writable bench folder");
    let acc = (0.55 + 0.44 * wander(i, 0.1)) as f32;
    let meta = RunMeta {
        name: name.to_string(),
        tags: vec![
            format!("sweep-{}", i % 20),
            if i.is_multiple_of(3) { "cli" } else { "window" }.into(),
        ],
        comparison: comparison.map(|(c, _)| c.to_string()),
        variant: comparison.map(|(_, k)| VARIANTS[k % VARIANTS.len()].to_string()),
        seed: (i % 3) as u64,
        created: created(i),
        threads: Some(2),
    };
    let text = ron::ser::to_string_pretty(&meta, Default::default()).expect("RON");
    std::fs::write(dir.join("run.ron"), text).expect("a writable bench folder");
    std::fs::write(dir.join("preset.ron"), &t.preset).expect("a writable bench folder");
    let mut metrics = t.metrics[0].clone() + "\n";
    for row in &t.metrics[1..] {
        let mut cells: Vec<String> = row.split(',').map(String::from).collect();
        cells[5] = format!("{acc}");
        metrics += &(cells.join(",") + "\n");
    }
    std::fs::write(dir.join("metrics.csv"), metrics).expect("a writable bench folder");
    // One run in 20 was interrupted (no terminal event), one in 20 stopped.
    let mut log = String::new();
    for (line, event) in &t.events {
        let line = match event.clone() {
            Some(Event::Epoch(mut m)) => {
                m.val_accuracy = acc;
                Event::Epoch(m)
            }
            Some(Event::Finished(_)) if i % 20 == 7 => continue,
            Some(Event::Finished(mut f)) => {
                f.test_accuracy = acc + 0.005;
                f.duration_secs = 5.0 + 600.0 * wander(i, 0.3);
                f.stopped = i % 20 == 11;
                Event::Finished(f)
            }
            _ => {
                log += line;
                log.push('\n');
                continue;
            }
        };
        log += &cnn_workbench::runs::folder::event_line(&line).expect("RON");
        log.push('\n');
    }
    std::fs::write(dir.join("events.log"), log).expect("a writable bench folder");
    id
}

/// `n` runs; every third run in a comparison of 15.
fn write_workspace(ws: &Path, t: &Template, n: usize) {
    let mut comparison: Vec<ComparisonRun> = Vec::new();
    for i in 0..n {
        let in_comparison = i % 3 == 0 && comparison.len() < 15;
        let cid = format!("cmp-{}", i / 45);
        let id = write_run(
            ws,
            t,
            i,
            in_comparison.then_some((cid.as_str(), comparison.len())),
        );
        if in_comparison {
            comparison.push(ComparisonRun {
                variant: VARIANTS[comparison.len() % 5].into(),
                seed: (comparison.len() / 5) as u64,
                run: id,
            });
        }
        if comparison.len() == 15 || (i + 1 == n && !comparison.is_empty()) {
            Comparison {
                name: format!("LeNet-5: activation × 3 seeds ({cid})"),
                spec: CompareSpec {
                    dimension: Dimension::Activation,
                    values: VARIANTS.iter().map(|v| v.to_string()).collect(),
                    seeds: 3,
                    insert_norm: false,
                    epochs: None,
                },
                created: created(i),
                runs: std::mem::take(&mut comparison),
            }
            .save(ws, &cid)
            .expect("a writable bench folder");
        }
    }
}

fn median_ms(mut f: impl FnMut(), reps: usize) -> f64 {
    let mut times: Vec<f64> = (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// The History tab's frame (layout and tessellation), median of 30, and the first frame after
/// the filter changes.
fn frame_ms(lists: &dyn Fn() -> HistoryLists<'static>) -> (f64, f64) {
    let ctx = egui::Context::default();
    let mut view = HistoryView::default();
    let (mut selection, mut actions) = (Vec::new(), Vec::new());
    let mut frame = |view: &mut HistoryView| {
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(
                egui::Pos2::ZERO,
                egui::vec2(1440.0, 900.0),
            )),
            ..Default::default()
        };
        let t = Instant::now();
        let out = ctx.run_ui(input, |ui| {
            history_ui(ui, lists(), view, &mut selection, &mut actions)
        });
        std::hint::black_box(ctx.tessellate(out.shapes, out.pixels_per_point));
        t.elapsed().as_secs_f64() * 1000.0
    };
    view.group = false;
    for _ in 0..5 {
        frame(&mut view);
    }
    let mut times: Vec<f64> = (0..30).map(|_| frame(&mut view)).collect();
    times.sort_by(f64::total_cmp);
    let steady = times[15];
    view.filter = "acc > 0.9".into();
    let changed = frame(&mut view);
    (steady, changed)
}

fn bench(n: usize, t: &Template) {
    let ws = std::env::temp_dir().join(format!(
        "cnn-workbench-history-bench-{}-{n}",
        std::process::id()
    ));
    let start = Instant::now();
    write_workspace(&ws, t, n);
    eprintln!(
        "wrote {n} run folders in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    let scan = || (history::scan(&ws), Comparison::list(&ws));
    let start = Instant::now();
    let (runs, comparisons) = scan();
    let first = start.elapsed().as_secs_f64();
    let start = Instant::now();
    std::hint::black_box(scan());
    let second = start.elapsed().as_secs_f64();
    assert_eq!(runs.len(), n, "every run folder is listed");
    println!(
        "{n:>6} runs, {} comparisons: scan + list {first:.2} s (again {second:.2} s)",
        comparisons.len()
    );
    let expanded: HashSet<String> = HashSet::new();
    let cases: [(&str, filter::SortKey, bool); 6] = [
        ("", filter::SortKey::Date, false),
        ("", filter::SortKey::Date, true),
        ("lenet", filter::SortKey::Name, false),
        ("acc > 0.9", filter::SortKey::BestVal, false),
        ("test >= 95 time < 2m", filter::SortKey::Time, true),
        ("mish finished", filter::SortKey::Test, false),
    ];
    for (text, key, group) in cases {
        let sort = filter::Sort {
            key,
            descending: key.descending_first(),
        };
        let mut shown = 0;
        let ms = median_ms(
            || {
                let l = filter::listing(&runs, &comparisons, text, sort, group, &expanded);
                shown = l.matching;
            },
            9,
        );
        println!(
            "        filter {:<24} sort {:<8} {:<9} {ms:>7.2} ms  ({shown} match)",
            format!("\"{text}\""),
            format!("{key:?}"),
            if group { "grouped" } else { "flat" }
        );
    }
    let runs: &'static [_] = Box::leak(runs.into_boxed_slice());
    let comparisons: &'static [_] = Box::leak(comparisons.into_boxed_slice());
    let ws_static: &'static Path = Box::leak(ws.clone().into_boxed_path());
    let lists = move || HistoryLists {
        runs,
        comparisons,
        generation: 1,
        workspace: ws_static,
        following: None,
    };
    let (steady, changed) = frame_ms(&lists);
    println!("        History tab frame {steady:.2} ms; the frame after the filter changes {changed:.2} ms");
    let _ = std::fs::remove_dir_all(&ws);
}

fn main() {
    let sizes: Vec<usize> = std::env::var("HISTORY_BENCH_SIZES")
        .unwrap_or_else(|_| "1000,10000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let template = std::env::temp_dir().join(format!(
        "cnn-workbench-history-template-{}",
        std::process::id()
    ));
    let start = Instant::now();
    train_template(&template);
    let t = read_template(&template);
    let bytes: u64 = READ
        .iter()
        .filter_map(|f| std::fs::metadata(template.join(f)).ok())
        .map(|m| m.len())
        .sum();
    eprintln!(
        "template run trained in {:.1} s: {} event lines, {} KB read by the history",
        start.elapsed().as_secs_f64(),
        t.events.len(),
        bytes / 1024
    );
    for n in sizes {
        bench(n, &t);
    }
    let _ = std::fs::remove_dir_all(&template);
}
