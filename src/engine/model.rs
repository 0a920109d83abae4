//! A network built from its spec: one module per layer, variables named after the layer
//! ("03_conv2d.weight"), initialized reproducibly per layer.
use super::layers::Module;
use spec::{self, Layer, Network, Summary};
use tch::{nn, Device, Kind, Tensor};

pub struct Model {
    pub vs: nn::VarStore,
    pub summary: Summary,
    modules: Vec<Module>,
    /// Per layer: its variable-name prefix and its trainable tensors (for gradient norms).
    layer_params: Vec<(String, Vec<Tensor>)>,
    /// Conv and linear weights, the targets of L1/L2 penalties.
    penalized: Vec<Tensor>,
    /// Indices (0-based) of layers whose output is an activation's output.
    probed: Vec<usize>,
}

/// Mixes the run seed with a layer index so that every layer's initial weights depend only on
/// (seed, position, shape): two variants that differ elsewhere start from the same weights.
pub fn layer_seed(seed: u64, index: usize) -> i64 {
    let mut z = seed ^ (index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) as i64 & i64::MAX
}

/// The variable prefix of a layer: 1-based like the editor's cards.
pub fn layer_path(index0: usize, layer: &Layer) -> String {
    format!("{:02}_{}", index0 + 1, layer.path_name())
}

impl Model {
    /// Builds the network on `device`; the spec is validated first, so errors name the layer.
    pub fn build(network: &Network, device: Device, seed: u64) -> Result<Model, spec::SpecError> {
        let summary = spec::infer(network)?;
        let vs = nn::VarStore::new(device);
        let d = network.defaults();
        let mut modules = Vec::new();
        let mut layer_params = Vec::new();
        let mut probed = Vec::new();
        let mut shape = summary.input;
        let generator = super::generator::lock();
        for (i, layer) in network.layers.iter().enumerate() {
            let name = layer_path(i, layer);
            let before: std::collections::HashSet<String> = vs.variables().into_keys().collect();
            tch::manual_seed(layer_seed(seed, i));
            let module = Module::build(&(vs.root() / name.as_str()), layer, shape, &d).map_err(
                |reason| spec::SpecError::Layer {
                    index: i + 1,
                    kind: layer.kind_name(&d),
                    reason,
                },
            )?;
            let params: Vec<Tensor> = vs
                .variables()
                .into_iter()
                .filter(|(k, t)| !before.contains(k) && t.requires_grad())
                .map(|(_, t)| t)
                .collect();
            layer_params.push((name, params));
            if layer.output_activation(&d).is_some() {
                probed.push(i);
            }
            modules.push(module);
            shape = summary.layers[i].output;
        }
        drop(generator);
        let penalized = vs
            .variables()
            .into_iter()
            .filter(|(k, t)| k.ends_with("weight") && t.dim() >= 2 && t.requires_grad())
            .map(|(_, t)| t)
            .collect();
        Ok(Model {
            vs,
            summary,
            modules,
            layer_params,
            penalized,
            probed,
        })
    }

    pub fn device(&self) -> Device {
        self.vs.device()
    }

    pub fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        self.modules
            .iter()
            .fold(xs.shallow_clone(), |x, m| m.forward_t(&x, train))
    }

    /// Forward pass in training that also returns each auxiliary classifier's (loss weight,
    /// logits); without auxiliary heads the list is empty.
    pub fn forward_with_aux(&self, xs: &Tensor, train: bool) -> (Tensor, Vec<(f64, Tensor)>) {
        let mut aux = Vec::new();
        let mut x = xs.shallow_clone();
        for m in &self.modules {
            if let Module::Aux(a) = m {
                if train {
                    aux.push((a.weight, a.head(&x, train)));
                }
            }
            x = m.forward_t(&x, train);
        }
        (x, aux)
    }

    /// Forward pass that also returns the output of every layer (index 0-based).
    pub fn forward_all(&self, xs: &Tensor, train: bool) -> Vec<Tensor> {
        let mut outs = Vec::with_capacity(self.modules.len());
        let mut x = xs.shallow_clone();
        for m in &self.modules {
            x = m.forward_t(&x, train);
            outs.push(x.shallow_clone());
        }
        outs
    }

    /// Runs layers `range` (0-based) on `xs`: for Grad-CAM, which needs the gradient at an
    /// intermediate layer's output.
    pub fn forward_range(&self, xs: &Tensor, range: std::ops::Range<usize>, train: bool) -> Tensor {
        self.modules[range]
            .iter()
            .fold(xs.shallow_clone(), |x, m| m.forward_t(&x, train))
    }

    pub fn layer_count(&self) -> usize {
        self.modules.len()
    }

    /// Layers (0-based) whose outputs are activation outputs.
    pub fn probed_layers(&self) -> &[usize] {
        &self.probed
    }

    pub fn layer_params(&self) -> &[(String, Vec<Tensor>)] {
        &self.layer_params
    }

    /// λ1·Σ|w| + λ2·Σw² over conv and linear weights.
    pub fn penalty(&self, l1: f64, l2: f64) -> Option<Tensor> {
        if (l1 <= 0.0 && l2 <= 0.0) || self.penalized.is_empty() {
            return None;
        }
        self.penalized
            .iter()
            .flat_map(|w| {
                let l1_term = (l1 > 0.0).then(|| w.abs().sum(Kind::Float) * l1);
                let l2_term = (l2 > 0.0).then(|| w.square().sum(Kind::Float) * l2);
                l1_term.into_iter().chain(l2_term)
            })
            .reduce(|a, b| a + b)
    }
}
