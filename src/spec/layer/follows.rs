//! What a layer takes from the network-wide choices (activation, normalization,
//! initialization) unless it sets its own: each kind says which slots it has
//! (`LayerRules::follows`), so that comparisons, `Network::resolved` and the probes agree on it.
use super::{Defaults, Init, Layer, Norm};
use crate::activation::Activation;

/// A layer's own settings of the network-wide choices: `Some(slot)` where the kind has the
/// choice, the slot holding `None` while it follows the network.
pub struct Follows<'a> {
    pub activation: Option<&'a mut Option<Activation>>,
    pub norm: Option<&'a mut Option<Norm>>,
    pub init: Option<&'a mut Option<Init>>,
    /// Builds inner layers with the network's initialization (blocks, the auxiliary head),
    /// which has no slot of its own in them.
    pub inner_init: bool,
}

impl<'a> Follows<'a> {
    /// No network-wide choice: pooling, dropout, flattening.
    pub(crate) fn none() -> Self {
        Follows {
            activation: None,
            norm: None,
            init: None,
            inner_init: false,
        }
    }

    /// A block's: its own activation and normalization, its units built with the network's
    /// initialization.
    pub(crate) fn block(act: &'a mut Option<Activation>, norm: &'a mut Option<Norm>) -> Self {
        Follows {
            activation: Some(act),
            norm: Some(norm),
            init: None,
            inner_init: true,
        }
    }
}

impl Layer {
    /// The slots of the network-wide choices this layer has.
    pub fn follows_mut(&mut self) -> Follows<'_> {
        self.rules_mut().follows()
    }

    /// The layer's activation setting where it has one: `Some(None)` follows the network's.
    pub fn activation_setting(&self) -> Option<Option<Activation>> {
        self.clone().follows_mut().activation.map(|a| *a)
    }

    /// The layer's normalization setting where it has one: `Some(None)` follows the network's.
    pub fn norm_setting(&self) -> Option<Option<Norm>> {
        self.clone().follows_mut().norm.map(|n| *n)
    }

    /// The same layer with every network-wide choice it follows written into it; true when it
    /// also builds inner layers with the network's initialization.
    pub fn fill_defaults(&mut self, d: &Defaults) -> bool {
        let f = self.follows_mut();
        if let Some(a) = f.activation {
            *a = Some(a.unwrap_or(d.activation));
        }
        if let Some(n) = f.norm {
            *n = Some(n.unwrap_or(d.norm));
        }
        if let Some(i) = f.init {
            *i = Some(i.unwrap_or(d.init));
        }
        f.inner_init
    }
}
