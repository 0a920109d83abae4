//! `make bench`: the CPU cost of one window frame, headless (no GPU, no rasterizer): the app's
//! per-frame work (draining events), layout, and tessellation into triangles — everything a
//! frame costs before the renderer. Two cases:
//! 1. 20 finished runs of 10,000 steps each in the history, and a comparison of them open;
//! 2. one run streaming events (20 per frame, probes every 50 steps) from step 0 to 12,000.
//!
//! Prints p50 / p99 / max milliseconds per frame for each.
use cnn_workbench::app::{Action, Launcher, RunHandle, WorkbenchApp};
use cnn_workbench::protocol::*;
use cnn_workbench::runs::compare::{Comparison, ComparisonRun};
use cnn_workbench::runs::RunFolder;
use cnn_workbench::spec::{self, CompareSpec, Dimension, Preset};
use std::path::Path;
use std::time::{Duration, Instant};

const RUNS: usize = 20;
const STEPS: usize = 10_000;
const STEPS_PER_EPOCH: usize = 1_000;
const PROBE_EVERY: usize = 50;

fn preset() -> Preset {
    cnn_workbench::app::library::default_preset()
}

fn started(p: &Preset, total: usize) -> Event {
    Event::Started(StartInfo {
        device: "cpu".into(),
        summary: spec::infer(&p.network).expect("LeNet-5 is valid"),
        class_names: (0..10).map(|i| i.to_string()).collect(),
        train_images: STEPS_PER_EPOCH * 32,
        val_images: 3200,
        test_images: 10_000,
        steps_per_epoch: STEPS_PER_EPOCH,
        total_steps: total,
        probed_layers: vec![(2, "ReLU".into()), (5, "ReLU".into())],
        run_dir: None,
        data_order: 0,
        threads: 2,
    })
}

/// The events of a plausible run at `step` (1-based): a step, a probe every 50, an epoch every
/// 1,000; `seed` varies the curves.
fn events_at(step: usize, seed: usize) -> Vec<Event> {
    let t = step as f32 / STEPS as f32;
    let wiggle = ((step * 7 + seed * 13) % 17) as f32 / 170.0;
    let mut out = vec![Event::Step(StepMetrics {
        step,
        epoch: (step - 1) / STEPS_PER_EPOCH,
        loss: 2.3 * (-4.0 * t).exp() + wiggle,
        accuracy: 0.1 + 0.85 * (1.0 - (-5.0 * t).exp()) - wiggle,
        learning_rate: 1e-3 * (1.0 - t as f64),
        images_per_sec: 12_000.0,
        elapsed_secs: step as f64 / 400.0,
    })];
    if step.is_multiple_of(PROBE_EVERY) || step == 1 {
        let layer = |layer: usize| LayerStats {
            layer,
            label: "ReLU".into(),
            histogram: (0..HIST_BINS)
                .map(|b| ((b + step / PROBE_EVERY + seed) % 7) as f32 / (3.0 * HIST_BINS as f32))
                .collect(),
            bins: HistBins::SymLog,
            beyond: 0.0,
            dead_fraction: 0.1 + 0.05 * t,
            saturated_fraction: None,
            mean: 0.5,
            std: 1.0,
        };
        out.push(Event::Probe(ProbeStats {
            step,
            layers: vec![layer(2), layer(5)],
            grad_norms: (1..=5)
                .map(|l| GradNorm {
                    layer: l,
                    name: format!("layer {l}"),
                    norm: 1.0 / (1.0 + step as f32 / 1000.0),
                })
                .collect(),
        }));
    }
    if step.is_multiple_of(STEPS_PER_EPOCH) {
        out.push(Event::Epoch(EpochMetrics {
            epoch: step / STEPS_PER_EPOCH,
            step,
            train_loss: 0.3,
            train_accuracy: 0.9 + t * 0.05,
            val_loss: 0.35,
            val_accuracy: 0.88 + t * 0.05 + seed as f32 / 1000.0,
            val_top5: None,
            duration_secs: 2.5,
        }));
    }
    out
}

/// Writes `RUNS` run folders and a comparison of them; returns the comparison's id.
fn write_workspace(ws: &Path) -> String {
    let p = preset();
    let variants = ["relu", "elu", "gelu", "swish", "mish"];
    let mut runs = Vec::new();
    for r in 0..RUNS {
        let (variant, seed) = (variants[r % variants.len()], r / variants.len());
        let id = format!("bench-{variant}-s{seed}");
        let meta = RunMeta {
            name: id.clone(),
            variant: Some(variant.into()),
            seed: seed as u64,
            ..RunMeta::default()
        };
        let mut folder = RunFolder::new(&ws.join("runs").join(&id), meta);
        let write = |f: &mut RunFolder| -> Result<(), SinkError> {
            f.open(&p)?;
            f.event(&started(&p, STEPS))?;
            for step in 1..=STEPS {
                for e in events_at(step, r) {
                    if let Event::Step(m) = &e {
                        f.step(m)?;
                    }
                    f.event(&e)?;
                }
            }
            f.close(&Event::Finished(FinishInfo {
                steps: STEPS,
                epochs: STEPS / STEPS_PER_EPOCH,
                test_loss: 0.3,
                test_accuracy: 0.93,
                test_top5: None,
                duration_secs: 25.0,
                train_images_per_sec: 12_000.0,
                stopped: false,
                train_loop_secs: 0.0,
                trained_images: 0,
                checkpoint: None,
            }))
        };
        write(&mut folder).expect("the bench workspace is writable");
        runs.push(ComparisonRun {
            variant: variant.into(),
            seed: seed as u64,
            run: id,
        });
    }
    let id = "bench-comparison".to_string();
    Comparison {
        name: "LeNet-5: activation × 4 seeds".into(),
        spec: CompareSpec {
            dimension: Dimension::Activation,
            values: variants.iter().map(|v| v.to_string()).collect(),
            seeds: 4,
            insert_norm: false,
            epochs: None,
        },
        created: "20261129-000000".into(),
        runs,
    }
    .save(ws, &id)
    .expect("the bench workspace is writable");
    id
}

/// A run that streams 20 events per frame, forever (the bench stops it).
struct Streaming {
    step: usize,
    queue: Vec<Event>,
    burst: usize,
}

impl RunHandle for Streaming {
    fn poll(&mut self) -> Option<Event> {
        if self.burst == 20 {
            self.burst = 0;
            return None; // the rest next frame
        }
        self.burst += 1;
        if self.queue.is_empty() {
            self.step += 1;
            self.queue = events_at(self.step, 0);
            self.queue.reverse();
        }
        self.queue.pop()
    }
    fn send(&mut self, _cmd: Command) {}
}

fn streaming_launcher() -> Launcher {
    Launcher::new(|p, _opts| {
        Ok(Box::new(Streaming {
            step: 0,
            queue: vec![started(&p, 12_000)],
            burst: 0,
        }) as Box<dyn RunHandle>)
    })
}

/// Runs `frames` frames after a warm-up and returns each one's milliseconds.
fn measure(app: &mut WorkbenchApp, ctx: &egui::Context, frames: usize) -> Vec<f64> {
    let input = || egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1440.0, 900.0),
        )),
        ..Default::default()
    };
    let mut times = Vec::with_capacity(frames);
    for i in 0..frames + 10 {
        let start = Instant::now();
        app.poll(Duration::from_millis(6));
        let out = ctx.run_ui(input(), |ui| app.frame_ui(ui));
        let triangles = ctx.tessellate(out.shapes, out.pixels_per_point);
        if i == frames + 9 && std::env::var_os("UI_BENCH_VERBOSE").is_some() {
            let vertices: usize = triangles
                .iter()
                .map(|p| match &p.primitive {
                    egui::epaint::Primitive::Mesh(m) => m.vertices.len(),
                    _ => 0,
                })
                .sum();
            eprintln!(
                "last frame: {} primitives, {vertices} vertices",
                triangles.len()
            );
        }
        std::hint::black_box(triangles);
        if i >= 10 {
            times.push(start.elapsed().as_secs_f64() * 1000.0);
        }
    }
    times
}

fn report(what: &str, mut times: Vec<f64>) {
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "{what:<58} p50 {:>6.2} ms   p99 {:>6.2} ms   max {:>6.2} ms   ({} frames)",
        at(0.5),
        at(0.99),
        at(1.0),
        times.len()
    );
}

fn main() {
    let ws = std::env::temp_dir().join(format!("cnn-workbench-ui-bench-{}", std::process::id()));
    let started_at = Instant::now();
    let id = write_workspace(&ws);
    eprintln!(
        "wrote {RUNS} runs of {STEPS} steps in {:.1} s",
        started_at.elapsed().as_secs_f64()
    );

    let ctx = egui::Context::default();
    let mut app = WorkbenchApp::with_launcher(streaming_launcher());
    app.native_dialogs = false;
    app.workspace = ws.clone();
    app.refresh_history();
    app.wait_for_history(Duration::from_secs(120));
    app.execute(Action::OpenComparison(id), &ctx);
    let jobs = app.compare.as_ref().map_or(0, |q| q.jobs.len());
    let steps: usize = app
        .compare
        .as_ref()
        .map_or(0, |q| q.jobs.iter().map(|j| j.state.train_loss.len()).sum());
    // The bench must measure what it says: every run loaded and listed.
    assert_eq!((jobs, steps), (RUNS, RUNS * STEPS), "{:?}", app.error);
    assert_eq!(app.history.runs.len(), RUNS);
    report(
        &format!("history of {RUNS} runs × {STEPS} steps, comparison open"),
        measure(&mut app, &ctx, 300),
    );

    // A fresh window (loss & accuracy tab) with the same history on the left.
    let mut app = WorkbenchApp::with_launcher(streaming_launcher());
    app.native_dialogs = false;
    app.workspace = ws.clone();
    app.refresh_history();
    app.wait_for_history(Duration::from_secs(120));
    app.execute(Action::Train, &ctx);
    assert!(app.error.is_none(), "{:?}", app.error);
    report(
        "one run streaming (to 12,000 steps), loss & accuracy plots",
        measure(&mut app, &ctx, 600),
    );
    let streamed = app
        .run_state()
        .and_then(|r| r.last_step)
        .map_or(0, |m| m.step);
    assert!(streamed > STEPS, "the run streamed only {streamed} steps");
    let _ = std::fs::remove_dir_all(&ws);
}
