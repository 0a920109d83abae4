//! The Download… and View dataset… windows of the Data section.
use crate::data_tools::{DatasetView, Download};
use crate::WorkbenchApp;
use egui::{TextureHandle, Ui};
use protocol::data::DatasetPreview;
use spec::{DataSource, DOWNLOADABLE};
use std::collections::HashMap;

/// The data windows' state.
#[derive(Default)]
pub(crate) struct DataWindows {
    /// The download window is open, with the dataset chosen in it.
    pub download_choice: Option<String>,
    pub download: Option<Download>,
    pub view: Option<DatasetView>,
    textures: HashMap<String, TextureHandle>,
}

fn megabytes(b: u64) -> String {
    format!("{:.1} MB", b as f64 / 1e6)
}

impl WorkbenchApp {
    pub(crate) fn data_windows_ui(&mut self, ctx: &egui::Context) {
        self.download_window_ui(ctx);
        self.dataset_view_ui(ctx);
    }

    fn download_window_ui(&mut self, ctx: &egui::Context) {
        let Some(mut choice) = self.data_windows.download_choice.clone() else {
            return;
        };
        let mut open = true;
        let mut use_it = None;
        egui::Window::new("Download a dataset")
            .open(&mut open)
            .collapsible(false)
            .min_width(420.0)
            .show(ctx, |ui| {
                let w = &mut self.data_windows;
                if let Some(d) = w.download.as_mut() {
                    if d.poll() && d.result.as_ref().is_some_and(|r| r.is_ok()) {
                        self.downloaded = super::super::data_tools::downloaded();
                    }
                }
                match &w.download {
                    None => {
                        egui::ComboBox::from_label("dataset")
                            .selected_text(choice.as_str())
                            .show_ui(ui, |ui| {
                                for n in DOWNLOADABLE.map(|d| d.name) {
                                    ui.selectable_value(&mut choice, n.to_string(), n);
                                }
                            });
                        ui.weak(format!("into {}", fetch::cache_dir().display()));
                        ui.weak("from the sources torchvision uses; each file's MD5 is checked before anything is unpacked");
                        if ui.button("Download").clicked() {
                            match Download::start(&choice, self.waker.notify_now(ctx.clone())) {
                                Ok(d) => w.download = Some(d),
                                Err(e) => self.error = Some(format!("cannot start the download: {e}")),
                            }
                        }
                    }
                    Some(d) => match download_progress_ui(ui, d) {
                        Outcome::UseIt(name) => use_it = Some(name),
                        Outcome::Back => w.download = None,
                        Outcome::Nothing => {}
                    },
                }
            });
        if self
            .data_windows
            .download
            .as_ref()
            .is_some_and(|d| d.result.is_none())
        {
            ctx.request_repaint_after(std::time::Duration::from_millis(200));
        }
        if let Some(name) = use_it {
            self.doc.edit(|p| {
                p.data.source = DataSource::Downloaded { name };
                ui::data_panel::follow_data(p);
            });
            open = false;
        }
        self.data_windows.download_choice = open.then_some(choice);
        if !open {
            if let Some(d) = self.data_windows.download.take() {
                d.cancel();
            }
        }
    }

    fn dataset_view_ui(&mut self, ctx: &egui::Context) {
        let Some(view) = self.data_windows.view.as_mut() else {
            return;
        };
        view.poll();
        let mut open = true;
        let textures = &mut self.data_windows.textures;
        egui::Window::new("Dataset")
            .open(&mut open)
            .default_size([560.0, 620.0])
            .show(ctx, |ui| match &view.preview {
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
        if !open {
            self.data_windows.view = None;
            self.data_windows.textures.clear();
        }
    }
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
