//! Training: Train, Pause, Resume, Stop, Save checkpoint, Resume run; comparisons and their
//! queue.
use crate::common::*;
use cnn_workbench::protocol::Command;
use egui::{Key, Modifiers};
use egui_kittest::kittest::Queryable;

/// A window whose trainer replays a run that never ends on its own (its first 10 events).
fn training_window() -> (H, Seen) {
    let (launcher, seen) = scripted(10, false);
    let (mut h, _) = window(launcher);
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, Key::Enter);
    drain(&mut h, 5);
    assert_eq!(seen.runs.lock().unwrap().len(), 1);
    (h, seen)
}

fn commands(seen: &Seen) -> Vec<Command> {
    seen.commands.lock().unwrap().clone()
}

#[test]
fn journey_train() {
    let (launcher, seen) = scripted(usize::MAX, false);
    let (mut h, ws) = window(launcher);
    h.run();
    h.get_by_label("Train").click();
    drain(&mut h, 20);
    let runs = seen.runs.lock().unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(
        runs[0].0,
        h.state().doc.preset,
        "the network on screen is trained"
    );
    let dir = runs[0].1.run_dir.clone().unwrap();
    assert!(dir.starts_with(ws.join("runs")), "{}", dir.display());
    h.get_by_label_contains("finished — test accuracy 91.00%");
}

#[test]
fn journey_key_train() {
    let (_h, seen) = training_window();
    assert_eq!(seen.runs.lock().unwrap().len(), 1);
}

#[test]
fn journey_menu_train() {
    let (launcher, seen) = scripted(10, false);
    let (mut h, _) = window(launcher);
    menu(&mut h, "Run", "Train");
    assert_eq!(seen.runs.lock().unwrap().len(), 1);
    // While it trains, Train is greyed out: a second click starts nothing.
    drain(&mut h, 3);
    menu(&mut h, "Run", "Train");
    assert_eq!(seen.runs.lock().unwrap().len(), 1);
}

#[test]
fn journey_pause() {
    let (mut h, seen) = training_window();
    h.get_by_label("Pause").click();
    h.run();
    assert_eq!(commands(&seen), vec![Command::Pause]);
}

#[test]
fn journey_menu_pause() {
    // No run: Pause and Stop are greyed out and send nothing.
    let (launcher, seen) = scripted(10, false);
    let (mut h, _) = window(launcher);
    menu(&mut h, "Run", "Pause");
    h.key_press(Key::Escape);
    menu(&mut h, "Run", "Stop");
    h.key_press(Key::Escape);
    assert!(commands(&seen).is_empty());
    h.key_press_modifiers(Modifiers::COMMAND, Key::Enter);
    drain(&mut h, 5);
    menu(&mut h, "Run", "Pause");
    assert_eq!(commands(&seen), vec![Command::Pause]);
}

/// The trainer says it paused (as the real one does after a Pause).
fn paused(h: &mut H) {
    h.get_by_label("Pause").click();
    h.run();
    let state = &mut h.state_mut().run.as_mut().unwrap().0;
    state.apply(&cnn_workbench::protocol::Event::Paused { step: 3 });
    h.run();
}

#[test]
fn journey_resume() {
    let (mut h, seen) = training_window();
    paused(&mut h);
    h.get_by_label("Resume").click();
    h.run();
    assert_eq!(commands(&seen), vec![Command::Pause, Command::Resume]);
}

#[test]
fn journey_menu_resume() {
    let (mut h, seen) = training_window();
    menu(&mut h, "Run", "Resume");
    h.key_press(Key::Escape);
    assert_eq!(
        commands(&seen),
        Vec::<Command>::new(),
        "not paused: greyed out"
    );
    paused(&mut h);
    menu(&mut h, "Run", "Resume");
    assert_eq!(commands(&seen), vec![Command::Pause, Command::Resume]);
}

#[test]
fn journey_stop() {
    let (mut h, seen) = training_window();
    h.get_by_label("Stop").click();
    h.run();
    assert_eq!(commands(&seen), vec![Command::Stop]);
}

#[test]
fn journey_menu_stop() {
    let (mut h, seen) = training_window();
    menu(&mut h, "Run", "Stop");
    assert_eq!(commands(&seen), vec![Command::Stop]);
}

#[test]
fn journey_save_checkpoint() {
    let (mut h, seen) = training_window();
    h.get_by_label("Save checkpoint").click();
    h.run();
    assert_eq!(commands(&seen), vec![Command::SaveCheckpoint(None)]);
}

#[test]
fn journey_menu_save_checkpoint() {
    let (mut h, seen) = training_window();
    menu(&mut h, "Run", "Save checkpoint");
    assert_eq!(commands(&seen), vec![Command::SaveCheckpoint(None)]);
}

#[test]
fn journey_resume_run() {
    // A run that ends stopped offers Resume run, which continues it in its folder.
    let (launcher, seen) = scripted(usize::MAX, true);
    let (mut h, _) = window(launcher);
    h.run();
    h.get_by_label("Train").click();
    drain(&mut h, 20);
    // The run's folder (a scripted run writes none): its preset is what Resume reads.
    let dir = seen.runs.lock().unwrap()[0].1.run_dir.clone().unwrap();
    std::fs::create_dir_all(&dir).unwrap();
    h.state().doc.preset.save(&dir.join("preset.ron")).unwrap();
    h.get_by_label("Resume run").click();
    h.run();
    let runs = seen.runs.lock().unwrap();
    assert_eq!(runs.len(), 2);
    assert!(runs[1].1.resume);
    assert_eq!(runs[1].1.run_dir, runs[0].1.run_dir);
}

/// Compare… → two activations × one seed → Start.
fn start_comparison(h: &mut H, open: impl Fn(&mut H)) {
    h.run();
    open(h);
    h.run();
    h.get_by_label_contains("variants ×");
    let values = h.get_by_label("values");
    values.focus();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.get_by_label("values").type_text("relu, mish");
    h.run();
    let seeds = h.get_by_label("seeds");
    seeds.focus();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.get_by_label("seeds").type_text("2");
    h.key_press(Key::Enter);
    h.run();
    h.get_by_label_contains("2 variants × 2 seeds = 4 runs");
    h.get_by_label("Start comparison").click();
    settle(h);
}

#[test]
fn journey_open_compare_dialog() {
    let (mut h, _) = window(no_runs());
    h.run();
    h.get_by_label("Compare…").click();
    h.run();
    h.get_by_label("Compare variants");
    h.get_by_label("Cancel").click();
    h.run();
    assert!(h.query_by_label("Compare variants").is_none());
}

#[test]
fn journey_menu_compare() {
    let (mut h, _) = window(no_runs());
    menu(&mut h, "Run", "Compare…");
    h.get_by_label("Compare variants");
}

#[test]
fn journey_start_compare() {
    let (launcher, seen) = scripted(usize::MAX, false);
    let (mut h, _) = window(launcher);
    start_comparison(&mut h, |h| h.get_by_label("Compare…").click());
    settle(&mut h);
    wait_until(&mut h, 30, "the comparison", |a| {
        a.compare.as_ref().is_some_and(|q| q.is_finished())
    });
    let runs = seen.runs.lock().unwrap();
    assert_eq!(runs.len(), 4);
    let acts: Vec<_> = runs.iter().map(|(p, _)| p.network.activation).collect();
    assert!(acts.contains(&cnn_workbench::spec::Activation::Mish));
    h.get_by_label_contains("4 of 4 runs done");
}

/// A comparison whose runs never end on their own (so the queue can be paused and edited).
fn running_comparison() -> (H, Seen) {
    let (launcher, seen) = scripted(10, false);
    let (mut h, _) = window(launcher);
    start_comparison(&mut h, |h| h.get_by_label("Compare…").click());
    drain(&mut h, 5);
    h.get_by_label("run 1 of 4");
    h.get_by_label("Comparison: run 1 of 4");
    (h, seen)
}

#[test]
fn journey_compare_pause() {
    let (mut h, seen) = running_comparison();
    h.get_by_label("Pause queue").click();
    h.run();
    assert!(h.state().compare.as_ref().unwrap().paused);
    assert_eq!(commands(&seen), vec![Command::Pause]);
}

#[test]
fn journey_compare_resume() {
    let (mut h, _) = running_comparison();
    h.get_by_label("Pause queue").click();
    h.run();
    h.get_by_label("Resume queue").click();
    h.run();
    assert!(!h.state().compare.as_ref().unwrap().paused);
}

#[test]
fn journey_compare_cancel() {
    let (mut h, _) = running_comparison();
    h.get_by_label("Cancel").click();
    drain(&mut h, 5);
    let q = h.state().compare.as_ref().unwrap();
    assert!(q
        .jobs
        .iter()
        .skip(1)
        .all(|j| j.status == cnn_workbench::runs::compare::JobStatus::Cancelled));
}

#[test]
fn journey_compare_move() {
    let (mut h, _) = running_comparison();
    let order = |h: &H| -> Vec<(String, u64)> {
        let q = h.state().compare.as_ref().unwrap();
        q.jobs.iter().map(|j| (j.variant.clone(), j.seed)).collect()
    };
    let before = order(&h);
    // The queue is below the table in a scrolled strip: clicked as a screen reader would.
    h.get_by_label_contains("Queue (4 runs)").click_accesskit();
    h.run();
    // The last queued run one place up.
    h.get_all_by_label("up").last().unwrap().click_accesskit();
    h.run();
    let after = order(&h);
    assert_eq!(after[2], before[3]);
    assert_eq!(after[3], before[2]);
}

/// Compare… → run on: worker processes, 2 workers: every run is trained by a worker process
/// (this window's own launcher refuses to train here), two at a time, each leaving its
/// worker's log in its folder.
#[test]
fn a_comparison_set_to_run_on_worker_processes_trains_each_run_in_one() {
    let (mut h, ws) = window(no_runs());
    h.state_mut()
        .set_worker_bin(env!("CARGO_BIN_EXE_cnn-workbench").into());
    {
        let t = &mut h.state_mut().doc.preset;
        t.data.synthetic_size = 400;
        t.training.epochs = 1;
    }
    settle(&mut h);
    h.get_by_label("Compare…").click();
    settle(&mut h);
    let values = h.get_by_label("values");
    values.focus();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.get_by_label("values").type_text("relu, gelu");
    settle(&mut h);
    h.get_by_label("run on").click();
    settle(&mut h);
    h.get_by_label("worker processes").click();
    settle(&mut h);
    h.get_by_label("workers");
    h.get_by_label_contains("2 variants × 3 seeds = 6 runs, 2 at a time in worker processes");
    h.get_by_label("Start comparison").click();
    settle(&mut h);
    wait_until(&mut h, 120, "the comparison on workers", |a| {
        a.compare.as_ref().is_some_and(|q| q.is_finished())
    });
    let q = h.state().compare.as_ref().unwrap();
    assert_eq!(q.parallel, 2);
    for j in &q.jobs {
        assert!(
            matches!(
                j.state.status,
                cnn_workbench::runs::RunStatus::Finished { .. }
            ),
            "{}: {:?}",
            j.id,
            j.state.status
        );
        assert!(ws.join("runs").join(&j.id).join("worker.log").is_file());
    }
}
