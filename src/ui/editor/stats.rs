//! A card's numbers: output shape, receptive field, parameters and multiply-adds, how they are
//! counted (on hover), the frozen switch and the link into the Learn window.
use crate::widgets::compact;
use crate::Action;
use egui::Ui;
use spec::layer::{Layer, Topic};

/// What the editor knows about one layer of the network: its shape and counts, its receptive
/// field, and how its counts are computed.
pub(super) struct CardInfo<'a> {
    pub index: usize,
    /// Frozen for fine-tuning (no gradient, no update).
    pub frozen: bool,
    pub info: Option<&'a spec::LayerInfo>,
    pub field: Option<spec::lab::receptive::Field>,
    pub cost: Vec<String>,
}

/// The Learn window's tab about the layer's kind, if any.
fn learn_tab(layer: &Layer) -> Option<crate::learn::LearnTab> {
    use crate::learn::LearnTab;
    Some(match layer.rules().topic()? {
        Topic::Convolution => LearnTab::Convolution,
        Topic::Pooling => LearnTab::Pooling,
        Topic::Activations => LearnTab::Activations,
        Topic::Normalization => LearnTab::Normalization,
    })
}

/// "16×28×28 · RF 5 j1 · 144 params · 112.9k MACs", the count formulas on hover, and a "?"
/// link into the Learn window.
pub(super) fn stats_ui(
    ui: &mut Ui,
    card: &CardInfo,
    after_error: bool,
    layer: &Layer,
    actions: &mut Vec<Action>,
) {
    let rf = match card.field {
        Some(spec::lab::receptive::Field::Window { size, jump }) => {
            format!(" · RF {size} j{jump}")
        }
        Some(spec::lab::receptive::Field::Whole) => " · RF all".into(),
        None => String::new(),
    };
    let stats = match card.info {
        Some(info) => format!(
            "{}{rf} · {} params · {} MACs",
            info.output,
            compact(info.params),
            compact(info.macs)
        ),
        None if after_error => "? (fix the layer above)".into(),
        None => "?".into(),
    };
    let r = ui.monospace(stats);
    let mut hover = card.cost.join("\n");
    if let Some(f) = card.field {
        hover += &format!(
            "{}receptive field: {} (input pixels one output value sees; jump = input pixels between neighbouring outputs)",
            if hover.is_empty() { "" } else { "\n" },
            f.label()
        );
    }
    if !hover.is_empty() {
        r.on_hover_text(hover);
    }
    if card.info.is_some_and(|i| i.params > 0) {
        let mut frozen = card.frozen;
        if ui
            .checkbox(&mut frozen, "frozen")
            .on_hover_text("fine-tuning: this layer's parameters get no gradient and no update")
            .changed()
        {
            actions.push(Action::SetFrozen(card.index, frozen));
        }
    }
    if let Some(tab) = learn_tab(layer) {
        if ui
            .small_button("?")
            .on_hover_text(format!("Learn: {} step by step", tab.name().to_lowercase()))
            .clicked()
        {
            actions.push(Action::OpenLearn(tab));
        }
    }
}
