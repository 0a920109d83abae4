//! Editing the network: palette, cards, reorder, freeze, undo and redo, Learn.
use crate::common::*;
use cnn_workbench::spec::layer::*;
use egui::{Key, Modifiers};
use egui_kittest::kittest::Queryable;

const CMD: Modifiers = Modifiers::COMMAND;

fn layers(h: &H) -> Vec<Layer> {
    h.state().doc.preset.network.layers.clone()
}

fn frozen(h: &H) -> Vec<usize> {
    h.state().doc.preset.training.freeze.clone()
}

/// Selects a card by clicking its title.
fn select(h: &mut H, title: &str) {
    h.run();
    h.get_by(|n| n.label().is_some_and(|l| l.starts_with(title)))
        .click();
    h.run();
}

#[test]
fn journey_add_layer() {
    let (mut h, _) = window(no_runs());
    select(&mut h, "3  MaxPool 2×2");
    h.get_by_label("Dropout").click();
    h.run();
    let l = layers(&h);
    assert_eq!(l.len(), 13);
    assert!(matches!(l[3], Layer::Dropout(_)), "{:?}", &l[..5]);
    assert_eq!(h.state().selected, Some(3), "the new layer is selected");
    h.get_by_label_contains("4  Dropout");
}

#[test]
fn journey_select() {
    let (mut h, _) = window(no_runs());
    select(&mut h, "4  Conv2d 16@5×5");
    assert_eq!(h.state().selected, Some(3));
    select(&mut h, "1  Conv2d 6@5×5");
    assert_eq!(h.state().selected, Some(0));
}

#[test]
fn journey_remove_layer() {
    let (mut h, _) = window(no_runs());
    h.run();
    let before = layers(&h);
    // The Delete button of the third card (MaxPool).
    h.get_all_by_label("Delete").nth(2).unwrap().click();
    h.run();
    let mut want = before.clone();
    want.remove(2);
    assert_eq!(layers(&h), want);
}

#[test]
fn journey_duplicate_layer() {
    let (mut h, _) = window(no_runs());
    h.run();
    h.get_all_by_label("Duplicate").next().unwrap().click();
    h.run();
    let l = layers(&h);
    assert_eq!(l.len(), 13);
    assert_eq!(l[0], l[1]);
    assert_eq!(h.state().selected, Some(1));
}

#[test]
fn journey_key_duplicate_layer() {
    let (mut h, _) = window(no_runs());
    select(&mut h, "3  MaxPool 2×2");
    h.key_press_modifiers(CMD, Key::D);
    h.run();
    let l = layers(&h);
    assert_eq!(l.len(), 13);
    assert_eq!(l[2], l[3]);
}

#[test]
fn journey_menu_duplicate_layer() {
    let (mut h, _) = window(no_runs());
    select(&mut h, "3  MaxPool 2×2");
    menu(&mut h, "Edit", "Duplicate layer");
    assert_eq!(layers(&h).len(), 13);
}

#[test]
fn journey_key_delete_layer() {
    let (mut h, _) = window(no_runs());
    select(&mut h, "7  Flatten");
    h.key_press(Key::Delete);
    h.run();
    assert_eq!(layers(&h).len(), 11);
    assert!(!layers(&h).contains(&Layer::Flatten));
    // Delete while typing in a text field edits the text, not the network.
    h.get_by_label("Name").focus();
    h.run();
    h.key_press(Key::Delete);
    h.run();
    assert_eq!(layers(&h).len(), 11);
}

#[test]
fn journey_menu_delete_layer() {
    let (mut h, _) = window(no_runs());
    // Nothing selected: greyed out, a click does nothing.
    menu(&mut h, "Edit", "Delete layer");
    assert_eq!(layers(&h).len(), 12);
    h.key_press(Key::Escape);
    select(&mut h, "7  Flatten");
    menu(&mut h, "Edit", "Delete layer");
    assert_eq!(layers(&h).len(), 11);
}

#[test]
fn journey_move_layer() {
    let (mut h, _) = window(no_runs());
    h.run();
    // Drag layer 7 (Flatten) by its handle onto card 2: it lands above card 2.
    let handles = h.get_all_by_label("::").collect::<Vec<_>>();
    let from = handles[6].rect().center();
    let to = h.get_by_label("2  ReLU").rect().center();
    h.drag_at(from);
    h.run();
    for i in 1..=10 {
        h.hover_at(from + (to - from) * (i as f32 / 10.0));
        h.run();
    }
    h.drop_at(to);
    h.run();
    assert!(matches!(layers(&h)[1], Layer::Flatten));
}

#[test]
fn journey_set_frozen() {
    let (mut h, _) = window(no_runs());
    h.run();
    h.get_all_by_label("frozen").next().unwrap().click();
    h.run();
    assert_eq!(frozen(&h), vec![1]);
    h.get_by_label_contains("frozen layers: [1]");
}

#[test]
fn a_frozen_layer_stays_frozen_through_inserts_moves_deletes_and_undo() {
    let (mut h, _) = window(no_runs());
    h.run();
    // Freeze layer 4 (the second convolution).
    h.get_all_by_label("frozen").nth(1).unwrap().click();
    h.run();
    assert_eq!(frozen(&h), vec![4]);
    let conv2 = layers(&h)[3].clone();
    // Insert before it: it is now layer 5, and still the frozen one.
    select(&mut h, "1  Conv2d 6@5×5");
    h.get_by_label("Dropout").click();
    h.run();
    assert_eq!(frozen(&h), vec![5]);
    assert_eq!(layers(&h)[4], conv2);
    // Delete a layer before it.
    select(&mut h, "2  Dropout");
    h.key_press(Key::Delete);
    h.run();
    assert_eq!(frozen(&h), vec![4]);
    // Delete the frozen layer itself: nothing else becomes frozen.
    select(&mut h, "4  Conv2d 16@5×5");
    h.key_press(Key::Delete);
    h.run();
    assert!(frozen(&h).is_empty());
    // Undo brings the layer and its mark back, exactly.
    h.key_press_modifiers(CMD, Key::Z);
    h.run();
    assert_eq!(frozen(&h), vec![4]);
    assert_eq!(layers(&h)[3], conv2);
    // Move it to the top by dragging: the mark goes with it.
    let handles = h.get_all_by_label("::").collect::<Vec<_>>();
    let from = handles[3].rect().center();
    let to = h.get_by_label("1  Conv2d 6@5×5").rect().center();
    h.drag_at(from);
    h.run();
    for i in 1..=10 {
        h.hover_at(from + (to - from) * (i as f32 / 10.0));
        h.run();
    }
    h.drop_at(to);
    h.run();
    assert_eq!(layers(&h)[0], conv2);
    assert_eq!(frozen(&h), vec![1]);
}

#[test]
fn journey_undo() {
    let (mut h, _) = window(no_runs());
    h.run();
    let original = h.state().doc.preset.clone();
    h.get_by_label("Dropout").click();
    h.run();
    h.get_by_label("Residual").click();
    h.run();
    h.key_press_modifiers(CMD, Key::Z);
    h.key_press_modifiers(CMD, Key::Z);
    h.run();
    assert_eq!(h.state().doc.preset, original);
}

#[test]
fn journey_key_undo() {
    let (mut h, _) = window(no_runs());
    h.run();
    let original = layers(&h);
    h.get_by_label("Dropout").click();
    h.run();
    h.key_press_modifiers(CMD, Key::Z);
    h.run();
    assert_eq!(layers(&h), original);
}

#[test]
fn journey_menu_undo() {
    let (mut h, _) = window(no_runs());
    h.run();
    let original = layers(&h);
    h.get_by_label("Dropout").click();
    h.run();
    menu(&mut h, "Edit", "Undo");
    assert_eq!(layers(&h), original);
}

#[test]
fn journey_redo() {
    let (mut h, _) = window(no_runs());
    h.run();
    h.get_by_label("Dropout").click();
    h.run();
    let edited = h.state().doc.preset.clone();
    menu(&mut h, "Edit", "Undo");
    menu(&mut h, "Edit", "Redo");
    assert_eq!(h.state().doc.preset, edited);
}

#[test]
fn journey_key_redo() {
    let (mut h, _) = window(no_runs());
    h.run();
    h.get_by_label("Dropout").click();
    h.run();
    let edited = h.state().doc.preset.clone();
    // Both redo keys.
    for redo in [(CMD | Modifiers::SHIFT, Key::Z), (CMD, Key::Y)] {
        h.key_press_modifiers(CMD, Key::Z);
        h.run();
        assert_ne!(h.state().doc.preset, edited);
        h.key_press_modifiers(redo.0, redo.1);
        h.run();
        assert_eq!(h.state().doc.preset, edited);
    }
}

#[test]
fn journey_menu_redo() {
    let (mut h, _) = window(no_runs());
    // Nothing to redo: greyed out, nothing happens.
    let before = h.state().doc.preset.clone();
    menu(&mut h, "Edit", "Redo");
    assert_eq!(h.state().doc.preset, before);
    h.key_press(Key::Escape);
    h.get_by_label("Flatten").click();
    h.run();
    let edited = h.state().doc.preset.clone();
    h.key_press_modifiers(CMD, Key::Z);
    h.run();
    menu(&mut h, "Edit", "Redo");
    assert_eq!(h.state().doc.preset, edited);
}

#[test]
fn journey_open_learn() {
    let (mut h, _) = window(no_runs());
    h.run();
    // A convolution card's "?" opens the convolution explorer.
    h.get_all_by_label("?").next().unwrap().click();
    h.run();
    assert!(h.state().learn().is_some());
    h.get_by_label_contains("output size");
    // And from the Learn menu.
    h.state_mut().close_learn();
    menu(&mut h, "Learn", "Pooling");
    assert!(h.state().learn().is_some());
}
