//! The convolution explorer: the lecture's 6×6 image and Filters 1 and 2 (or, from the
//! inspector, a checkpoint's real window and kernels), every output cell's dot product.
use super::{edit_grid, show_grid, try_this, PICK, WINDOW};
use egui::Ui;
use protocol::inspect::Explained;
use spec::lab::{num, ConvLab, Filter, Grid};

pub struct ConvView {
    pub lab: ConvLab,
    /// (filter, row, column) of the output cell explained.
    pub cell: (usize, usize, usize),
    /// Values limited to −9…9 (off: free).
    pub clamp: bool,
    /// Set when the explorer shows a checkpoint's numbers ("explain this number").
    pub explained: Option<Explained>,
}

impl Default for ConvView {
    fn default() -> Self {
        ConvView {
            lab: ConvLab::lecture(),
            cell: (0, 0, 0),
            clamp: true,
            explained: None,
        }
    }
}

impl ConvView {
    /// The explorer on a checkpoint's window: one 1×1 output whose dot product is the network's
    /// value.
    pub fn from_explained(e: Explained) -> ConvView {
        let (kh, kw) = e.kernel;
        let grid = |v: &[f32]| Grid {
            h: kh,
            w: kw,
            v: v.iter().map(|&x| x as f64).collect(),
        };
        let lab = ConvLab {
            input: e.inputs.iter().map(|(_, w, _)| grid(w)).collect(),
            filters: vec![Filter {
                name: format!("channel {} of layer {}", e.channel, e.conv_layer),
                kernels: e.inputs.iter().map(|(_, _, k)| grid(k)).collect(),
                bias: e.bias as f64,
            }],
            stride: 1,
            padding: 0,
            same: false,
            dilation: 1,
        };
        ConvView {
            lab,
            cell: (0, 0, 0),
            clamp: false,
            explained: Some(e),
        }
    }
}

fn settings_ui(ui: &mut Ui, v: &mut ConvView) {
    ui.horizontal(|ui| {
        let lab = &mut v.lab;
        let (mut k, _) = lab.kernel();
        let before = k;
        super::super::widgets::count_ui(ui, "kernel k", &mut k, 1..=7);
        if k != before {
            for f in &mut lab.filters {
                for g in &mut f.kernels {
                    *g = g.resized(k, k);
                }
            }
        }
        super::super::widgets::count_ui(ui, "stride s", &mut lab.stride, 1..=4);
        ui.add_enabled_ui(!lab.same, |ui| {
            super::super::widgets::count_ui(ui, "padding p", &mut lab.padding, 0..=3)
        });
        ui.checkbox(&mut lab.same, "same");
        super::super::widgets::count_ui(ui, "dilation d", &mut lab.dilation, 1..=3);
    });
    ui.horizontal(|ui| {
        let lab = &mut v.lab;
        let mut c = lab.input.len();
        super::super::widgets::count_ui(ui, "input channels", &mut c, 1..=3);
        let (kh, kw) = lab.kernel();
        while lab.input.len() < c {
            let (h, w) = (lab.input[0].h, lab.input[0].w);
            lab.input.push(Grid::new(h, w));
            for f in &mut lab.filters {
                f.kernels.push(Grid::new(kh, kw));
            }
        }
        lab.input.truncate(c);
        for f in &mut lab.filters {
            f.kernels.truncate(c);
        }
        let mut n = lab.filters.len();
        super::super::widgets::count_ui(ui, "filters", &mut n, 1..=3);
        while lab.filters.len() < n {
            let name = format!("Filter {}", lab.filters.len() + 1);
            lab.filters.push(Filter {
                name,
                kernels: vec![Grid::new(kh, kw); c],
                bias: 0.0,
            });
        }
        lab.filters.truncate(n);
        ui.checkbox(&mut v.clamp, "values −9…9");
        if ui.button("Lecture example").clicked() {
            *v = ConvView::default();
        }
    });
}

/// A checkpoint's value taken apart: per input channel its window, the kernel and their dot
/// product, four channels to a row; then the sum with the bias beside the network's value.
fn explained_ui(ui: &mut Ui, lab: &ConvLab, e: &Explained) {
    let f = &lab.filters[0];
    let ours = lab.value(0, 0, 0);
    ui.label(
        egui::RichText::new(format!(
            "Σ over the {} channels + bias {} = {} — the network: {} (difference {:.1e})",
            e.inputs.len(),
            num(f.bias),
            num(ours),
            num(e.network_value as f64),
            (ours - e.network_value as f64).abs()
        ))
        .strong(),
    );
    if e.shown_layer != e.conv_layer {
        ui.label(format!(
            "then layer {} {}: {}",
            e.shown_layer,
            e.shown_label,
            num(e.shown_value as f64)
        ));
    }
    if let Some(((r0, r1), (c0, c1))) = e.receptive {
        ui.label(format!(
            "It sees input rows {}–{} and columns {}–{} (the yellow box on the inspector's input image).",
            r0 + 1, r1, c0 + 1, c1
        ));
    }
    egui::Grid::new("explained")
        .spacing([16.0, 8.0])
        .show(ui, |ui| {
            for (c, (index, _, _)) in e.inputs.iter().enumerate() {
                ui.vertical(|ui| {
                    ui.label(format!("input channel {} · window", index + 1));
                    show_grid(
                        ui,
                        &format!("window c{}", index + 1),
                        &lab.input[c],
                        &|_, _| Some(WINDOW),
                    );
                    ui.label("kernel");
                    show_grid(
                        ui,
                        &format!("kernel c{}", index + 1),
                        &f.kernels[c],
                        &|_, _| None,
                    );
                    let part: f64 = lab
                        .terms(0, 0, 0)
                        .iter()
                        .filter(|t| t.channel == c)
                        .map(|t| t.input * t.weight)
                        .sum();
                    ui.label(format!("Σ window·kernel = {}", num(part)));
                });
                if c % 4 == 3 {
                    ui.end_row();
                }
            }
        });
    ui.collapsing("the dot products written out", |ui| {
        ui.monospace(lab.explain(0, 0, 0));
    });
}

pub(super) fn conv_ui(ui: &mut Ui, v: &mut ConvView) {
    if let Some(e) = &v.explained {
        ui.heading(format!(
            "Layer {} {}, channel {}, position ({}, {})",
            e.conv_layer, e.label, e.channel, e.y, e.x
        ));
        if ui.button("Back to the lecture example").clicked() {
            *v = ConvView::default();
            return;
        }
        explained_ui(ui, &v.lab, e);
        return;
    }
    {
        settings_ui(ui, v);
        try_this(
            ui,
            "set stride to 2: the 4×4 output shrinks to 2×2 and keeps every other value",
        );
    }
    let range = v.clamp.then_some((-9.0, 9.0));
    let (f, oy, ox) = v.cell;
    let f = f.min(v.lab.filters.len().saturating_sub(1));
    let terms = match v.lab.out_size() {
        Ok((oh, ow)) if oy < oh && ox < ow => v.lab.terms(f, oy, ox),
        _ => Vec::new(),
    };
    inputs_ui(ui, v, &terms, range);
    outputs_ui(ui, v);
    if !terms.is_empty() {
        let name = &v.lab.filters[f].name;
        ui.label(
            egui::RichText::new(format!("output ({}, {}) of {name}:", oy + 1, ox + 1)).strong(),
        );
        ui.monospace(v.lab.explain(f, oy, ox));
    }
}

/// The input channels (the window of the chosen output highlighted) and the filters, editable.
fn inputs_ui(
    ui: &mut Ui,
    v: &mut ConvView,
    terms: &[spec::lab::conv::Term],
    range: Option<(f64, f64)>,
) {
    let in_window = |c: usize, y: usize, x: usize| {
        terms
            .iter()
            .any(|t| t.channel == c && t.y == y as i64 && t.x == x as i64)
            .then_some(WINDOW)
    };
    ui.horizontal_wrapped(|ui| {
        for c in 0..v.lab.input.len() {
            ui.vertical(|ui| {
                ui.label(format!(
                    "input {}",
                    if v.lab.input.len() > 1 {
                        format!("channel {}", c + 1)
                    } else {
                        String::new()
                    }
                ));
                let hl = |y, x| in_window(c, y, x);
                edit_grid(
                    ui,
                    &format!("image c{}", c + 1),
                    &mut v.lab.input[c],
                    range,
                    &hl,
                );
            });
        }
        let nf = v.lab.filters.len();
        for fi in 0..nf {
            ui.vertical(|ui| {
                let name = v.lab.filters[fi].name.clone();
                ui.label(&name);
                for c in 0..v.lab.filters[fi].kernels.len() {
                    let id = if v.lab.filters[fi].kernels.len() > 1 {
                        format!("{name} c{}", c + 1)
                    } else {
                        name.clone()
                    };
                    edit_grid(
                        ui,
                        &id,
                        &mut v.lab.filters[fi].kernels[c],
                        range,
                        &|_, _| None,
                    );
                }
                ui.horizontal(|ui| {
                    super::super::widgets::labelled(ui, "bias", |ui| {
                        ui.add(egui::DragValue::new(&mut v.lab.filters[fi].bias).speed(0.1))
                    });
                });
            });
        }
    });
}

/// The output-size formula and every filter's output (click or hover a cell to explain it).
fn outputs_ui(ui: &mut Ui, v: &mut ConvView) {
    ui.label(format!("output size: {}", v.lab.size_formula()));
    ui.horizontal_wrapped(|ui| {
        for fi in 0..v.lab.filters.len() {
            ui.vertical(|ui| match v.lab.output(fi) {
                Ok(out) => {
                    ui.label(format!("{} output", v.lab.filters[fi].name));
                    let cell = v.cell;
                    let hl = |y, x| (cell == (fi, y, x)).then_some(PICK);
                    if let Some((y, x)) = show_grid(ui, &format!("output {}", fi + 1), &out, &hl) {
                        v.cell = (fi, y, x);
                    }
                }
                Err(e) => {
                    ui.colored_label(crate::ERROR_COLOR, e.to_string());
                }
            });
        }
    });
}
