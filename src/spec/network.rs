//! The network as edited: input, class count, network-wide defaults and the layer stack.
use super::activation::Activation;
use super::layer::{Defaults, Init, Layer, Norm};
use super::shape::Shape;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(default)]
pub struct InputShape {
    pub channels: usize,
    pub height: usize,
    pub width: usize,
}

impl Default for InputShape {
    fn default() -> Self {
        InputShape {
            channels: 1,
            height: 28,
            width: 28,
        }
    }
}

impl InputShape {
    pub fn shape(&self) -> Shape {
        Shape::Map {
            c: self.channels,
            h: self.height,
            w: self.width,
        }
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(default)]
pub struct Network {
    pub input: InputShape,
    pub classes: usize,
    /// Followed by every activation (layer or inside a block) that does not override it.
    pub activation: Activation,
    /// Followed by every norm layer and block that does not override it.
    pub norm: Norm,
    /// Weight initialization for layers that do not override it.
    pub init: Init,
    pub layers: Vec<Layer>,
}

impl Default for Network {
    fn default() -> Self {
        Network {
            input: InputShape::default(),
            classes: 10,
            activation: Activation::Relu,
            norm: Norm::Off,
            init: Init::Msra,
            layers: Vec::new(),
        }
    }
}

impl Network {
    pub fn defaults(&self) -> Defaults {
        Defaults {
            activation: self.activation,
            norm: self.norm,
            init: self.init,
            classes: self.classes,
        }
    }
}

impl Network {
    /// The network with every default written into the layers that follow it: two networks
    /// that build the same model resolve to equal values, whatever their network-wide choices.
    /// The network-wide fields that no layer reads any more are set to their defaults. (Blocks
    /// initialize their inner convolutions with the network's init, which stays then.)
    pub fn resolved(&self) -> Network {
        let d = self.defaults();
        let mut blocks_read_init = false;
        let layers = self
            .layers
            .iter()
            .map(|l| {
                let mut l = l.clone();
                blocks_read_init |= l.fill_defaults(&d);
                l
            })
            .collect();
        let plain = Network::default();
        Network {
            input: self.input,
            classes: self.classes,
            activation: plain.activation,
            norm: plain.norm,
            init: if blocks_read_init {
                self.init
            } else {
                plain.init
            },
            layers,
        }
    }
}
