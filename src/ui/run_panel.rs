//! Run controls: Train / Pause / Stop, progress with epoch, step, images/s and ETA, status.
use super::Action;
use egui::{RichText, Ui};
use runs::{RunState, RunStatus};

fn clock(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// `ready`: Ok when Train can start, else the reason it cannot. `ours`: the run is this
/// window's own; one read back from its folder (perhaps still training in another process)
/// has no Pause or Stop here.
pub fn run_controls_ui(
    ui: &mut Ui,
    run: Option<&RunState>,
    ours: bool,
    ready: &Result<(), String>,
    actions: &mut Vec<Action>,
) {
    let active = ours && run.is_some_and(|r| r.status.is_active());
    if !ours && run.is_some_and(|r| r.status == RunStatus::Running) {
        ui.label(RichText::new("Training in another process: followed from its folder").italics());
    }
    buttons_ui(ui, run, ready, active, actions);
    if let Err(reason) = ready {
        if !active {
            ui.colored_label(super::ERROR_COLOR, format!("Cannot train: {reason}"));
        }
    }
    let Some(run) = run else {
        ui.weak("No run yet. Press Train (Ctrl+Enter) to train this network.");
        return;
    };
    progress_ui(ui, run);
    status_ui(ui, run, actions);
}

/// Train, Pause/Resume, Stop, Compare…, Save checkpoint.
fn buttons_ui(
    ui: &mut Ui,
    run: Option<&RunState>,
    ready: &Result<(), String>,
    active: bool,
    actions: &mut Vec<Action>,
) {
    // Wrapped: a button that appears (Resume run) moves the next ones down, not the panel's
    // edge out.
    ui.horizontal_wrapped(|ui| {
        let train = ui
            .add_enabled(
                ready.is_ok() && !active,
                egui::Button::new(RichText::new("Train").strong()),
            )
            .on_hover_text("start training (Ctrl+Enter)");
        let train = match ready {
            Err(reason) => train.on_disabled_hover_text(reason.as_str()),
            Ok(()) => train,
        };
        if train.clicked() {
            actions.push(Action::Train);
        }
        let paused = run.is_some_and(|r| r.status == RunStatus::Paused);
        if let Some(a) = pause_button(ui, paused, active, (Action::Pause, Action::Resume)) {
            actions.push(a);
        }
        if ui.add_enabled(active, egui::Button::new("Stop")).clicked() {
            actions.push(Action::Stop);
        }
        // A stopped run can go on in its folder.
        let stopped_dir = run
            .filter(|r| {
                !active
                    && matches!(
                        r.status,
                        RunStatus::Finished { stopped: true, .. } | RunStatus::Interrupted
                    )
            })
            .and_then(|r| r.start.as_ref()?.run_dir.clone());
        if let Some(dir) = stopped_dir {
            if ui
                .button("Resume run")
                .on_hover_text("continue from where it stopped, in the same run folder")
                .clicked()
            {
                actions.push(Action::ResumeRun(dir));
            }
        }
        if ui
            .add_enabled(ready.is_ok(), egui::Button::new("Compare…"))
            .on_hover_text("train variants of this network over several seeds and overlay them")
            .clicked()
        {
            actions.push(Action::OpenCompareDialog);
        }
        if ui
            .add_enabled(active, egui::Button::new("Save checkpoint"))
            .on_hover_text("save the current weights into the run folder")
            .clicked()
        {
            actions.push(Action::SaveCheckpoint);
        }
    });
}

/// Pause, or Resume while paused, as one button of one width whichever it says (the row and
/// the panel keep their size); the action of the caption clicked.
fn pause_button(
    ui: &mut Ui,
    paused: bool,
    enabled: bool,
    (pause, resume): (Action, Action),
) -> Option<Action> {
    let width = caption_width(ui, &["Pause", "Resume"]);
    let (caption, action) = if paused {
        ("Resume", resume)
    } else {
        ("Pause", pause)
    };
    let button = egui::Button::new(caption).min_size(egui::vec2(width, 0.0));
    ui.add_enabled(enabled || paused, button)
        .clicked()
        .then_some(action)
}

/// The width of a button showing the widest of these captions.
fn caption_width(ui: &Ui, captions: &[&str]) -> f32 {
    let padding = ui.spacing().button_padding.x * 2.0;
    captions
        .iter()
        .map(|c| {
            egui::WidgetText::from(*c)
                .into_galley(
                    ui,
                    Some(egui::TextWrapMode::Extend),
                    f32::INFINITY,
                    egui::TextStyle::Button,
                )
                .size()
                .x
        })
        .fold(0.0, f32::max)
        + padding
}

/// The comparison's run in progress, in place of the run controls while a comparison trains:
/// which run of how many, Pause/Resume and Cancel for the comparison, its progress and status.
pub fn comparison_run_ui(
    ui: &mut Ui,
    run: &RunState,
    (number, total): (usize, usize),
    paused: bool,
    actions: &mut Vec<Action>,
) {
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(format!("Comparison: run {number} of {total}")).strong());
        let acts = (Action::ComparePause, Action::CompareResume);
        if let Some(a) = pause_button(ui, paused, true, acts) {
            actions.push(a);
        }
        if ui
            .button("Cancel comparison")
            .on_hover_text("stop the running runs and drop the queued ones")
            .clicked()
        {
            actions.push(Action::CompareCancel);
        }
    });
    progress_ui(ui, run);
    status_ui(ui, run, actions);
}

/// The progress bar with epoch, step, images/s and ETA.
fn progress_ui(ui: &mut Ui, run: &RunState) {
    let progress = run.progress();
    let mut text = String::new();
    if let (Some(s), Some(m)) = (&run.start, &run.last_step) {
        let epochs = (s.total_steps as f64 / s.steps_per_epoch.max(1) as f64).ceil() as usize;
        text = format!(
            "epoch {}/{} · step {}/{} · {:.0} img/s",
            m.epoch + 1,
            epochs.max(1),
            m.step,
            s.total_steps,
            m.images_per_sec
        );
        if let Some(eta) = run.eta_secs() {
            text += &format!(" · ETA {}", clock(eta));
        }
    }
    // Not animated: an animated bar asks for a frame at every display refresh, and each frame
    // takes CPU from training (the window repaints once a second while training).
    ui.add(egui::ProgressBar::new(progress).show_percentage());
    if !text.is_empty() {
        ui.label(text);
    }
}

/// The status line, the last epoch, the inspect button and recent warnings.
fn status_ui(ui: &mut Ui, run: &RunState, actions: &mut Vec<Action>) {
    let color = match run.status {
        RunStatus::Failed { .. } | RunStatus::Diverged { .. } => super::ERROR_COLOR,
        _ => ui.visuals().text_color(),
    };
    ui.colored_label(color, format!("{}: {}", run.name, run.status.describe()));
    if let Some(s) = &run.start {
        let threads = match s.threads {
            0 => String::new(),
            1 => " · 1 thread".into(),
            n => format!(" · {n} threads"),
        };
        ui.weak(format!(
            "{}{threads} · {} train / {} val / {} test images",
            s.device, s.train_images, s.val_images, s.test_images
        ));
    }
    if let Some(e) = run.epochs.last() {
        ui.label(format!(
            "epoch {}: train {:.4} / {:.2}% · val {:.4} / {:.2}%{}",
            e.epoch,
            e.train_loss,
            e.train_accuracy * 100.0,
            e.val_loss,
            e.val_accuracy * 100.0,
            runs::state::top5_text(e.val_top5)
        ));
    }
    if let Some(path) = run.finish.as_ref().and_then(|f| f.checkpoint.clone()) {
        if ui
            .button("Inspect the trained network")
            .on_hover_text(path.display().to_string())
            .clicked()
        {
            actions.push(Action::InspectCheckpoint(path));
        }
    }
    if let Some((path, step)) = &run.last_checkpoint {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        ui.weak(format!("checkpoint saved: {name} (step {step})"))
            .on_hover_text(path.display().to_string());
    }
    for w in run.warnings.iter().rev().take(3) {
        ui.weak(w);
    }
}
