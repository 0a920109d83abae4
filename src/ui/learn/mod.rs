//! The Learn window: the lecture's worked examples as live labs — convolution, pooling,
//! activations, backpropagation step by step, normalization — and "explain this number" from
//! the inspector. Each tab keeps its state here; the arithmetic is in `spec::lab`.
mod act;
mod backprop;
mod conv;
mod norm;
mod pool;

pub use act::ActLab;
pub use backprop::BackpropLab;
pub use conv::ConvView;
pub use norm::NormLab;

use egui::{Color32, DragValue, Response, Role, Ui, WidgetInfo};
use spec::lab::pool::PoolLab;
use spec::lab::{num, Grid};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum LearnTab {
    #[default]
    Convolution,
    Pooling,
    Activations,
    Backprop,
    Normalization,
}

impl LearnTab {
    pub const ALL: [LearnTab; 5] = [
        LearnTab::Convolution,
        LearnTab::Pooling,
        LearnTab::Activations,
        LearnTab::Backprop,
        LearnTab::Normalization,
    ];
    pub fn name(&self) -> &'static str {
        match self {
            LearnTab::Convolution => "Convolution",
            LearnTab::Pooling => "Pooling",
            LearnTab::Activations => "Activations",
            LearnTab::Backprop => "Backprop",
            LearnTab::Normalization => "Normalization",
        }
    }
}

/// Everything the Learn window shows.
#[derive(Default)]
pub struct LearnState {
    pub tab: LearnTab,
    pub conv: ConvView,
    pub pool: PoolView,
    pub act: ActLab,
    pub backprop: BackpropLab,
    pub norm: NormLab,
}

pub struct PoolView {
    pub lab: PoolLab,
    pub cell: (usize, usize),
}

impl Default for PoolView {
    fn default() -> Self {
        PoolView {
            lab: PoolLab::lecture(),
            cell: (0, 0),
        }
    }
}

pub fn learn_ui(ui: &mut Ui, s: &mut LearnState) {
    ui.horizontal(|ui| {
        for t in LearnTab::ALL {
            ui.selectable_value(&mut s.tab, t, t.name());
        }
    });
    ui.separator();
    egui::ScrollArea::both().show(ui, |ui| match s.tab {
        LearnTab::Convolution => conv::conv_ui(ui, &mut s.conv),
        LearnTab::Pooling => pool::pool_ui(ui, &mut s.pool),
        LearnTab::Activations => act::act_ui(ui, &mut s.act),
        LearnTab::Backprop => backprop::backprop_ui(ui, &mut s.backprop),
        LearnTab::Normalization => norm::norm_ui(ui, &mut s.norm),
    });
}

/// A one-line suggestion of what to try.
pub(crate) fn try_this(ui: &mut Ui, text: &str) {
    ui.label(egui::RichText::new(format!("Try: {text}")).italics().weak());
}

/// An editable number with an accessible name ("image 2,3"); `range` None = free values.
pub(crate) fn cell_edit(
    ui: &mut Ui,
    value: &mut f64,
    name: &str,
    range: Option<(f64, f64)>,
    highlight: Option<Color32>,
) -> Response {
    let mut dv = DragValue::new(value)
        .speed(0.1)
        .custom_formatter(|v, _| num(v))
        .custom_parser(|s| s.replace('−', "-").trim().parse().ok());
    if let Some((lo, hi)) = range {
        dv = dv.range(lo..=hi).speed(0.05);
    }
    let r = ui.scope(|ui| {
        if let Some(c) = highlight {
            let v = ui.visuals_mut();
            v.widgets.inactive.weak_bg_fill = c;
            v.widgets.inactive.bg_fill = c;
        }
        ui.add_sized([38.0, 20.0], dv)
    });
    let name = name.to_string();
    r.inner
        .widget_info(move || WidgetInfo::labeled(Role::SpinButton, true, name.clone()));
    r.inner
}

/// An editable grid; returns the cell hovered, if any.
pub(crate) fn edit_grid(
    ui: &mut Ui,
    id: &str,
    g: &mut Grid,
    range: Option<(f64, f64)>,
    highlight: &dyn Fn(usize, usize) -> Option<Color32>,
) -> Option<(usize, usize)> {
    let mut hovered = None;
    egui::Grid::new(id).spacing([2.0, 2.0]).show(ui, |ui| {
        for y in 0..g.h {
            for x in 0..g.w {
                let mut v = g.at(y, x);
                let r = cell_edit(
                    ui,
                    &mut v,
                    &format!("{id} {},{}", y + 1, x + 1),
                    range,
                    highlight(y, x),
                );
                if r.hovered() {
                    hovered = Some((y, x));
                }
                g.set(y, x, v);
            }
            ui.end_row();
        }
    });
    hovered
}

/// A read-only grid of buttons (one per value); returns the cell clicked or hovered.
pub(crate) fn show_grid(
    ui: &mut Ui,
    id: &str,
    g: &Grid,
    highlight: &dyn Fn(usize, usize) -> Option<Color32>,
) -> Option<(usize, usize)> {
    let mut picked = None;
    egui::Grid::new(id).spacing([2.0, 2.0]).show(ui, |ui| {
        for y in 0..g.h {
            for x in 0..g.w {
                let mut b = egui::Button::new(num(g.at(y, x))).min_size([38.0, 20.0].into());
                if let Some(c) = highlight(y, x) {
                    b = b.fill(c);
                }
                let r = ui.add(b);
                let name = format!("{id} {},{} = {}", y + 1, x + 1, num(g.at(y, x)));
                r.widget_info(move || WidgetInfo::labeled(Role::Button, true, name.clone()));
                if r.clicked() || r.hovered() {
                    picked = Some((y, x));
                }
            }
            ui.end_row();
        }
    });
    picked
}

pub(crate) const PICK: Color32 = Color32::from_rgb(40, 90, 150);
pub(crate) const WINDOW: Color32 = Color32::from_rgb(120, 80, 20);
