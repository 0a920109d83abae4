//! The run history (the History tab of the bottom panel): past runs and comparisons with a
//! filter box, sortable columns and grouping by comparison. Only the rows in view are drawn,
//! and the filtered, sorted listing is computed again only when the filter, sort, grouping or
//! the scanned lists change — thousands of runs stay fast.
use super::Action;
use egui::{Align, Layout, RichText, Sense, Ui};
use runs::compare::Comparison;
use runs::history::filter::{self, GroupOf, Listing, Row, Sort, SortKey, FILTER_HELP};
use runs::history::{short_time, RunEntry};
use runs::RunStatus;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// What the history list shows.
pub struct HistoryLists<'a> {
    pub runs: &'a [RunEntry],
    pub comparisons: &'a [(String, Result<Comparison, runs::RunsError>)],
    /// Changes whenever the lists are replaced (a new scan), so a cached listing is redone.
    pub generation: u64,
    pub workspace: &'a Path,
    /// How runs written elsewhere are followed (`runs::watch::WatchMode::describe`), and
    /// whether it is by polling (then said in the toolbar, not only on hover).
    pub following: Option<(&'a str, bool)>,
}

/// The History's filter, sort and grouping, and the listing they give (cached).
pub struct HistoryView {
    pub filter: String,
    pub sort: Sort,
    /// Group a comparison's runs under one collapsible row.
    pub group: bool,
    expanded: HashSet<String>,
    /// Bumped when a group is opened or closed.
    expanded_version: u64,
    cache: Option<(CacheKey, Listing)>,
}

impl Default for HistoryView {
    fn default() -> HistoryView {
        HistoryView {
            filter: String::new(),
            sort: Sort::default(),
            group: true,
            expanded: HashSet::new(),
            expanded_version: 0,
            cache: None,
        }
    }
}

#[derive(Clone, PartialEq)]
struct CacheKey {
    filter: String,
    sort: Sort,
    group: bool,
    expanded_version: u64,
    generation: u64,
    runs: usize,
    comparisons: usize,
}

impl HistoryView {
    fn key(&self, lists: &HistoryLists) -> CacheKey {
        CacheKey {
            filter: self.filter.clone(),
            sort: self.sort,
            group: self.group,
            expanded_version: self.expanded_version,
            generation: lists.generation,
            runs: lists.runs.len(),
            comparisons: lists.comparisons.len(),
        }
    }

    /// The listing for the current settings: from the cache unless something changed.
    pub fn listing(&mut self, lists: &HistoryLists) -> &Listing {
        let key = self.key(lists);
        if self.cache.as_ref().is_some_and(|(k, _)| *k != key) {
            self.cache = None;
        }
        let (filter, sort, group, expanded) = (&self.filter, self.sort, self.group, &self.expanded);
        &self
            .cache
            .get_or_insert_with(|| {
                let listing =
                    filter::listing(lists.runs, lists.comparisons, filter, sort, group, expanded);
                (key, listing)
            })
            .1
    }

    fn toggle(&mut self, id: &str) {
        if !self.expanded.remove(id) {
            self.expanded.insert(id.to_string());
        }
        self.expanded_version += 1;
    }

    fn header_clicked(&mut self, key: SortKey) {
        self.sort = if self.sort.key == key {
            Sort {
                key,
                descending: !self.sort.descending,
            }
        } else {
            Sort {
                key,
                descending: key.descending_first(),
            }
        };
    }
}

/// Column widths; the name takes what is left.
const TICK: f32 = 22.0;
const DATE: f32 = 112.0;
const STATUS: f32 = 86.0;
const NUMBER: f32 = 64.0;
const PARAMS: f32 = 78.0;
const TAGS: f32 = 120.0;

pub fn history_ui(
    ui: &mut Ui,
    lists: HistoryLists,
    view: &mut HistoryView,
    selection: &mut Vec<PathBuf>,
    actions: &mut Vec<Action>,
) {
    toolbar_ui(ui, &lists, view, selection, actions);
    if lists.runs.is_empty() && lists.comparisons.is_empty() {
        ui.weak(format!(
            "Finished runs and comparisons are kept here — runs trained in this window or with `cnn-workbench train` in the workspace {}.",
            lists.workspace.display()
        ));
        return;
    }
    view.listing(&lists);
    // Drawn from the cache, which is put back afterwards (a click that changes the settings
    // makes it stale for the next frame).
    let Some((key, listing)) = view.cache.take() else {
        return;
    };
    if let Some(e) = &listing.error {
        ui.colored_label(super::ERROR_COLOR, format!("{e} — showing every run"));
    }
    if listing.rows.is_empty() {
        ui.label(format!(
            "No run matches \"{}\" ({} in the workspace).",
            view.filter.trim(),
            runs_count(lists.runs.len())
        ));
    } else {
        rows_ui(ui, &lists, &listing, view, selection, actions);
    }
    if view.cache.is_none() {
        view.cache = Some((key, listing));
    }
}

fn rows_ui(
    ui: &mut Ui,
    lists: &HistoryLists,
    listing: &Listing,
    view: &mut HistoryView,
    selection: &mut Vec<PathBuf>,
    actions: &mut Vec<Action>,
) {
    header_ui(ui, view);
    let row_height = ui.spacing().interact_size.y;
    egui::ScrollArea::vertical()
        .id_salt("history-rows")
        .auto_shrink([false, false])
        .show_rows(ui, row_height, listing.rows.len(), |ui, range| {
            for row in &listing.rows[range] {
                row_frame(ui, row_height, |ui| match row {
                    Row::Run(i) => {
                        if let Some(r) = lists.runs.get(*i) {
                            run_row_ui(ui, r, selection, actions);
                        }
                    }
                    Row::Group {
                        comparison,
                        matching,
                        total,
                    } => group_row_ui(ui, lists, view, comparison, (*matching, *total), actions),
                });
            }
        });
}

/// Refresh, the filter box, grouping, the count, and what to do with ticked runs.
fn toolbar_ui(
    ui: &mut Ui,
    lists: &HistoryLists,
    view: &mut HistoryView,
    selection: &[PathBuf],
    actions: &mut Vec<Action>,
) {
    ui.horizontal(|ui| {
        if ui
            .small_button("Refresh")
            .on_hover_text(format!(
                "read the workspace again: {}",
                lists.workspace.display()
            ))
            .clicked()
        {
            actions.push(Action::RefreshHistory);
        }
        let label = ui.label("filter").on_hover_text(FILTER_HELP);
        ui.add(
            egui::TextEdit::singleline(&mut view.filter)
                .hint_text("name, tag, status, acc > 0.9, time < 60 …")
                .desired_width(260.0),
        )
        .labelled_by(label.id)
        .on_hover_text(FILTER_HELP);
        if !view.filter.is_empty() && ui.small_button("Clear").clicked() {
            view.filter.clear();
        }
        ui.checkbox(&mut view.group, "group by comparison");
        match lists.following {
            Some((how, true)) => {
                ui.weak(how);
            }
            Some((how, false)) => {
                ui.weak("live").on_hover_text(how);
            }
            None => {}
        }
        let matching = view.listing(lists).matching;
        ui.weak(if matching == lists.runs.len() {
            runs_count(lists.runs.len())
        } else {
            format!("{matching} of {}", runs_count(lists.runs.len()))
        });
        ui.separator();
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
        if !selection.is_empty() {
            ui.weak(format!("{} ticked", selection.len()));
        }
    });
}

/// One row of fixed height, its cells left to right.
fn row_frame(ui: &mut Ui, height: f32, add: impl FnOnce(&mut Ui)) {
    let width = ui.available_width();
    ui.allocate_ui_with_layout(
        egui::vec2(width, height),
        Layout::left_to_right(Align::Center),
        |ui| {
            ui.set_min_size(egui::vec2(width, height));
            add(ui);
        },
    );
}

/// A cell of a given width; what does not fit is clipped.
fn cell(ui: &mut Ui, width: f32, add: impl FnOnce(&mut Ui)) {
    let height = ui.spacing().interact_size.y;
    ui.allocate_ui_with_layout(
        egui::vec2(width, height),
        Layout::left_to_right(Align::Center),
        |ui| {
            ui.set_min_size(egui::vec2(width, height));
            let clip = ui.max_rect().intersect(ui.clip_rect());
            ui.set_clip_rect(clip);
            add(ui);
        },
    );
}

/// The name column's width: what the fixed columns leave.
fn name_width(ui: &Ui) -> f32 {
    let spacing = ui.spacing().item_spacing.x * 8.0;
    let fixed = TICK + DATE + STATUS + 3.0 * NUMBER + PARAMS + TAGS + spacing;
    (ui.available_width() - fixed).max(140.0)
}

/// Column headings; a click sorts by that column, a second click reverses.
fn header_ui(ui: &mut Ui, view: &mut HistoryView) {
    let height = ui.spacing().interact_size.y;
    row_frame(ui, height, |ui| {
        let name = name_width(ui);
        let mut head = |ui: &mut Ui, width: f32, text: &str, key: SortKey| {
            cell(ui, width, |ui| {
                let arrow = match (view.sort.key == key, view.sort.descending) {
                    (true, true) => " v",
                    (true, false) => " ^",
                    _ => "",
                };
                if ui
                    .selectable_label(
                        view.sort.key == key,
                        RichText::new(format!("{text}{arrow}")).strong(),
                    )
                    .on_hover_text("sort by this column; click again to reverse")
                    .clicked()
                {
                    view.header_clicked(key);
                }
            });
        };
        cell(ui, TICK, |_| {});
        head(ui, DATE, "date", SortKey::Date);
        head(ui, name, "name", SortKey::Name);
        cell(ui, STATUS, |ui| {
            ui.label(RichText::new("status").strong());
        });
        head(ui, NUMBER, "best val", SortKey::BestVal);
        head(ui, NUMBER, "test", SortKey::Test);
        head(ui, NUMBER, "time", SortKey::Time);
        head(ui, PARAMS, "params", SortKey::Params);
        cell(ui, TAGS, |ui| {
            ui.label(RichText::new("tags").strong());
        });
    });
}

/// A comparison: open it, show or hide its runs.
fn group_row_ui(
    ui: &mut Ui,
    lists: &HistoryLists,
    view: &mut HistoryView,
    comparison: &GroupOf,
    (matching, total): (usize, usize),
    actions: &mut Vec<Action>,
) {
    let (id, listed) = match comparison {
        GroupOf::Listed(i) => match lists.comparisons.get(*i) {
            Some((id, c)) => (id.as_str(), Some(c)),
            None => return,
        },
        GroupOf::Missing(id) => (id.as_str(), None),
    };
    let open = view.expanded.contains(id);
    let height = ui.spacing().interact_size.y;
    let (_, icon) = ui.allocate_exact_size(egui::vec2(TICK, height), Sense::click());
    egui::collapsing_header::paint_default_icon(ui, if open { 1.0 } else { 0.0 }, &icon);
    match listed {
        Some(Ok(c)) => {
            if ui
                .link(RichText::new(&c.name).strong())
                .on_hover_text(format!("open in the Compare tab · {id}"))
                .clicked()
            {
                actions.push(Action::OpenComparison(id.to_string()));
            }
        }
        Some(Err(reason)) => {
            ui.colored_label(super::ERROR_COLOR, format!("{id}: damaged"))
                .on_hover_text(reason.to_string());
        }
        None => {
            ui.weak(format!("{id} (its comparison.ron is gone)"));
        }
    }
    let count = if matching == total || total == 0 {
        runs_count(total)
    } else {
        format!("{matching} of {} match", runs_count(total))
    };
    let count = ui
        .add(egui::Label::new(RichText::new(count).weak()).sense(Sense::click()))
        .on_hover_text(if open {
            "hide its runs"
        } else {
            "show its runs"
        });
    if icon.clicked() || count.clicked() {
        view.toggle(id);
    }
}

fn duration_text(secs: f64) -> String {
    match secs {
        s if s < 120.0 => format!("{s:.0} s"),
        s if s < 7200.0 => format!("{:.1} min", s / 60.0),
        s => format!("{:.1} h", s / 3600.0),
    }
}

/// One run: a tick box for export/diff, its name (click to open, right-click for more) and
/// its numbers.
fn run_row_ui(ui: &mut Ui, r: &RunEntry, selection: &mut Vec<PathBuf>, actions: &mut Vec<Action>) {
    let name_w = name_width(ui);
    cell(ui, TICK, |ui| tick_ui(ui, r, selection));
    cell(ui, DATE, |ui| {
        ui.label(short_time(&r.meta.created))
            .on_hover_text(format!("run id {}", r.id));
    });
    cell(ui, name_w, |ui| name_ui(ui, r, actions));
    cell(ui, STATUS, |ui| {
        let word = filter::status_word(&r.status);
        let text = match r.status {
            RunStatus::Damaged { .. } | RunStatus::Failed { .. } | RunStatus::Diverged { .. } => {
                RichText::new(word).color(super::ERROR_COLOR)
            }
            _ => RichText::new(word),
        };
        ui.label(text).on_hover_text(r.status.describe());
    });
    let pct = |v: Option<f32>, d| v.map_or("—".into(), |v| protocol::percent(v, d));
    cell(ui, NUMBER, |ui| {
        ui.label(pct(r.best_val_accuracy, 1));
    });
    cell(ui, NUMBER, |ui| {
        ui.label(pct(r.test_accuracy(), 2));
    });
    cell(ui, NUMBER, |ui| {
        ui.label(r.duration_secs.map_or("—".into(), duration_text));
    });
    cell(ui, PARAMS, |ui| {
        ui.label(r.params.map_or("—".into(), spec::thousands));
    });
    cell(ui, TAGS, |ui| {
        ui.weak(r.meta.tags.join(", "));
    });
}

fn tick_ui(ui: &mut Ui, r: &RunEntry, selection: &mut Vec<PathBuf>) {
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
}

/// The run's name as a link, with the run's own context menu.
fn name_ui(ui: &mut Ui, r: &RunEntry, actions: &mut Vec<Action>) {
    let name = r.display_name();
    let damaged = matches!(r.status, RunStatus::Damaged { .. });
    let text = if damaged {
        RichText::new(&name).color(super::ERROR_COLOR)
    } else {
        RichText::new(&name)
    };
    let link = ui.link(text).on_hover_text(format!(
        "{}\npreset: {}\n{}\n{}\ntags: {}",
        r.meta.name,
        r.preset_name,
        r.status.describe(),
        r.dir.display(),
        r.meta.tags.join(", ")
    ));
    if link.clicked() && !damaged {
        actions.push(Action::OpenRun(r.dir.clone()));
    }
    link.context_menu(|ui| context_menu_ui(ui, r, actions));
}

fn context_menu_ui(ui: &mut Ui, r: &RunEntry, actions: &mut Vec<Action>) {
    let mut item = |ui: &mut Ui, label: &str, hover: Option<&str>, action: Action| {
        let b = ui.button(label);
        let b = match hover {
            Some(h) => b.on_hover_text(h),
            None => b,
        };
        if b.clicked() {
            actions.push(action);
            ui.close();
        }
    };
    let dir = || r.dir.clone();
    item(
        ui,
        "Inspect checkpoint",
        None,
        Action::InspectCheckpoint(dir()),
    );
    item(
        ui,
        "Inspect beside the open checkpoint",
        None,
        Action::InspectBeside(dir()),
    );
    // A run that trained to its end has nothing left to resume (fine-tune from it instead).
    let finished = matches!(r.status, RunStatus::Finished { stopped: false, .. });
    let resume = ui
        .add_enabled(!finished, egui::Button::new("Resume"))
        .on_hover_text(
            "continue this run where its last resume state left it (epoch end, Stop or Save)",
        )
        .on_disabled_hover_text(
            "it finished: nothing is left to resume — fine-tune from it (\"fine-tune from\" in \
             Run) or train more epochs as a new run",
        );
    let resume = resume.clicked().then(|| Action::ResumeRun(dir()));
    if resume.is_some() {
        ui.close();
    }
    item(
        ui,
        "Export to PyTorch…",
        None,
        Action::OpenExport(Some(dir())),
    );
    item(ui, "Rename / tag…", None, Action::RenameRun(dir()));
    item(ui, "Delete…", None, Action::DeleteRun(dir()));
    if let Some(c) = &r.meta.comparison {
        item(
            ui,
            "Open its comparison",
            None,
            Action::OpenComparison(c.clone()),
        );
    }
    actions.extend(resume);
}

/// "1 run", "3 runs".
fn runs_count(n: usize) -> String {
    if n == 1 {
        "1 run".into()
    } else {
        format!("{n} runs")
    }
}
