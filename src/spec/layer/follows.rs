//! What each layer kind takes from the network-wide choices (activation, normalization,
//! initialization) unless it sets its own: one exhaustive match, so that a new kind is named
//! by the compiler here, and comparisons, `Network::resolved` and the probes agree on it.
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

impl Follows<'_> {
    fn none() -> Self {
        Follows {
            activation: None,
            norm: None,
            init: None,
            inner_init: false,
        }
    }
}

impl Layer {
    /// The slots of the network-wide choices this layer has.
    pub fn follows_mut(&mut self) -> Follows<'_> {
        let block = |act, norm| Follows {
            activation: Some(act),
            norm: Some(norm),
            init: None,
            inner_init: true,
        };
        match self {
            Layer::Conv2d(c) => Follows {
                init: Some(&mut c.init),
                ..Follows::none()
            },
            Layer::Linear(l) => Follows {
                init: Some(&mut l.init),
                ..Follows::none()
            },
            Layer::Activation(a) => Follows {
                activation: Some(&mut a.act),
                ..Follows::none()
            },
            Layer::Norm(n) => Follows {
                norm: Some(&mut n.kind),
                ..Follows::none()
            },
            Layer::Residual(b) => block(&mut b.act, &mut b.norm),
            Layer::Bottleneck(b) => block(&mut b.act, &mut b.norm),
            Layer::Inception(b) => block(&mut b.act, &mut b.norm),
            Layer::InceptionV3(b) => block(&mut b.act, &mut b.norm),
            Layer::NiN(b) => block(&mut b.act, &mut b.norm),
            // Its activation is its own (not optional); its layers use the network's init.
            Layer::AuxClassifier(_) => Follows {
                inner_init: true,
                ..Follows::none()
            },
            Layer::MaxPool(_)
            | Layer::AvgPool(_)
            | Layer::L2Pool(_)
            | Layer::GlobalAvgPool
            | Layer::GlobalMaxPool
            | Layer::Flatten
            | Layer::Dropout(_)
            | Layer::Dropout2d(_)
            | Layer::Lrn(_) => Follows::none(),
        }
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
