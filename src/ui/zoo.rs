//! The zoo: every bundled, full-size and recent preset in one sortable table, and multiply-adds
//! against parameters (point size: activation memory), like the lecture's comparison figures.
//! Clicking a name opens that network.
use super::Action;
use egui::Ui;
use egui_plot::{Plot, PlotPoints, Points, Text};
use spec::memory::bytes;
use spec::thousands;
use spec::zoo::ZooRow;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ZooSort {
    Name,
    Depth,
    #[default]
    Params,
    Macs,
    Memory,
}

/// The zoo window's state.
#[derive(Default)]
pub struct ZooView {
    pub sort: ZooSort,
    pub descending: bool,
}

fn sorted<'a>(rows: &'a [(ZooRow, Action)], view: &ZooView) -> Vec<&'a (ZooRow, Action)> {
    let mut v: Vec<&(ZooRow, Action)> = rows.iter().collect();
    match view.sort {
        ZooSort::Name => v.sort_by(|a, b| a.0.name.cmp(&b.0.name)),
        ZooSort::Depth => v.sort_by_key(|r| r.0.depth),
        ZooSort::Params => v.sort_by_key(|r| r.0.params),
        ZooSort::Macs => v.sort_by_key(|r| r.0.macs),
        ZooSort::Memory => v.sort_by_key(|r| r.0.activation_bytes_per_image),
    }
    if view.descending {
        v.reverse();
    }
    v
}

fn header(ui: &mut Ui, view: &mut ZooView, label: &str, key: ZooSort) {
    let arrow = match (view.sort == key, view.descending) {
        (true, false) => " ^",
        (true, true) => " v",
        _ => "",
    };
    if ui.button(format!("{label}{arrow}")).clicked() {
        if view.sort == key {
            view.descending = !view.descending;
        } else {
            view.sort = key;
            view.descending = false;
        }
    }
}

/// `rows`: each architecture and the action that opens it.
pub fn zoo_ui(
    ui: &mut Ui,
    rows: &[(ZooRow, Action)],
    view: &mut ZooView,
    actions: &mut Vec<Action>,
) {
    ui.weak("Per image at the input size shown. Click a name to open the network; click a heading to sort.");
    egui::ScrollArea::vertical()
        .max_height(300.0)
        .show(ui, |ui| {
            egui::Grid::new("zoo-table").striped(true).show(ui, |ui| {
                header(ui, view, "network", ZooSort::Name);
                ui.label("input");
                header(ui, view, "depth", ZooSort::Depth);
                header(ui, view, "parameters", ZooSort::Params);
                header(ui, view, "multiply-adds", ZooSort::Macs);
                header(ui, view, "activations", ZooSort::Memory);
                ui.end_row();
                for (r, open) in sorted(rows, view) {
                    if ui.link(&r.name).on_hover_text(&r.source).clicked() {
                        actions.push(open.clone());
                    }
                    ui.label(r.input.to_string());
                    ui.label(r.depth.to_string());
                    ui.label(thousands(r.params));
                    ui.label(thousands(r.macs));
                    ui.label(bytes(r.activation_bytes_per_image));
                    ui.end_row();
                }
            });
        });
    ui.separator();
    chart_ui(ui, rows);
}

/// log10 multiply-adds against log10 parameters; the radius grows with log2 of the activation
/// memory (MiB). Labels that would overlap one already drawn move below, right or left of
/// their point, or are left out (the point still names itself on hover).
fn chart_ui(ui: &mut Ui, rows: &[(ZooRow, Action)]) {
    let font = egui::TextStyle::Small.resolve(ui.style());
    let color = ui.visuals().text_color();
    Plot::new("zoo-chart")
        .height(320.0)
        .x_axis_label("multiply-adds per image (log10)")
        .y_axis_label("parameters (log10)")
        .show(ui, |plot| {
            let transform = *plot.transform();
            let mut anchors = Vec::with_capacity(rows.len());
            for (r, _) in rows {
                let x = (r.macs.max(1) as f64).log10();
                let y = (r.params.max(1) as f64).log10();
                let mib = r.activation_bytes_per_image as f64 / (1 << 20) as f64;
                let radius = (2.0 + 2.0 * (1.0 + mib).log2()) as f32;
                plot.points(
                    Points::new(r.name.clone(), PlotPoints::from(vec![[x, y]])).radius(radius),
                );
                let size = plot
                    .ctx()
                    .fonts_mut(|f| f.layout_no_wrap(r.name.clone(), font.clone(), color).size());
                let at = transform.position_from_point(&[x, y].into());
                anchors.push((at, radius, size));
            }
            for ((r, _), place) in rows.iter().zip(place_labels(&anchors)) {
                if let Some(rect) = place {
                    plot.text(Text::new(
                        format!("{}-label", r.name),
                        transform.value_from_position(rect.center()),
                        r.name.clone(),
                    ));
                }
            }
        });
}

/// Where each label goes, in screen points: a rectangle above its point (at `pos`, of
/// `radius`), else below, right or left of it, that overlaps no label placed before it; None
/// when every place does. Each entry: (point, radius, label size).
pub fn place_labels(anchors: &[(egui::Pos2, f32, egui::Vec2)]) -> Vec<Option<egui::Rect>> {
    use egui::{vec2, Align2, Rect};
    let mut placed: Vec<Rect> = Vec::new();
    anchors
        .iter()
        .map(|&(pos, radius, size)| {
            let gap = radius + 2.0;
            let candidates = [
                Align2::CENTER_BOTTOM.anchor_size(pos - vec2(0.0, gap), size),
                Align2::CENTER_TOP.anchor_size(pos + vec2(0.0, gap), size),
                Align2::LEFT_CENTER.anchor_size(pos + vec2(gap, 0.0), size),
                Align2::RIGHT_CENTER.anchor_size(pos - vec2(gap, 0.0), size),
            ];
            let free = candidates
                .into_iter()
                .find(|c| placed.iter().all(|p| !p.intersects(*c)));
            placed.extend(free);
            free
        })
        .collect()
}
