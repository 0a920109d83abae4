//! The checkpoint inspector: filters, feature maps, confusion matrix, saliency and two
//! checkpoints side by side, one file per panel. Everything is computed on the inspector
//! thread, which the app owns: panels queue requests on their [`CheckpointView`], the app forwards them
//! and hands the answers back; this only draws results, turning each into a texture once.
mod canvas;
mod confusion;
mod filters;
mod maps;
mod saliency;

use egui::{RichText, TextureHandle, Ui};
use protocol::inspect::*;
use render::{FilterScale, Rgba};
use std::collections::HashMap;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum InspectTab {
    #[default]
    Filters,
    FeatureMaps,
    Confusion,
    Saliency,
    SideBySide,
}

/// One open checkpoint and what its thread has answered so far.
pub struct CheckpointView {
    pub path: PathBuf,
    /// Requests for the inspector thread, taken by the app after the frame.
    pub requests: Vec<InspectRequest>,
    /// Requests sent and not yet answered (the panels show a spinner); 1 while opening.
    pub pending: usize,
    pub summary: Option<InspectSummary>,
    pub filters: Option<Vec<FilterGrid>>,
    pub maps: Option<Result<FeatureMaps, protocol::inspect::Unanswered>>,
    pub confusion: Option<Confusion>,
    pub saliency: Option<Result<Saliency, protocol::inspect::Unanswered>>,
    pub cell_images: Vec<(usize, Image)>,
    pub averaged: Option<Result<protocol::inspect::AveragedReport, protocol::inspect::Unanswered>>,
    /// "Explain this number": the last answer, and whether the app has not yet opened it.
    pub explained: Option<Result<Explained, protocol::inspect::Unanswered>>,
    pub explained_new: bool,
    pub error: Option<String>,
    textures: HashMap<String, TextureHandle>,
}

impl CheckpointView {
    /// A checkpoint being opened by its thread.
    pub fn new(path: PathBuf) -> CheckpointView {
        CheckpointView {
            path,
            requests: Vec::new(),
            pending: 1,
            summary: None,
            filters: None,
            maps: None,
            confusion: None,
            saliency: None,
            cell_images: Vec::new(),
            averaged: None,
            explained: None,
            explained_new: false,
            error: None,
            textures: HashMap::new(),
        }
    }

    /// Queues a request for the inspector thread.
    pub fn ask(&mut self, r: InspectRequest) {
        self.requests.push(r);
        self.pending += 1;
    }

    pub fn name(&self) -> String {
        self.summary
            .as_ref()
            .map(|s| s.name.clone())
            .unwrap_or_else(|| self.path.display().to_string())
    }

    fn forget(&mut self, prefix: &str) {
        self.textures.retain(|k, _| !k.starts_with(prefix));
    }

    /// Takes one answer of the thread; returns true when the checkpoint has just opened.
    pub fn receive(&mut self, r: InspectReply) -> bool {
        self.pending = self.pending.saturating_sub(1);
        let mut opened = false;
        {
            match r {
                InspectReply::Opened(s) => {
                    self.summary = Some(s);
                    opened = true;
                }
                InspectReply::Filters(f) => {
                    self.forget("filters");
                    self.filters = Some(f);
                }
                InspectReply::FeatureMaps(m) => {
                    self.forget("maps");
                    self.maps = Some(m);
                }
                InspectReply::Confusion(c) => self.confusion = Some(c),
                InspectReply::Saliency(s) => {
                    self.forget("sal");
                    self.saliency = Some(s);
                }
                InspectReply::TestImages(imgs) => {
                    self.forget("cell");
                    self.cell_images = imgs;
                }
                InspectReply::Averaged(r) => self.averaged = Some(r),
                InspectReply::Explain(e) => {
                    self.explained = Some(e);
                    self.explained_new = true;
                }
                InspectReply::Failed(e) => self.error = Some(e),
            }
        }
        opened
    }

    pub(crate) fn texture(
        &mut self,
        ui: &Ui,
        key: String,
        make: impl FnOnce() -> Rgba,
    ) -> TextureHandle {
        self.textures
            .entry(key.clone())
            .or_insert_with(|| {
                let rgba = make();
                let image = egui::ColorImage::from_rgba_unmultiplied(
                    [rgba.width, rgba.height],
                    &rgba.pixels,
                );
                ui.ctx()
                    .load_texture(key, image, egui::TextureOptions::NEAREST)
            })
            .clone()
    }

    pub fn ask_views(
        &mut self,
        input: &InputChoice,
        cam_layer: Option<usize>,
        cam_class: Option<usize>,
    ) {
        self.ask(InspectRequest::FeatureMaps(input.clone()));
        if let Some(layer) = cam_layer.or_else(|| self.default_cam_layer()) {
            self.ask(InspectRequest::Saliency {
                input: input.clone(),
                layer,
                class: cam_class,
            });
        }
    }

    fn default_cam_layer(&self) -> Option<usize> {
        self.summary.as_ref()?.default_cam_layer()
    }
}

/// The inspector window's state.
pub struct InspectorState {
    pub a: CheckpointView,
    pub b: Option<CheckpointView>,
    pub tab: InspectTab,
    pub input: InputChoice,
    pub scale: FilterScale,
    pub zoom: usize,
    pub cam_layer: Option<usize>,
    pub cam_class: Option<usize>,
    pub cell: Option<(usize, usize)>,
    pub normalized: bool,
    pub class_filter: Option<usize>,
    pub canvas: Vec<f32>,
    pub image_path: String,
    pub second_path: String,
    /// Test-time averaging and the checkpoints to ensemble with (one per line).
    pub tta: protocol::inspect::Tta,
    pub ensemble_paths: String,
}

impl InspectorState {
    pub fn new(a: CheckpointView) -> InspectorState {
        InspectorState {
            a,
            b: None,
            tab: InspectTab::Filters,
            input: InputChoice::Test(0),
            scale: FilterScale::PerLayer,
            zoom: 14,
            cam_layer: None,
            cam_class: None,
            cell: None,
            normalized: false,
            class_filter: None,
            canvas: vec![0.0; 28 * 28],
            image_path: String::new(),
            second_path: String::new(),
            tta: Default::default(),
            ensemble_paths: String::new(),
        }
    }

    /// An answer for the first checkpoint; asks for the first views once it has opened.
    pub fn receive_a(&mut self, r: InspectReply) {
        if self.a.receive(r) {
            self.a.ask(InspectRequest::Filters);
            self.a.ask(InspectRequest::Confusion);
            self.a
                .ask_views(&self.input, self.cam_layer, self.cam_class);
        }
    }

    /// An answer for the second checkpoint.
    pub fn receive_b(&mut self, r: InspectReply) {
        let (input, layer, class) = (self.input.clone(), self.cam_layer, self.cam_class);
        if let Some(b) = self.b.as_mut() {
            if b.receive(r) {
                b.ask(InspectRequest::Filters);
                b.ask_views(&input, layer, class);
            }
        }
    }

    pub fn busy(&self) -> bool {
        self.a.pending > 0 || self.b.as_ref().is_some_and(|b| b.pending > 0)
    }

    fn set_input(&mut self, input: InputChoice) {
        self.input = input;
        self.a
            .ask_views(&self.input, self.cam_layer, self.cam_class);
        if let Some(b) = self.b.as_mut() {
            b.ask_views(&self.input, self.cam_layer, self.cam_class);
        }
    }
}

/// The window contents. Returns a path when the user asks to open a second checkpoint.
pub fn inspector_ui(ui: &mut Ui, state: &mut InspectorState) -> Option<PathBuf> {
    let mut open_second = None;
    if let Some(e) = &state.a.error {
        ui.colored_label(
            crate::ERROR_COLOR,
            format!("Cannot inspect {}: {e}", state.a.path.display()),
        );
        return None;
    }
    ui.horizontal(|ui| {
        ui.selectable_value(&mut state.tab, InspectTab::Filters, "Filters");
        ui.selectable_value(&mut state.tab, InspectTab::FeatureMaps, "Feature maps");
        ui.selectable_value(&mut state.tab, InspectTab::Confusion, "Confusion matrix");
        ui.selectable_value(&mut state.tab, InspectTab::Saliency, "Saliency");
        ui.selectable_value(&mut state.tab, InspectTab::SideBySide, "Side by side");
        if state.busy() {
            ui.spinner();
            ui.weak("computing…");
        }
    });
    ui.separator();
    if let Some(bad) = state
        .a
        .summary
        .as_ref()
        .map(|s| &s.non_finite)
        .filter(|b| !b.is_empty())
    {
        ui.colored_label(
            crate::ERROR_COLOR,
            format!(
                "The weights are not finite — {}. The run diverged: every number below is meaningless.",
                bad.join(", ")
            ),
        );
    }
    if state.a.summary.is_none() {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("loading the checkpoint and its test data…");
        });
        return None;
    }
    egui::ScrollArea::both()
        .id_salt("inspector-scroll")
        .auto_shrink([false, false])
        .show(ui, |ui| match state.tab {
            InspectTab::Filters => {
                ui.horizontal(|ui| {
                    ui.radio_value(
                        &mut state.scale,
                        FilterScale::PerLayer,
                        "one scale per layer",
                    );
                    ui.radio_value(
                        &mut state.scale,
                        FilterScale::PerFilter,
                        "each filter on its own scale",
                    );
                    crate::widgets::count_ui(ui, "zoom", &mut state.zoom, 2..=24);
                });
                filters::filters_ui(ui, &mut state.a, state.scale, state.zoom);
            }
            InspectTab::FeatureMaps => {
                if let Some(i) = maps::input_chooser_ui(ui, state) {
                    state.set_input(i);
                }
                maps::maps_ui(ui, &mut state.a, 3, &state.input);
            }
            InspectTab::Confusion => confusion::confusion_ui(ui, state),
            InspectTab::Saliency => {
                if let Some(i) = maps::input_chooser_ui(ui, state) {
                    state.set_input(i);
                }
                saliency::saliency_ui(ui, state);
            }
            InspectTab::SideBySide => open_second = side_by_side_ui(ui, state),
        });
    open_second
}

/// Two checkpoints on the same input; returns a path when the user opens a second one.
fn side_by_side_ui(ui: &mut Ui, state: &mut InspectorState) -> Option<PathBuf> {
    let mut open_second = None;
    ui.horizontal(|ui| {
        let l = ui.label("second checkpoint");
        ui.add(
            egui::TextEdit::singleline(&mut state.second_path)
                .hint_text("run folder or .safetensors")
                .desired_width(360.0),
        )
        .labelled_by(l.id);
        if ui.button("Open").clicked() && !state.second_path.trim().is_empty() {
            open_second = Some(PathBuf::from(state.second_path.trim()));
        }
    });
    if let Some(i) = maps::input_chooser_ui(ui, state) {
        state.set_input(i);
    }
    let Some(b) = state.b.as_mut() else {
        ui.weak("Open a second checkpoint (for example the Mish run of a comparison) to see both on the same input.");
        return open_second;
    };
    if let Some(e) = &b.error {
        ui.colored_label(crate::ERROR_COLOR, e);
        return open_second;
    }
    let w = ui.available_width() / 2.0 - 8.0;
    let zoom = state.zoom.min(6);
    let a = &mut state.a;
    let input = &state.input;
    ui.horizontal_top(|ui| {
        for side in [a, b] {
            ui.vertical(|ui| {
                ui.set_width(w);
                ui.label(RichText::new(side.name()).strong());
                ui.weak(side.path.display().to_string());
                maps::maps_ui(ui, side, 2, input);
                filters::filters_ui(ui, side, FilterScale::PerLayer, zoom);
            });
        }
    });
    open_second
}
