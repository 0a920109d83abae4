//! Help: About and the key list; the error dialog.
use crate::common::*;
use egui_kittest::kittest::Queryable;

#[test]
fn journey_open_about() {
    let (mut h, ws) = window(no_runs());
    menu(&mut h, "Help", "About cnn-workbench");
    h.get_by_label_contains(&format!("cnn-workbench {}", env!("CARGO_PKG_VERSION")));
    // The program's own description (the binary's package), not one of its crates'.
    h.get_by_label(env!("CARGO_PKG_DESCRIPTION"));
    // The libtorch row: the version this process runs on and the folder it was mapped from
    // ("2.13.0" alone also appears in the CUDA row below, so the row is matched whole).
    let lib = cnn_workbench::engine::cuda_addon::running_libtorch().expect("libtorch is mapped");
    let version = cnn_workbench::engine::cuda_addon::libtorch_version();
    assert!(version.starts_with("2.13.0"), "{version}");
    h.get_by_label(&format!("{version} from {}", lib.display()));
    // What the search for the CUDA add-on found, in its words (on this machine, without a GPU:
    // "CUDA libraries loaded, no GPU visible" from the venv, or "CPU only: …").
    let cuda = cnn_workbench::engine::cuda_addon::load().to_string();
    assert!(
        cuda.contains("no GPU visible") || cuda.starts_with("CPU only"),
        "{cuda}"
    );
    h.get_by_label(&cuda);
    h.get_by_label(&ws.display().to_string());
    h.get_by_label("Close").click();
    h.run();
    assert!(h.query_by_label("About cnn-workbench").is_none());
}

/// The icon the window (and the bundle's desktop entry) shows: the PNG decodes, square, drawn.
#[test]
fn the_window_has_its_icon() {
    let icon = cnn_workbench::app::window_icon().expect("assets/icon/cnn-workbench-256.png");
    assert_eq!((icon.width, icon.height), (256, 256));
    let opaque = icon.rgba.chunks(4).filter(|p| p[3] == 255).count();
    assert!(
        opaque > 256 * 256 / 2,
        "mostly drawn, not transparent: {opaque}"
    );
}

#[test]
fn journey_menu_about() {
    let (mut h, _) = window(no_runs());
    menu(&mut h, "Help", "About cnn-workbench");
    h.get_by_label("libtorch");
}

#[test]
fn journey_menu_keys() {
    let (mut h, _) = window(no_runs());
    h.run();
    h.get_by_label("Help").click();
    h.run();
    h.get_by_label("Keyboard shortcuts").hover();
    h.run();
    // Every shortcut of the table, as the README lists it.
    let mut shown = 0;
    for e in cnn_workbench::ui::commands::COMMANDS {
        if e.keys.is_empty() {
            continue;
        }
        let keys: Vec<String> = e
            .keys
            .iter()
            .map(cnn_workbench::ui::commands::shortcut_text)
            .collect();
        h.get_by_label(&format!("{} — {}", keys.join(" / "), e.describe));
        shown += 1;
    }
    assert_eq!(shown, 9);
    h.get_by_label("Ctrl+S — save");
}
