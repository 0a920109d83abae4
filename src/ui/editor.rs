//! The network editor: network-wide choices, then one card per layer from input to output,
//! each with its output shape, parameters and multiply-adds; the layer that makes the network
//! impossible is highlighted with the reason.
use super::widgets::*;
use super::{Action, ERROR_COLOR};
use egui::{DragValue, RichText, Slider, Ui};
use spec::layer::*;
use spec::{thousands, Network, Preset, Shape, SpecError};
use stats::{stats_ui, CardInfo};

mod stats;

/// What is dragged in the editor: a card being moved, or a layer from the palette.
#[derive(Clone, Debug)]
pub enum DragPayload {
    Move(usize),
    New(Layer),
}

pub fn network_choices_ui(ui: &mut Ui, network: &mut Network) {
    ui.horizontal_wrapped(|ui| {
        activation_ui(
            ui,
            "Activation (all layers)",
            "net-activation",
            &mut network.activation,
        );
        ui.separator();
        norm_ui(
            ui,
            "Normalization (all layers)",
            "net-norm",
            &mut network.norm,
        );
        ui.separator();
        init_ui(ui, "Init", "net-init", &mut network.init);
    });
}

pub fn editor_ui(
    ui: &mut Ui,
    preset: &mut Preset,
    check: &mut super::check::NetworkCheck,
    selected: Option<usize>,
    actions: &mut Vec<Action>,
) {
    ui.horizontal(|ui| {
        labelled(ui, "Name", |ui| {
            ui.add(egui::TextEdit::singleline(&mut preset.name).desired_width(220.0))
        });
    });
    network_choices_ui(ui, &mut preset.network);
    ui.separator();

    let batch = preset.training.batch_size;
    // Inferred once per edit, not every frame (the name and choices above may just have
    // changed it).
    let super::check::NetworkCheck {
        summary,
        error: err,
        fields,
        ..
    } = check.refresh(&preset.network);
    let err_index = err.as_ref().and_then(|e| e.layer_index());
    let d = preset.network.defaults();
    let frozen = preset.training.freeze.clone();
    let network = &mut preset.network;
    let scroll_to = scroll_target(ui, selected, network.layers.len());

    egui::ScrollArea::vertical()
        .id_salt("layer-cards")
        .auto_shrink([false, false])
        .max_height(ui.available_height() - 64.0)
        .show(ui, |ui| {
            input_card_ui(ui, network);
            let count = network.layers.len();
            for i in 0..count {
                let info = summary.layers.get(i);
                let input = if i == 0 {
                    Some(summary.input)
                } else {
                    summary.layers.get(i - 1).map(|l| l.output)
                };
                let card = CardInfo {
                    index: i,
                    frozen: frozen.contains(&(i + 1)),
                    info,
                    field: fields.get(i).copied(),
                    cost: match (info, input) {
                        (Some(info), Some(input)) => {
                            spec::lab::cost::explain(&network.layers[i], input, info.output, &d)
                        }
                        _ => Vec::new(),
                    },
                };
                let error = if err_index == Some(i + 1) {
                    err.as_ref().map(|e| e.to_string())
                } else {
                    None
                };
                let r = card_ui(
                    ui,
                    i,
                    &mut network.layers[i],
                    &d,
                    &card,
                    error,
                    selected == Some(i),
                    err_index.is_some_and(|e| i + 1 > e),
                    actions,
                );
                if scroll_to == Some(i) {
                    r.scroll_to_me(None);
                }
            }
            // Dropping below the last card appends.
            let (_, payload) = ui.dnd_drop_zone::<DragPayload, ()>(egui::Frame::NONE, |ui| {
                ui.set_min_size(egui::vec2(ui.available_width(), 28.0));
                ui.weak("drop layers here, or click one in the palette");
            });
            if let Some(p) = payload {
                actions.push(drop_action(&p, count));
            }
        });

    ui.separator();
    totals_ui(ui, summary, err.as_ref(), batch);
}

/// The card to bring into view this frame: the selected one, once, when the selection or the
/// number of layers changed since the last frame (a layer inserted from the palette lands
/// after the selected card, possibly below the visible part of the list).
fn scroll_target(ui: &Ui, selected: Option<usize>, count: usize) -> Option<usize> {
    let id = ui.scope_id().with("editor-scrolled-to");
    let now = (selected, count);
    let before = ui.data_mut(|d| {
        let before = d.get_temp::<(Option<usize>, usize)>(id);
        d.insert_temp(id, now);
        before
    });
    // The first frame shows the network from its top.
    before.filter(|b| *b != now).and(selected)
}

fn drop_action(payload: &DragPayload, at: usize) -> Action {
    match payload {
        DragPayload::Move(from) => Action::MoveLayer {
            from: *from,
            to: at,
        },
        DragPayload::New(layer) => Action::AddLayer {
            layer: layer.clone(),
            at: Some(at),
        },
    }
}

fn input_card_ui(ui: &mut Ui, network: &mut Network) {
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.horizontal(|ui| {
            ui.label(RichText::new("Input").strong());
            labelled(ui, "channels", |ui| {
                ui.add(DragValue::new(&mut network.input.channels).range(1..=64))
            });
            labelled(ui, "height", |ui| {
                ui.add(DragValue::new(&mut network.input.height).range(1..=1024))
            });
            labelled(ui, "width", |ui| {
                ui.add(DragValue::new(&mut network.input.width).range(1..=1024))
            });
            ui.separator();
            labelled(ui, "classes", |ui| {
                ui.add(DragValue::new(&mut network.classes).range(2..=1000))
            });
        });
    });
}

#[allow(clippy::too_many_arguments)]
fn card_ui(
    ui: &mut Ui,
    i: usize,
    layer: &mut Layer,
    d: &Defaults,
    card: &CardInfo,
    error: Option<String>,
    selected: bool,
    after_error: bool,
    actions: &mut Vec<Action>,
) -> egui::Response {
    let stroke = if error.is_some() {
        egui::Stroke::new(2.0, ERROR_COLOR)
    } else if selected {
        ui.visuals().selection.stroke
    } else {
        ui.visuals().widgets.noninteractive.bg_stroke
    };
    let frame = egui::Frame::group(ui.style()).stroke(stroke);
    // A click anywhere on the card that no widget takes selects it: the card senses clicks
    // beneath its widgets, and its text is not selectable (a click on it would be taken).
    let card = ui.scope_builder(egui::UiBuilder::new().sense(egui::Sense::click()), |ui| {
        ui.style_mut().interaction.selectable_labels = false;
        frame
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.horizontal(|ui| {
                    ui.dnd_drag_source(
                        egui::Id::unique(("card-drag", i)),
                        DragPayload::Move(i),
                        |ui| {
                            ui.label("::").on_hover_text("drag to reorder");
                        },
                    );
                    let title = format!("{}  {}", i + 1, layer.label(d));
                    if ui
                        .selectable_label(selected, RichText::new(title).strong())
                        .clicked()
                    {
                        actions.push(Action::Select(Some(i)));
                    }
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        if ui
                            .small_button("Delete")
                            .on_hover_text("remove this layer (Del)")
                            .clicked()
                        {
                            actions.push(Action::RemoveLayer(i));
                        }
                        if ui
                            .small_button("Duplicate")
                            .on_hover_text("insert a copy below (Ctrl+D)")
                            .clicked()
                        {
                            actions.push(Action::DuplicateLayer(i));
                        }
                        stats_ui(ui, card, after_error, layer, actions);
                    });
                });
                layer_params_ui(ui, i, layer, d);
                if let Some(e) = &error {
                    ui.colored_label(ERROR_COLOR, e);
                }
            })
            .response
    });
    if card.response.clicked() && !selected {
        actions.push(Action::Select(Some(i)));
    }
    let response = card.inner;
    if let Some(payload) = response.dnd_release_payload::<DragPayload>() {
        actions.push(drop_action(&payload, i));
    } else if response.dnd_hover_payload::<DragPayload>().is_some() {
        // Show where the layer will land: above this card.
        let r = response.rect;
        ui.painter().hline(
            r.x_range(),
            r.top() - 2.0,
            egui::Stroke::new(3.0, ui.visuals().selection.bg_fill),
        );
    }
    response
}

/// Inline parameter widgets for one layer.
pub fn layer_params_ui(ui: &mut Ui, i: usize, layer: &mut Layer, d: &Defaults) {
    ui.horizontal_wrapped(|ui| match layer {
        Layer::Conv2d(c) => {
            count_ui(ui, "out", &mut c.out_channels, 1..=2048);
            count_ui(ui, "kernel", &mut c.kernel, 1..=15);
            if let Some(kw) = &mut c.kernel_w {
                count_ui(ui, "× width", kw, 1..=15);
            }
            count_ui(ui, "stride", &mut c.stride, 1..=8);
            padding_ui(ui, &mut c.padding);
            count_ui(ui, "dilation", &mut c.dilation, 1..=8);
            count_ui(ui, "groups", &mut c.groups, 1..=2048);
            ui.checkbox(&mut c.bias, "bias");
            init_override_ui(ui, "init", ("init", i), &mut c.init, d.init);
        }
        Layer::MaxPool(p) => pool_ui(ui, p),
        Layer::AvgPool(p) => pool_ui(ui, p),
        Layer::L2Pool(p) => pool_ui(ui, p),
        Layer::GlobalAvgPool | Layer::GlobalMaxPool | Layer::Flatten => {
            ui.weak("no parameters");
        }
        Layer::Linear(l) => {
            count_ui(ui, "out features", &mut l.out_features, 1..=65536);
            ui.checkbox(&mut l.bias, "bias");
            init_override_ui(ui, "init", ("init", i), &mut l.init, d.init);
        }
        Layer::Dropout(p) => dropout_ui(ui, p),
        Layer::Dropout2d(p) => dropout_ui(ui, p),
        Layer::Norm(n) => {
            norm_override_ui(ui, "kind", i, &mut n.kind, d.norm);
        }
        Layer::Activation(a) => {
            activation_override_ui(ui, "function", i, &mut a.act, d.activation);
        }
        Layer::Residual(r) => {
            count_ui(ui, "out", &mut r.out_channels, 1..=2048);
            count_ui(ui, "stride", &mut r.stride, 1..=4);
            block_overrides_ui(ui, i, &mut r.act, &mut r.norm, d);
        }
        Layer::Bottleneck(b) => {
            count_ui(ui, "mid", &mut b.mid_channels, 1..=2048);
            count_ui(ui, "out", &mut b.out_channels, 1..=4096);
            count_ui(ui, "stride", &mut b.stride, 1..=4);
            block_overrides_ui(ui, i, &mut b.act, &mut b.norm, d);
        }
        Layer::Inception(b) => {
            count_ui(ui, "1×1", &mut b.c1, 1..=1024);
            count_ui(ui, "3×3 reduce", &mut b.c3_reduce, 1..=1024);
            count_ui(ui, "3×3", &mut b.c3, 1..=1024);
            count_ui(ui, "5×5 reduce", &mut b.c5_reduce, 1..=1024);
            count_ui(ui, "5×5", &mut b.c5, 1..=1024);
            count_ui(ui, "pool proj", &mut b.pool_proj, 1..=1024);
            block_overrides_ui(ui, i, &mut b.act, &mut b.norm, d);
        }
        Layer::Lrn(l) => lrn_ui(ui, l),
        Layer::InceptionV3(b) => inception_v3_ui(ui, i, b, d),
        Layer::AuxClassifier(a) => aux_ui(ui, a),
        Layer::NiN(b) => {
            count_ui(ui, "out", &mut b.out_channels, 1..=2048);
            count_ui(ui, "kernel", &mut b.kernel, 1..=15);
            count_ui(ui, "stride", &mut b.stride, 1..=8);
            padding_ui(ui, &mut b.padding);
            block_overrides_ui(ui, i, &mut b.act, &mut b.norm, d);
        }
    });
}

/// Local response normalization's parameters (AlexNet).
fn lrn_ui(ui: &mut Ui, l: &mut Lrn) {
    count_ui(ui, "size", &mut l.size, 1..=15);
    labelled(ui, "α", |ui| {
        ui.add(DragValue::new(&mut l.alpha).speed(1e-5).max_decimals(6))
    });
    labelled(ui, "β", |ui| {
        ui.add(DragValue::new(&mut l.beta).speed(0.01))
    });
    labelled(ui, "k", |ui| ui.add(DragValue::new(&mut l.k).speed(0.1)));
}

/// The factorized Inception block's branch widths and its n (0: two 3×3 convolutions).
fn inception_v3_ui(ui: &mut Ui, i: usize, b: &mut InceptionFactorized, d: &Defaults) {
    count_ui(ui, "1×1", &mut b.c1, 1..=1024);
    count_ui(ui, "single reduce", &mut b.c3_reduce, 1..=1024);
    count_ui(ui, "single", &mut b.c3, 1..=1024);
    count_ui(ui, "double reduce", &mut b.c33_reduce, 1..=1024);
    count_ui(ui, "double", &mut b.c33, 1..=1024);
    count_ui(ui, "pool proj", &mut b.pool_proj, 1..=1024);
    count_ui(ui, "n (0: 3×3)", &mut b.n, 0..=15);
    block_overrides_ui(ui, i, &mut b.act, &mut b.norm, d);
}

/// GoogLeNet's auxiliary classifier: its loss weight and its head's sizes.
fn aux_ui(ui: &mut Ui, a: &mut AuxClassifier) {
    labelled(ui, "loss weight", |ui| {
        ui.add(DragValue::new(&mut a.weight).speed(0.01).range(0.0..=1.0))
    });
    count_ui(ui, "pool", &mut a.pool, 1..=9);
    count_ui(ui, "stride", &mut a.pool_stride, 1..=9);
    count_ui(ui, "channels", &mut a.channels, 1..=1024);
    count_ui(ui, "hidden", &mut a.hidden, 1..=4096);
    labelled(ui, "dropout", |ui| {
        ui.add(Slider::new(&mut a.dropout, 0.0..=0.9))
    });
}

fn dropout_ui(ui: &mut Ui, p: &mut spec::layer::Dropout) {
    labelled(ui, "p", |ui| ui.add(Slider::new(&mut p.p, 0.0..=0.9)));
}

fn pool_ui(ui: &mut Ui, p: &mut Pool) {
    count_ui(ui, "window", &mut p.kernel, 1..=16);
    if let Some(kw) = &mut p.kernel_w {
        count_ui(ui, "× width", kw, 1..=16);
    }
    ui.checkbox(&mut p.ceil_mode, "ceil").on_hover_text(
        "round the output size up: a partial last window counts (PyTorch's ceil_mode)",
    );
    let mut auto = p.stride.is_none();
    if ui.checkbox(&mut auto, "stride = window").changed() {
        p.stride = if auto { None } else { Some(p.kernel) };
    }
    if let Some(s) = &mut p.stride {
        labelled(ui, "stride", |ui| ui.add(DragValue::new(s).range(1..=16)));
    }
    count_ui(ui, "padding", &mut p.padding, 0..=8);
}

fn block_overrides_ui(
    ui: &mut Ui,
    i: usize,
    act: &mut Option<spec::Activation>,
    norm: &mut Option<Norm>,
    d: &Defaults,
) {
    activation_override_ui(ui, "activation", ("block-act", i), act, d.activation);
    norm_override_ui(ui, "norm", ("block-norm", i), norm, d.norm);
}

fn totals_ui(ui: &mut Ui, summary: &spec::Summary, err: Option<&SpecError>, batch: usize) {
    ui.horizontal_wrapped(|ui| {
        ui.label(
            RichText::new(format!(
                "Total: {} parameters",
                thousands(summary.total_params)
            ))
            .strong(),
        );
        ui.label(format!(
            "· {} MACs + {} element-wise ops per image",
            thousands(summary.total_macs),
            thousands(summary.total_elementwise)
        ))
        .on_hover_text(spec::MACS_COUNTED);
        ui.label(format!(
            "· activations {:.1} KiB per image, {:.1} MiB per batch of {batch} (forward)",
            summary.activation_bytes_per_image as f64 / 1024.0,
            (summary.activation_bytes_per_image * batch) as f64 / (1024.0 * 1024.0)
        ));
        let out = summary
            .layers
            .last()
            .map(|l| l.output)
            .unwrap_or(summary.input);
        if let Shape::Flat(n) = out {
            ui.label(format!("· output {n}"));
        }
    });
    if let Some(e) = err {
        ui.colored_label(ERROR_COLOR, e.to_string());
    }
}
