//! A 28×28 drawing surface for MNIST-style networks.
use egui::{Color32, Ui};

/// A 28×28 drawing surface; returns true when a stroke ends.
pub(super) fn canvas_ui(ui: &mut Ui, canvas: &mut [f32]) -> bool {
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
