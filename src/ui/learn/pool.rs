//! The pooling explorer: max, average and L2 pooling side by side on the lecture's 4×4 grid.
use super::{edit_grid, show_grid, try_this, PoolView, PICK, WINDOW};
use egui::Ui;
use spec::lab::pool::{PoolKind, PoolLab};

pub(super) fn pool_ui(ui: &mut Ui, v: &mut PoolView) {
    ui.horizontal(|ui| {
        for k in PoolKind::ALL {
            ui.selectable_value(&mut v.lab.kind, k, k.name());
        }
        super::super::widgets::count_ui(ui, "window", &mut v.lab.kernel, 1..=4);
        super::super::widgets::count_ui(ui, "stride s", &mut v.lab.stride, 1..=4);
        if ui.button("Lecture example").clicked() {
            v.lab = PoolLab::lecture();
        }
    });
    ui.label(v.lab.kind.formula());
    try_this(
        ui,
        "compare the three outputs: L2 always lies between average and max",
    );
    let (oy, ox) = v.cell;
    let valid = v.lab.out_size().is_ok_and(|(h, w)| oy < h && ox < w);
    let window: Vec<(usize, usize)> = if valid {
        v.lab.window(oy, ox)
    } else {
        Vec::new()
    };
    let arg = (valid && v.lab.kind == PoolKind::Max).then(|| v.lab.argmax(oy, ox));
    ui.horizontal_top(|ui| {
        ui.vertical(|ui| {
            ui.label("input");
            let hl = |y, x| {
                if arg == Some((y, x)) {
                    Some(PICK)
                } else {
                    window.contains(&(y, x)).then_some(WINDOW)
                }
            };
            edit_grid(ui, "pool input", &mut v.lab.input, None, &hl);
        });
        for kind in PoolKind::ALL {
            ui.vertical(|ui| match v.lab.output(kind) {
                Ok(out) => {
                    ui.label(format!("{} pooling", kind.name()));
                    let cell = v.cell;
                    let hl = |y, x| (cell == (y, x) && kind == v.lab.kind).then_some(PICK);
                    if let Some(c) = show_grid(ui, &format!("{} output", kind.name()), &out, &hl) {
                        v.cell = c;
                        v.lab.kind = kind;
                    }
                }
                Err(e) => {
                    ui.colored_label(crate::ERROR_COLOR, e.to_string());
                }
            });
        }
    });
    if valid {
        ui.monospace(v.lab.explain(oy, ox));
        if let Some((y, x)) = arg {
            ui.label(format!(
                "Backward: max pooling passes the whole gradient to input ({}, {}) (blue), none to the rest of the window.",
                y + 1,
                x + 1
            ));
        }
    }
}
