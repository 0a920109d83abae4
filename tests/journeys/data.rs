//! Data: the folder's Browse… (and its typed path), Download…, View dataset…, the zoo.
use crate::common::*;
use cnn_workbench::spec::DataSource;
use egui_kittest::kittest::Queryable;
use std::path::PathBuf;

fn mnist() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets/mnist")
}

const FOLDER_FIELD: &str = "Path of the dataset folder:";

#[test]
fn journey_pick_data_folder() {
    // No file dialog here: Browse… asks for the path instead of doing nothing.
    let (mut h, _) = window(no_runs());
    h.run();
    h.get_by_label("MNIST-format folder").click();
    h.run();
    h.get_by_label("Browse…").click();
    h.run();
    h.get_by_label("Data folder");
    h.get_by_label_contains("No file dialog opened here");
    h.get_by_label("Cancel").click();
    h.run();
    assert!(h.query_by_label("Data folder").is_none());
}

#[test]
fn journey_set_data_folder() {
    let (mut h, _) = window(no_runs());
    h.run();
    h.get_by_label("MNIST-format folder").click();
    h.run();
    h.get_by_label("Browse…").click();
    type_path(&mut h, FOLDER_FIELD, &mnist());
    assert_eq!(
        h.state().doc.preset.data.source,
        DataSource::Idx { folder: mnist() }
    );
    assert_eq!(h.state_mut().ready(), Ok(()), "MNIST is found and usable");
    // A folder without the files: Train says what is missing.
    h.get_by_label("Browse…").click();
    let empty = tempfile::tempdir().unwrap();
    type_path(&mut h, FOLDER_FIELD, empty.path());
    let reason = h.state_mut().ready().unwrap_err();
    assert!(reason.contains("train-images"), "{reason}");
}

#[test]
fn journey_open_download() {
    let (mut h, _) = window(no_runs());
    h.run();
    h.get_by_label("Download…").click();
    h.run();
    h.get_by_label_contains("each file's MD5 is checked");
    h.get_by_label_contains(&cnn_workbench::fetch::cache_dir().display().to_string());
}

#[test]
fn journey_menu_download_data() {
    let (mut h, _) = window(no_runs());
    menu(&mut h, "Data", "Download…");
    h.get_by_label_contains("each file's MD5 is checked");
}

fn dataset_view_shows_the_built_in_classes(h: &mut H) {
    for _ in 0..1500 {
        h.run_steps(1);
        if h.query_by_label_contains("10 classes").is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    h.get_by_label_contains("10 classes");
    h.get_by_label_contains("channel mean ± std:");
}

#[test]
fn journey_open_dataset_view() {
    let (mut h, _) = window(no_runs());
    h.state_mut().doc.preset.data.synthetic_size = 200;
    h.run();
    h.get_by_label("View dataset…").click();
    dataset_view_shows_the_built_in_classes(&mut h);
}

#[test]
fn journey_menu_view_dataset() {
    let (mut h, _) = window(no_runs());
    h.state_mut().doc.preset.data.synthetic_size = 200;
    menu(&mut h, "Data", "View dataset…");
    dataset_view_shows_the_built_in_classes(&mut h);
}

#[test]
fn journey_open_zoo() {
    let (mut h, _) = window(no_runs());
    h.run();
    h.get_by_label("Zoo…").click();
    h.run();
    h.run();
    h.get_by_label_contains("25,557,032");
    h.get_by_label("ResNet-18").click();
    h.run();
    assert_eq!(h.state().doc.preset.name, "ResNet-18");
}

#[test]
fn journey_menu_zoo() {
    let (mut h, _) = window(no_runs());
    menu(&mut h, "Data", "Zoo of networks…");
    h.run();
    h.get_by_label_contains("25,557,032");
}
