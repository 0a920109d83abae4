//! The checkpoint inspector: filters, feature maps, confusion matrix, saliency and two
//! checkpoints side by side. Everything is computed on the inspector thread; this only draws
//! results, turning each into a texture once.
use crate::engine::inspect::{InspectReply, InspectRequest, InspectorHandle};
use crate::protocol::inspect::*;
use crate::render::{self, FilterScale, Rgba};
use egui::{Color32, RichText, TextureHandle, Ui};
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
pub struct Side {
    pub path: PathBuf,
    pub handle: InspectorHandle,
    pub summary: Option<InspectSummary>,
    pub filters: Option<Vec<FilterGrid>>,
    pub maps: Option<Result<FeatureMaps, String>>,
    pub confusion: Option<Confusion>,
    pub saliency: Option<Result<Saliency, String>>,
    pub cell_images: Vec<(usize, Image)>,
    pub error: Option<String>,
    textures: HashMap<String, TextureHandle>,
}

impl Side {
    pub fn open(
        path: PathBuf,
        notify: Option<std::sync::Arc<dyn Fn() + Send + Sync>>,
    ) -> Result<Side, String> {
        let handle = InspectorHandle::spawn(path.clone(), None, notify)
            .map_err(|e| format!("cannot start the inspector: {e}"))?;
        Ok(Side {
            path,
            handle,
            summary: None,
            filters: None,
            maps: None,
            confusion: None,
            saliency: None,
            cell_images: Vec::new(),
            error: None,
            textures: HashMap::new(),
        })
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

    /// Takes the thread's answers; returns true when the checkpoint has just opened.
    pub fn poll(&mut self) -> bool {
        let mut opened = false;
        while let Some(r) = self.handle.try_recv() {
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
                InspectReply::Failed(e) => self.error = Some(e),
            }
        }
        opened
    }

    fn texture(&mut self, ui: &Ui, key: String, make: impl FnOnce() -> Rgba) -> TextureHandle {
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
        self.handle.ask(InspectRequest::FeatureMaps(input.clone()));
        if let Some(layer) = cam_layer.or_else(|| self.default_cam_layer()) {
            self.handle.ask(InspectRequest::Saliency {
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
    pub a: Side,
    pub b: Option<Side>,
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
}

impl InspectorState {
    pub fn new(a: Side) -> InspectorState {
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
        }
    }

    /// Polls both sides; asks for the first views once a checkpoint has opened.
    pub fn poll(&mut self) {
        if self.a.poll() {
            self.a.handle.ask(InspectRequest::Filters);
            self.a.handle.ask(InspectRequest::Confusion);
            self.a
                .ask_views(&self.input, self.cam_layer, self.cam_class);
        }
        if let Some(b) = self.b.as_mut() {
            if b.poll() {
                b.handle.ask(InspectRequest::Filters);
                b.ask_views(&self.input, self.cam_layer, self.cam_class);
            }
        }
    }

    pub fn busy(&self) -> bool {
        self.a.handle.pending > 0 || self.b.as_ref().is_some_and(|b| b.handle.pending > 0)
    }

    fn set_input(&mut self, input: InputChoice) {
        self.input = input;
        self.a
            .ask_views(&self.input, self.cam_layer, self.cam_class);
        if let Some(b) = self.b.as_mut() {
            b.ask_views(&self.input, self.cam_layer, self.cam_class);
        }
    }

    /// Opens the checkpoint to compare against.
    pub fn open_second(
        &mut self,
        path: PathBuf,
        notify: Option<std::sync::Arc<dyn Fn() + Send + Sync>>,
    ) -> Result<(), String> {
        self.b = Some(Side::open(path, notify)?);
        Ok(())
    }
}

/// The window contents. Returns a path when the user asks to open a second checkpoint.
pub fn inspector_ui(ui: &mut Ui, st: &mut InspectorState) -> Option<PathBuf> {
    let mut open_second = None;
    if let Some(e) = &st.a.error {
        ui.colored_label(
            super::editor::ERROR_COLOR,
            format!("Cannot inspect {}: {e}", st.a.path.display()),
        );
        return None;
    }
    ui.horizontal(|ui| {
        ui.selectable_value(&mut st.tab, InspectTab::Filters, "Filters");
        ui.selectable_value(&mut st.tab, InspectTab::FeatureMaps, "Feature maps");
        ui.selectable_value(&mut st.tab, InspectTab::Confusion, "Confusion matrix");
        ui.selectable_value(&mut st.tab, InspectTab::Saliency, "Saliency");
        ui.selectable_value(&mut st.tab, InspectTab::SideBySide, "Side by side");
        if st.busy() {
            ui.spinner();
            ui.weak("computing…");
        }
    });
    ui.separator();
    if st.a.summary.is_none() {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("loading the checkpoint and its test data…");
        });
        return None;
    }
    egui::ScrollArea::both().id_salt("inspector-scroll").auto_shrink([false, false]).show(ui, |ui| match st.tab {
        InspectTab::Filters => {
            ui.horizontal(|ui| {
                ui.radio_value(&mut st.scale, FilterScale::PerLayer, "one scale per layer");
                ui.radio_value(&mut st.scale, FilterScale::PerFilter, "each filter on its own scale");
                super::widgets::count_ui(ui, "zoom", &mut st.zoom, 2..=24);
            });
            filters_ui(ui, &mut st.a, st.scale, st.zoom);
        }
        InspectTab::FeatureMaps => {
            if let Some(i) = input_chooser_ui(ui, st) {
                st.set_input(i);
            }
            maps_ui(ui, &mut st.a, 3);
        }
        InspectTab::Confusion => confusion_ui(ui, st),
        InspectTab::Saliency => {
            if let Some(i) = input_chooser_ui(ui, st) {
                st.set_input(i);
            }
            saliency_ui(ui, st);
        }
        InspectTab::SideBySide => {
            ui.horizontal(|ui| {
                let l = ui.label("second checkpoint");
                ui.add(egui::TextEdit::singleline(&mut st.second_path).hint_text("run folder or .safetensors").desired_width(360.0)).labelled_by(l.id);
                if ui.button("Open").clicked() && !st.second_path.trim().is_empty() {
                    open_second = Some(PathBuf::from(st.second_path.trim()));
                }
            });
            if let Some(i) = input_chooser_ui(ui, st) {
                st.set_input(i);
            }
            let Some(b) = st.b.as_mut() else {
                ui.weak("Open a second checkpoint (for example the Mish run of a comparison) to see both on the same input.");
                return;
            };
            if let Some(e) = &b.error {
                ui.colored_label(super::editor::ERROR_COLOR, e);
                return;
            }
            let w = ui.available_width() / 2.0 - 8.0;
            let zoom = st.zoom.min(6);
            let a = &mut st.a;
            ui.horizontal_top(|ui| {
                for side in [a, b] {
                    ui.vertical(|ui| {
                        ui.set_width(w);
                        ui.label(RichText::new(side.name()).strong());
                        ui.weak(side.path.display().to_string());
                        maps_ui(ui, side, 2);
                        filters_ui(ui, side, FilterScale::PerLayer, zoom);
                    });
                }
            });
        }
    });
    open_second
}

fn legend_ui(ui: &mut Ui, max: f32) {
    ui.horizontal(|ui| {
        ui.label(format!("{:+.3}", -max));
        let (rect, _) = ui.allocate_exact_size(egui::vec2(120.0, 12.0), egui::Sense::hover());
        for i in 0..60 {
            let v = i as f32 / 59.0 * 2.0 - 1.0;
            let c = render::diverging(v);
            let x0 = rect.left() + rect.width() * i as f32 / 60.0;
            let r = egui::Rect::from_min_max(
                egui::pos2(x0, rect.top()),
                egui::pos2(x0 + rect.width() / 60.0 + 0.5, rect.bottom()),
            );
            ui.painter()
                .rect_filled(r, 0.0, Color32::from_rgb(c[0], c[1], c[2]));
        }
        ui.label(format!("{:+.3}", max));
    });
}

fn filters_ui(ui: &mut Ui, side: &mut Side, scale: FilterScale, zoom: usize) {
    let Some(filters) = side.filters.clone() else {
        ui.spinner();
        return;
    };
    if filters.is_empty() {
        ui.weak("This network has no Conv2d layers.");
    }
    for g in &filters {
        ui.label(
            RichText::new(format!(
                "layer {} {} — {} filters of {}×{}×{}{}",
                g.layer,
                g.label,
                g.out_channels,
                g.in_channels,
                g.kernel,
                g.kernel,
                if g.in_channels == 3 {
                    " (RGB, in colour)"
                } else if g.in_channels > 1 {
                    " (mean over input channels)"
                } else {
                    ""
                }
            ))
            .strong(),
        );
        legend_ui(ui, g.max_abs());
        let tex = side.texture(
            ui,
            format!("filters-{}-{:?}-{zoom}", g.layer, scale),
            || render::filter_grid(g, scale, zoom),
        );
        let r = ui.image((tex.id(), tex.size_vec2()));
        if let Some(pos) = r.hover_pos() {
            // Which kernel is under the pointer: show its numbers.
            let cell = (g.kernel * zoom + 1) as f32;
            let cols = render::grid_columns(g.out_channels);
            let (cx, cy) = (
                ((pos.x - r.rect.left()) / cell) as usize,
                ((pos.y - r.rect.top()) / cell) as usize,
            );
            let o = cy * cols + cx;
            if cx < cols && o < g.out_channels {
                let values = g.channel_mean(o);
                let text: String = values
                    .chunks(g.kernel)
                    .map(|row| {
                        row.iter()
                            .map(|v| format!("{v:+.3}"))
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .collect::<Vec<_>>()
                    .join("\n");
                r.on_hover_ui(|ui| {
                    ui.label(format!(
                        "filter {o}{}",
                        if g.in_channels > 1 {
                            " (mean over input channels)"
                        } else {
                            ""
                        }
                    ));
                    ui.monospace(text);
                });
            }
        }
        ui.add_space(8.0);
    }
}

fn probs_ui(ui: &mut Ui, probs: &[f32], predicted: usize, names: &[String]) {
    for (i, p) in probs.iter().enumerate() {
        ui.horizontal(|ui| {
            let name = names.get(i).cloned().unwrap_or_else(|| i.to_string());
            let text = RichText::new(format!("{name:>12}"));
            ui.label(if i == predicted { text.strong() } else { text });
            ui.add(
                egui::ProgressBar::new(*p)
                    .desired_width(120.0)
                    .text(format!("{:.1}%", p * 100.0)),
            );
        });
    }
}

fn maps_ui(ui: &mut Ui, side: &mut Side, thumb: usize) {
    let names = side
        .summary
        .as_ref()
        .map(|s| s.class_names.clone())
        .unwrap_or_default();
    let Some(maps) = side.maps.clone() else {
        ui.spinner();
        return;
    };
    let maps = match maps {
        Ok(m) => m,
        Err(e) => {
            ui.colored_label(super::editor::ERROR_COLOR, e);
            return;
        }
    };
    ui.horizontal_top(|ui| {
        let tex = side.texture(ui, "maps-input".into(), || {
            render::picture(&maps.input, 0.0, 1.0)
        });
        ui.add(egui::Image::new((tex.id(), tex.size_vec2() * 4.0)));
        ui.vertical(|ui| {
            ui.label(
                RichText::new(format!(
                    "prediction: {}",
                    names.get(maps.predicted).cloned().unwrap_or_default()
                ))
                .strong(),
            );
            probs_ui(ui, &maps.probs, maps.predicted, &names);
        });
    });
    for l in &maps.layers {
        ui.label(format!(
            "layer {} {} — {} maps{}",
            l.layer,
            l.label,
            l.channels,
            if l.maps.len() < l.channels {
                format!(" (first {})", l.maps.len())
            } else {
                String::new()
            }
        ));
        ui.horizontal_wrapped(|ui| {
            for (k, m) in l.maps.iter().enumerate() {
                let tex = side.texture(ui, format!("maps-{}-{k}", l.layer), || {
                    render::map_picture(m)
                });
                let scale = (thumb as f32 * 28.0 / m.width.max(1) as f32).max(1.0);
                ui.add(egui::Image::new((tex.id(), tex.size_vec2() * scale)))
                    .on_hover_text(format!("channel {k}"));
            }
        });
    }
}

/// The input choice: a test image (by index or class), a drawing, or an image file.
fn input_chooser_ui(ui: &mut Ui, st: &mut InspectorState) -> Option<InputChoice> {
    let mut chosen = None;
    let summary = st.a.summary.clone()?;
    ui.horizontal(|ui| {
        let mut index = match st.input {
            InputChoice::Test(i) => i,
            _ => 0,
        };
        let l = ui.label("test image");
        if ui
            .add(egui::DragValue::new(&mut index).range(0..=summary.test_images.saturating_sub(1)))
            .labelled_by(l.id)
            .changed()
        {
            chosen = Some(InputChoice::Test(index));
        }
        let l = ui.label("of class");
        egui::ComboBox::from_id_salt("inspect-class")
            .selected_text(
                st.class_filter
                    .and_then(|c| summary.class_names.get(c).cloned())
                    .unwrap_or_else(|| "any".into()),
            )
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut st.class_filter, None, "any");
                for (i, n) in summary.class_names.iter().enumerate() {
                    ui.selectable_value(&mut st.class_filter, Some(i), n);
                }
            })
            .response
            .labelled_by(l.id);
        if ui
            .button("Next")
            .on_hover_text("the next test image of that class")
            .clicked()
        {
            let from = index + 1;
            let n = summary.test_labels.len();
            let next = (0..n)
                .map(|k| (from + k) % n)
                .find(|&i| st.class_filter.is_none_or(|c| summary.test_labels[i] == c));
            if let Some(i) = next {
                chosen = Some(InputChoice::Test(i));
            }
        }
        ui.separator();
        let l = ui.label("image file");
        ui.add(egui::TextEdit::singleline(&mut st.image_path).desired_width(180.0))
            .labelled_by(l.id);
        if ui.button("Load").clicked() {
            match load_image_file(&st.image_path) {
                Ok(img) => chosen = Some(InputChoice::Pixels(img)),
                Err(e) => st.a.error_note(e),
            }
        }
    });
    if takes_gray28(&st.a) {
        ui.horizontal(|ui| {
            ui.label("or draw:");
            if canvas_ui(ui, &mut st.canvas) {
                chosen = Some(InputChoice::Pixels(Image {
                    channels: 1,
                    height: 28,
                    width: 28,
                    data: st.canvas.clone(),
                }));
            }
            if ui.button("Clear").clicked() {
                st.canvas.iter_mut().for_each(|v| *v = 0.0);
            }
        });
    }
    chosen
}

/// Whether the network takes 28×28 gray images (the drawing canvas makes sense then).
fn takes_gray28(side: &Side) -> bool {
    side.maps
        .as_ref()
        .and_then(|m| m.as_ref().ok())
        .is_some_and(|m| m.input.channels == 1 && m.input.width == 28 && m.input.height == 28)
}

impl Side {
    fn error_note(&mut self, e: String) {
        self.maps = Some(Err(e));
    }
}

/// A 28×28 drawing surface; returns true when a stroke ends.
fn canvas_ui(ui: &mut Ui, canvas: &mut [f32]) -> bool {
    let size = 28.0 * 4.0;
    let (rect, r) = ui.allocate_exact_size(egui::vec2(size, size), egui::Sense::drag());
    let p = ui.painter();
    p.rect_filled(rect, 0.0, Color32::BLACK);
    for y in 0..28 {
        for x in 0..28 {
            let v = canvas[y * 28 + x];
            if v > 0.0 {
                let g = (v * 255.0) as u8;
                let min = rect.min + egui::vec2(x as f32 * 4.0, y as f32 * 4.0);
                p.rect_filled(
                    egui::Rect::from_min_size(min, egui::vec2(4.0, 4.0)),
                    0.0,
                    Color32::from_gray(g),
                );
            }
        }
    }
    if let Some(pos) = r.interact_pointer_pos() {
        let (cx, cy) = ((pos.x - rect.left()) / 4.0, (pos.y - rect.top()) / 4.0);
        // A soft round brush about two pixels wide, like a pen stroke in MNIST.
        for y in 0..28 {
            for x in 0..28 {
                let d = ((x as f32 + 0.5 - cx).powi(2) + (y as f32 + 0.5 - cy).powi(2)).sqrt();
                let v = (1.6 - d).clamp(0.0, 1.0);
                let c = &mut canvas[y * 28 + x];
                *c = c.max(v);
            }
        }
    }
    r.drag_stopped()
}

/// Opens an image file and fits it to the network's input: gray or RGB, resized.
fn load_image_file(path: &str) -> Result<Image, String> {
    let img = image::open(path.trim()).map_err(|e| format!("cannot open the image {path}: {e}"))?;
    let gray = img
        .resize_exact(28, 28, image::imageops::FilterType::Triangle)
        .to_luma8();
    let mut data: Vec<f32> = gray.pixels().map(|p| p.0[0] as f32 / 255.0).collect();
    // MNIST digits are light on dark: invert a mostly light picture.
    if data.iter().sum::<f32>() / data.len() as f32 > 0.5 {
        data.iter_mut().for_each(|v| *v = 1.0 - *v);
    }
    Ok(Image {
        channels: 1,
        height: 28,
        width: 28,
        data,
    })
}

fn confusion_ui(ui: &mut Ui, st: &mut InspectorState) {
    let names =
        st.a.summary
            .as_ref()
            .map(|s| s.class_names.clone())
            .unwrap_or_default();
    let Some(c) = st.a.confusion.clone() else {
        ui.spinner();
        return;
    };
    ui.horizontal(|ui| {
        ui.label(
            RichText::new(format!(
                "test accuracy {:.2}% on {} images",
                c.accuracy * 100.0,
                c.total()
            ))
            .strong(),
        );
        ui.checkbox(&mut st.normalized, "row-normalized");
    });
    let k = c.counts.len();
    ui.horizontal_top(|ui| {
        egui::Grid::new("confusion")
            .spacing([2.0, 2.0])
            .show(ui, |ui| {
                ui.label("true \\ predicted");
                for j in 0..k {
                    ui.label(RichText::new(names.get(j).cloned().unwrap_or_default()).small());
                }
                ui.label(RichText::new("recall").small());
                ui.end_row();
                for i in 0..k {
                    ui.label(names.get(i).cloned().unwrap_or_default());
                    let row_total: u32 = c.counts[i].iter().sum();
                    for j in 0..k {
                        let n = c.counts[i][j];
                        let frac = if row_total > 0 {
                            n as f32 / row_total as f32
                        } else {
                            0.0
                        };
                        let text = if st.normalized {
                            format!("{:.2}", frac)
                        } else {
                            n.to_string()
                        };
                        let shade = (frac.sqrt() * 200.0) as u8;
                        let fill = if i == j {
                            Color32::from_rgb(20, 40 + shade / 2, 20)
                        } else {
                            Color32::from_rgb(40 + shade, 30, 30)
                        };
                        let selected = st.cell == Some((i, j));
                        let b = egui::Button::new(RichText::new(text).monospace())
                            .fill(fill)
                            .min_size(egui::vec2(46.0, 22.0))
                            .selected(selected);
                        let name = format!("true {} -> predicted {}: {n}", names[i], names[j]);
                        let r = ui.add(b);
                        // Screen readers (and tests) hear the whole cell, not just its number.
                        r.widget_info(|| {
                            egui::WidgetInfo::labeled(egui::Role::Button, true, &name)
                        });
                        if r.on_hover_text(&name).clicked() {
                            st.cell = Some((i, j));
                            let idx: Vec<usize> =
                                c.examples[i * k + j].iter().map(|(t, _)| *t).collect();
                            st.a.cell_images.clear();
                            st.a.handle.ask(InspectRequest::TestImages(idx));
                        }
                    }
                    ui.label(RichText::new(format!("{:.1}%", c.recall[i] * 100.0)).small());
                    ui.end_row();
                }
                ui.label(RichText::new("precision").small());
                for j in 0..k {
                    ui.label(RichText::new(format!("{:.1}%", c.precision[j] * 100.0)).small());
                }
                ui.end_row();
            });
        ui.vertical(|ui| {
            let Some((i, j)) = st.cell else {
                ui.weak("Click a cell to see its images.");
                return;
            };
            let examples = &c.examples[i * k + j];
            ui.label(
                RichText::new(format!(
                    "true {} -> predicted {} ({} images{})",
                    names[i],
                    names[j],
                    c.counts[i][j],
                    if (examples.len() as u32) < c.counts[i][j] {
                        format!(", first {}", examples.len())
                    } else {
                        String::new()
                    }
                ))
                .strong(),
            );
            let imgs = st.a.cell_images.clone();
            ui.horizontal_wrapped(|ui| {
                for (t, img) in &imgs {
                    let prob = examples
                        .iter()
                        .find(|(x, _)| x == t)
                        .map(|(_, p)| *p)
                        .unwrap_or(0.0);
                    ui.vertical(|ui| {
                        let tex = st
                            .a
                            .texture(ui, format!("cell-{t}"), || render::picture(img, 0.0, 1.0));
                        ui.add(egui::Image::new((tex.id(), tex.size_vec2() * 2.0)));
                        ui.small(format!("#{t} {:.0}%", prob * 100.0));
                    });
                }
            });
        });
    });
}

fn saliency_ui(ui: &mut Ui, st: &mut InspectorState) {
    let Some(summary) = st.a.summary.clone() else {
        return;
    };
    let layers: Vec<&LayerDesc> = summary.layers.iter().filter(|l| l.is_map).collect();
    let current = st.cam_layer.or_else(|| st.a.default_cam_layer());
    let mut changed = false;
    ui.horizontal(|ui| {
        let l = ui.label("Grad-CAM layer");
        egui::ComboBox::from_id_salt("cam-layer")
            .selected_text(
                current
                    .and_then(|c| layers.iter().find(|l| l.index == c))
                    .map(|l| format!("{} {}", l.index, l.label))
                    .unwrap_or_default(),
            )
            .show_ui(ui, |ui| {
                for l in &layers {
                    if ui
                        .selectable_label(
                            current == Some(l.index),
                            format!("{} {}", l.index, l.label),
                        )
                        .clicked()
                    {
                        st.cam_layer = Some(l.index);
                        changed = true;
                    }
                }
            })
            .response
            .labelled_by(l.id);
        let l = ui.label("class");
        egui::ComboBox::from_id_salt("cam-class")
            .selected_text(
                st.cam_class
                    .and_then(|c| summary.class_names.get(c).cloned())
                    .unwrap_or_else(|| "predicted".into()),
            )
            .show_ui(ui, |ui| {
                if ui
                    .selectable_label(st.cam_class.is_none(), "predicted")
                    .clicked()
                {
                    st.cam_class = None;
                    changed = true;
                }
                for (i, n) in summary.class_names.iter().enumerate() {
                    if ui.selectable_label(st.cam_class == Some(i), n).clicked() {
                        st.cam_class = Some(i);
                        changed = true;
                    }
                }
            })
            .response
            .labelled_by(l.id);
    });
    if changed {
        let input = st.input.clone();
        st.a.ask_views(&input, st.cam_layer, st.cam_class);
    }
    let Some(s) = st.a.saliency.clone() else {
        ui.spinner();
        return;
    };
    let s = match s {
        Ok(s) => s,
        Err(e) => {
            ui.colored_label(super::editor::ERROR_COLOR, e);
            return;
        }
    };
    ui.label(format!(
        "class {} ({:.1}%), Grad-CAM at layer {} ({}×{}), upsampled onto the input",
        summary
            .class_names
            .get(s.class)
            .cloned()
            .unwrap_or_default(),
        s.probs.get(s.class).copied().unwrap_or(0.0) * 100.0,
        s.layer,
        s.cam.height,
        s.cam.width
    ));
    ui.horizontal(|ui| {
        for (key, title, make) in [
            (
                "sal-input",
                "input",
                Box::new(|| {
                    render::overlay(
                        &s.input,
                        &Image {
                            channels: 1,
                            height: 1,
                            width: 1,
                            data: vec![0.0],
                        },
                        8,
                        0.0,
                    )
                }) as Box<dyn FnOnce() -> Rgba>,
            ),
            (
                "sal-cam",
                "Grad-CAM",
                Box::new(|| render::overlay(&s.input, &s.cam, 8, 0.65)),
            ),
            (
                "sal-gxi",
                "gradient × input",
                Box::new(|| render::overlay(&s.input, &s.grad_x_input, 8, 0.8)),
            ),
        ] {
            ui.vertical(|ui| {
                ui.label(RichText::new(title).strong());
                let tex = st.a.texture(ui, key.to_string(), make);
                ui.image((tex.id(), tex.size_vec2()));
            });
        }
    });
}
