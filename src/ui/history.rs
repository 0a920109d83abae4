//! The run history (left side): past comparisons and runs with status and headline numbers.
use super::Action;
use crate::runs::compare::Comparison;
use crate::runs::history::RunEntry;
use crate::runs::RunStatus;
use egui::{RichText, Ui};
use std::path::PathBuf;

pub fn history_ui(
    ui: &mut Ui,
    runs: &[RunEntry],
    comparisons: &[(String, Result<Comparison, String>)],
    selection: &mut Vec<PathBuf>,
    actions: &mut Vec<Action>,
) {
    ui.horizontal(|ui| {
        ui.heading("History");
        if ui.small_button("Refresh").clicked() {
            actions.push(Action::RefreshHistory);
        }
    });
    if runs.is_empty() && comparisons.is_empty() {
        ui.weak("Finished runs and comparisons are kept here.");
        return;
    }
    comparisons_ui(ui, comparisons, actions);
    ui.label(RichText::new("Runs").strong());
    ui.horizontal(|ui| {
        if ui
            .add_enabled(!selection.is_empty(), egui::Button::new("Export CSV"))
            .on_hover_text("per-epoch metrics of the ticked runs")
            .clicked()
        {
            actions.push(Action::ExportCsv);
        }
        if ui
            .add_enabled(selection.len() == 2, egui::Button::new("Diff"))
            .on_hover_text("the preset fields that differ between the two ticked runs")
            .clicked()
        {
            actions.push(Action::DiffRuns);
        }
    });
    for r in runs.iter().take(100) {
        ui.horizontal(|ui| run_row_ui(ui, r, selection, actions));
        ui.weak(format!("    {}", headline(r)));
    }
}

fn comparisons_ui(
    ui: &mut Ui,
    comparisons: &[(String, Result<Comparison, String>)],
    actions: &mut Vec<Action>,
) {
    if !comparisons.is_empty() {
        ui.label(RichText::new("Comparisons").strong());
        for (id, c) in comparisons.iter().take(20) {
            match c {
                Ok(c) => {
                    if ui
                        .link(&c.name)
                        .on_hover_text(format!("{} runs · {id}", c.runs.len()))
                        .clicked()
                    {
                        actions.push(Action::OpenComparison(id.clone()));
                    }
                }
                Err(reason) => {
                    ui.colored_label(super::ERROR_COLOR, format!("{id}: damaged"))
                        .on_hover_text(reason);
                }
            }
        }
    }
}

/// One run: a tick box for export/diff, its name (click to open, right-click for more).
fn run_row_ui(ui: &mut Ui, r: &RunEntry, selection: &mut Vec<PathBuf>, actions: &mut Vec<Action>) {
    let mut ticked = selection.contains(&r.dir);
    if ui
        .checkbox(&mut ticked, "")
        .on_hover_text("select for export or diff")
        .changed()
    {
        if ticked {
            selection.push(r.dir.clone());
        } else {
            selection.retain(|d| d != &r.dir);
        }
    }
    // Runs of a comparison are named by variant and seed; the full name is in the tooltip.
    let name = match (&r.meta.variant, r.meta.name.is_empty()) {
        (Some(v), _) => format!("{v} · seed {}", r.meta.seed),
        (None, true) => r.id.clone(),
        (None, false) => r.meta.name.clone(),
    };
    let headline = headline(r);
    let damaged = matches!(r.status, RunStatus::Damaged { .. });
    let text = if damaged {
        RichText::new(&name).color(super::ERROR_COLOR)
    } else {
        RichText::new(&name)
    };
    let link = ui.link(text).on_hover_text(format!(
        "{}\n{headline}\n{}\ntags: {}",
        r.meta.name,
        r.dir.display(),
        r.meta.tags.join(", ")
    ));
    if link.clicked() && !damaged {
        actions.push(Action::OpenRun(r.dir.clone()));
    }
    link.context_menu(|ui| {
        if ui.button("Inspect checkpoint").clicked() {
            actions.push(Action::InspectCheckpoint(r.dir.clone()));
            ui.close();
        }
        if ui.button("Inspect beside the open checkpoint").clicked() {
            actions.push(Action::InspectBeside(r.dir.clone()));
            ui.close();
        }
        if ui
            .button("Resume")
            .on_hover_text(
                "continue this run where its last resume state left it (epoch end, Stop or Save)",
            )
            .clicked()
        {
            actions.push(Action::ResumeRun(r.dir.clone()));
            ui.close();
        }
        if ui.button("Export to PyTorch…").clicked() {
            actions.push(Action::OpenExport(Some(r.dir.clone())));
            ui.close();
        }
        if ui.button("Rename / tag…").clicked() {
            actions.push(Action::RenameRun(r.dir.clone()));
            ui.close();
        }
        if ui.button("Delete…").clicked() {
            actions.push(Action::DeleteRun(r.dir.clone()));
            ui.close();
        }
    });
}

/// Status and the best validation accuracy, for the list and its tooltip.
fn headline(r: &RunEntry) -> String {
    match (&r.status, r.best_val_accuracy) {
        (RunStatus::Finished { .. }, Some(v)) => {
            format!(
                "{} · best val {}",
                r.status.describe_short(),
                crate::protocol::percent(v, 1)
            )
        }
        _ => r.status.describe_short(),
    }
}
