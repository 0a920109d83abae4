//! The Download… and View dataset… windows of the Data section.
use crate::data_tools::{DatasetView, Download};
use crate::view::{Effect, Env, View};
use egui::{TextureHandle, Ui};
use protocol::data::DatasetPreview;
use spec::DOWNLOADABLE;
use std::collections::HashMap;

/// Data → Download…: a dataset chosen, downloaded with progress, and used.
pub(crate) struct DownloadWindow {
    /// The dataset chosen in the window.
    pub choice: String,
    download: Option<Download>,
}

impl DownloadWindow {
    pub(crate) fn new(choice: String) -> DownloadWindow {
        DownloadWindow {
            choice,
            download: None,
        }
    }
}

impl Drop for DownloadWindow {
    /// Closing the window stops its download.
    fn drop(&mut self) {
        if let Some(d) = self.download.take() {
            d.cancel();
        }
    }
}

impl View for DownloadWindow {
    fn show(&mut self, ctx: &egui::Context, env: &Env<'_>, out: &mut Vec<Effect>) -> bool {
        let mut open = true;
        let mut used = None;
        if let Some(d) = self.download.as_mut() {
            if d.poll() && d.result.as_ref().is_some_and(|r| r.is_ok()) {
                out.push(Effect::Downloaded);
            }
        }
        egui::Window::new("Download a dataset")
            .open(&mut open)
            .collapsible(false)
            .min_width(420.0)
            .show(ctx, |ui| match &self.download {
                None => {
                    egui::ComboBox::from_label("dataset")
                        .selected_text(self.choice.as_str())
                        .show_ui(ui, |ui| {
                            for n in DOWNLOADABLE.map(|d| d.name) {
                                ui.selectable_value(&mut self.choice, n.to_string(), n);
                            }
                        });
                    ui.weak(format!("into {}", fetch::cache_dir().display()));
                    ui.weak("from the sources torchvision uses; each file's MD5 is checked before anything is unpacked");
                    if ui.button("Download").clicked() {
                        match Download::start(&self.choice, env.waker.notify_now(ctx.clone())) {
                            Ok(d) => self.download = Some(d),
                            Err(e) => out.push(Effect::Error(format!(
                                "cannot start the download: {e}"
                            ))),
                        }
                    }
                }
                Some(d) => match download_progress_ui(ui, d) {
                    Outcome::UseIt(name) => used = Some(name),
                    Outcome::Back => self.download = None,
                    Outcome::Nothing => {}
                },
            });
        if self.download.as_ref().is_some_and(|d| d.result.is_none()) {
            ctx.request_repaint_after(std::time::Duration::from_millis(200));
        }
        if let Some(name) = used {
            out.push(Effect::UseDataset(name));
            open = false;
        }
        open
    }
}

/// Data → View dataset…: samples per class, counts, and the augmentation's effect.
pub(crate) struct DatasetWindow {
    view: DatasetView,
    textures: HashMap<String, TextureHandle>,
}

impl DatasetWindow {
    pub(crate) fn new(view: DatasetView) -> DatasetWindow {
        DatasetWindow {
            view,
            textures: HashMap::new(),
        }
    }
}

impl View for DatasetWindow {
    fn show(&mut self, ctx: &egui::Context, _env: &Env<'_>, _out: &mut Vec<Effect>) -> bool {
        self.view.poll();
        let mut open = true;
        let textures = &mut self.textures;
        egui::Window::new("Dataset")
            .open(&mut open)
            .default_size([560.0, 620.0])
            .show(ctx, |ui| match &self.view.preview {
                None => {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label("Reading the dataset…");
                    });
                }
                Some(Err(e)) => {
                    ui.colored_label(ui::theme::ERROR_COLOR, e);
                }
                Some(Ok(p)) => preview_ui(ui, p, textures),
            });
        open
    }
}

fn megabytes(b: u64) -> String {
    format!("{:.1} MB", b as f64 / 1e6)
}

enum Outcome {
    UseIt(String),
    Back,
    Nothing,
}

/// Progress of a running download, or how it ended.
fn download_progress_ui(ui: &mut Ui, d: &Download) -> Outcome {
    ui.label(format!("{}: {}", d.name, d.file));
    let (rate, eta) = d.rate();
    let fraction = d.total.map_or(0.0, |t| d.done as f32 / t.max(1) as f32);
    let text = match (d.total, eta) {
        (Some(t), Some(eta)) => format!(
            "{} of {} · {}/s · {:.0} s left",
            megabytes(d.done),
            megabytes(t),
            megabytes(rate as u64),
            eta
        ),
        _ => format!("{} · {}/s", megabytes(d.done), megabytes(rate as u64)),
    };
    if d.result.is_none() {
        ui.add(
            egui::ProgressBar::new(fraction)
                .text(text)
                .desired_width(400.0),
        );
    }
    for n in d.notes.iter().rev().take(4).rev() {
        ui.weak(n);
    }
    match &d.result {
        None => {
            if ui.button("Cancel").clicked() {
                d.cancel();
            }
        }
        Some(Ok(dir)) => {
            ui.label(format!("Downloaded and verified into {}", dir.display()));
            if ui.button("Use it").clicked() {
                return Outcome::UseIt(d.name.clone());
            }
        }
        Some(Err(e)) => {
            ui.colored_label(ui::theme::ERROR_COLOR, e);
            if ui.button("Back").clicked() {
                return Outcome::Back;
            }
        }
    }
    Outcome::Nothing
}

fn tex(
    ui: &Ui,
    textures: &mut HashMap<String, TextureHandle>,
    key: String,
    img: &protocol::inspect::Image,
) -> TextureHandle {
    textures
        .entry(key.clone())
        .or_insert_with(|| {
            let rgba = render::picture(img, 0.0, 1.0);
            let image =
                egui::ColorImage::from_rgba_unmultiplied([rgba.width, rgba.height], &rgba.pixels);
            ui.ctx()
                .load_texture(key, image, egui::TextureOptions::NEAREST)
        })
        .clone()
}

fn preview_ui(ui: &mut Ui, p: &DatasetPreview, textures: &mut HashMap<String, TextureHandle>) {
    ui.label(&p.source);
    let train: usize = p.train_counts.iter().sum();
    let test: usize = p.test_counts.iter().sum();
    ui.label(format!(
        "{} classes · {train} training and {test} test images · {}×{}×{} (channels × height × width)",
        p.class_names.len(),
        p.channels,
        p.height,
        p.width
    ));
    let stats: Vec<String> = p
        .mean
        .iter()
        .zip(&p.std)
        .map(|(m, s)| format!("{m:.3} ± {s:.3}"))
        .collect();
    ui.label(format!("channel mean ± std: {}", stats.join(", ")));
    for n in &p.notes {
        ui.weak(n);
    }
    ui.separator();
    ui.weak("Each class: its samples, then the same samples after this preset's augmentation.");
    let side = (p.height.max(p.width) as f32).clamp(40.0, 72.0);
    egui::ScrollArea::vertical().show(ui, |ui| {
        for (class, name) in p.class_names.iter().enumerate() {
            let idx: Vec<usize> = (0..p.samples.len())
                .filter(|&i| p.samples[i].0 == class)
                .collect();
            ui.label(format!(
                "{class}: {name} — {} train, {} test",
                p.train_counts.get(class).copied().unwrap_or(0),
                p.test_counts.get(class).copied().unwrap_or(0)
            ));
            for augmented in [false, true] {
                ui.horizontal(|ui| {
                    for &i in &idx {
                        let (key, img) = if augmented {
                            (format!("aug-{i}"), p.augmented.get(i))
                        } else {
                            (format!("img-{i}"), Some(&p.samples[i].1))
                        };
                        if let Some(img) = img {
                            let t = tex(ui, textures, key, img);
                            ui.add(egui::Image::new(&t).fit_to_exact_size(egui::vec2(side, side)));
                        }
                    }
                });
            }
        }
    });
}
