//! The Data section's choice of source: built-in shapes, an MNIST-format, CIFAR or image
//! folder (typed or browsed), or a downloaded dataset; with Download… and View dataset….
use super::settings::SettingsContext;
use super::widgets::labelled;
use super::Action;
use egui::Ui;
use spec::{DataSource, Format, Preset, DOWNLOADABLE, FORMATS};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Gray,
    Rgb,
    /// A folder in one of the formats of `spec::FORMATS`.
    Folder(Format),
    Downloaded,
}

fn kind_of(source: &DataSource) -> Kind {
    match source {
        DataSource::Synthetic { rgb: false } => Kind::Gray,
        DataSource::Synthetic { rgb: true } => Kind::Rgb,
        DataSource::Downloaded { .. } => Kind::Downloaded,
        DataSource::Idx { .. } | DataSource::Cifar { .. } | DataSource::ImageFolder { .. } => {
            source.format().map_or(Kind::Gray, Kind::Folder)
        }
    }
}

/// The network's input for a dataset of this name or format: (channels, side), when fixed.
pub fn input_for(source: &DataSource) -> Option<(usize, usize)> {
    source.input()
}

fn source_for(kind: Kind, folder: &str, name: &str) -> DataSource {
    match kind {
        Kind::Gray => DataSource::Synthetic { rgb: false },
        Kind::Rgb => DataSource::Synthetic { rgb: true },
        Kind::Folder(format) => format.source(folder.trim().into()),
        Kind::Downloaded => DataSource::Downloaded { name: name.into() },
    }
}

pub fn source_ui(
    ui: &mut Ui,
    preset: &mut Preset,
    context: &mut SettingsContext,
    actions: &mut Vec<Action>,
) {
    let kind = kind_of(&preset.data.source);
    let mut choice = kind;
    ui.radio_value(&mut choice, Kind::Gray, "built-in shapes (gray)");
    ui.radio_value(&mut choice, Kind::Rgb, "built-in shapes (RGB)");
    for f in &FORMATS {
        ui.radio_value(&mut choice, Kind::Folder(f.format), f.label);
    }
    ui.radio_value(&mut choice, Kind::Downloaded, "downloaded dataset");
    if choice != kind {
        let name = context.downloaded.first().map_or("mnist", |s| s.as_str());
        preset.data.source = source_for(choice, context.folder_text, name);
        follow_data(preset);
    }
    where_ui(ui, preset, context, choice, actions);
    match context.data_problem {
        Some(p) => {
            ui.colored_label(super::ERROR_COLOR, p);
        }
        None if preset.data.source.folder().is_some() => {
            ui.weak(preset.data.source.describe());
        }
        None => {}
    }
    ui.horizontal(|ui| {
        if ui
            .button("Download…")
            .on_hover_text("MNIST, Fashion-MNIST, KMNIST, CIFAR-10 or CIFAR-100, with checksums")
            .clicked()
        {
            actions.push(Action::OpenDownload);
        }
        if ui
            .button("View dataset…")
            .on_hover_text(
                "Samples per class, class counts, mean and std, and the same samples augmented",
            )
            .clicked()
        {
            actions.push(Action::OpenDatasetView);
        }
    });
}

/// The folder (typed or browsed) or the downloaded dataset's name.
fn where_ui(
    ui: &mut Ui,
    preset: &mut Preset,
    context: &mut SettingsContext,
    choice: Kind,
    actions: &mut Vec<Action>,
) {
    match &mut preset.data.source {
        DataSource::Idx { folder }
        | DataSource::Cifar { folder }
        | DataSource::ImageFolder { folder } => {
            ui.horizontal(|ui| {
                let r = labelled(ui, "folder", |ui| {
                    ui.add(
                        egui::TextEdit::singleline(context.folder_text)
                            .hint_text(match choice {
                                Kind::Folder(f) => f.info().hint,
                                Kind::Gray | Kind::Rgb | Kind::Downloaded => "",
                            })
                            .desired_width(150.0),
                    )
                });
                if r.changed() {
                    *folder = context.folder_text.trim().into();
                }
                if ui.button("Browse…").clicked() {
                    actions.push(Action::PickDataFolder);
                }
            });
        }
        DataSource::Downloaded { name } => {
            let before = name.clone();
            egui::ComboBox::from_id_salt("downloaded")
                .selected_text(name.as_str())
                .show_ui(ui, |ui| {
                    for n in DOWNLOADABLE.map(|d| d.name) {
                        let here = context.downloaded.iter().any(|d| d == n);
                        let label = if here {
                            n.to_string()
                        } else {
                            format!("{n} (not downloaded)")
                        };
                        ui.selectable_value(name, n.to_string(), label);
                    }
                });
            if *name != before {
                follow_data(preset);
            }
        }
        DataSource::Synthetic { .. } => {}
    }
}

/// The network's input (and, for downloaded datasets, its classes) follow a new data choice.
pub fn follow_data(preset: &mut Preset) {
    let source = preset.data.source.clone();
    if let Some((c, side)) = input_for(&source) {
        let input = &mut preset.network.input;
        input.channels = c;
        input.height = side;
        input.width = side;
    } else {
        preset.network.input.channels = 3;
    }
}

/// How images reach the network (image folders), and CIFAR-100's label choice.
pub fn loader_ui(ui: &mut Ui, data: &mut spec::DataSpec) {
    use spec::Loader;
    let format = data.source.format().map(Format::info);
    if format.is_some_and(|f| f.image_files) {
        ui.horizontal(|ui| {
            ui.label("loader");
            ui.radio_value(&mut data.loader, Loader::Auto, "auto")
                .on_hover_text(format!(
                    "in memory when the decoded images fit in {} MB, else streamed",
                    data.memory_limit_mb
                ));
            ui.radio_value(&mut data.loader, Loader::Memory, "memory");
            ui.radio_value(&mut data.loader, Loader::Streaming, "streaming");
        });
        ui.horizontal(|ui| {
            labelled(ui, "decode threads", |ui| {
                ui.add(
                    egui::DragValue::new(&mut data.workers)
                        .range(0..=32)
                        .custom_formatter(|v, _| {
                            if v == 0.0 {
                                "auto".into()
                            } else {
                                format!("{v:.0}")
                            }
                        }),
                )
            });
            labelled(ui, "batches ahead", |ui| {
                ui.add(egui::DragValue::new(&mut data.prefetch_batches).range(1..=64))
            });
        });
    }
    // A downloaded dataset knows whether it is CIFAR-100; a folder only its format.
    let coarse = if let DataSource::Downloaded { name } = &data.source {
        spec::downloadable(name).is_some_and(|d| d.coarse_labels)
    } else {
        format.is_some_and(|f| f.coarse_labels)
    };
    if coarse {
        ui.checkbox(&mut data.coarse_labels, "CIFAR-100: 20 coarse classes")
            .on_hover_text("the superclasses instead of the 100 fine classes");
    }
}
