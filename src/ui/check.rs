//! The network's shape inference, once per edit: the editor's cards, the totals, the memory
//! estimate and whether Train can start all read this instead of inferring again each frame.
use spec::lab::receptive::{fields_of, Field};
use spec::{infer, infer_partial, Network, SpecError, Summary};

/// Shape inference of one network, recomputed only when the network changes.
pub struct NetworkCheck {
    /// The network this was computed for.
    network: Option<Network>,
    /// Rows up to the first error.
    pub summary: Summary,
    /// The first error, including a final output that does not match the classes.
    pub error: Option<SpecError>,
    /// Each layer's receptive field (empty when the network has an error).
    pub fields: Vec<Field>,
    /// How many times inference ran (tests check it runs once per edit).
    pub computed: u64,
}

impl Default for NetworkCheck {
    fn default() -> Self {
        // Not yet computed: `network` is None, so the first refresh infers.
        let (summary, _) = infer_partial(&Network::default());
        NetworkCheck {
            network: None,
            summary,
            error: None,
            fields: Vec::new(),
            computed: 0,
        }
    }
}

impl NetworkCheck {
    /// Brings the check up to date with `network` (a comparison when nothing changed).
    pub fn refresh(&mut self, network: &Network) -> &NetworkCheck {
        if self.network.as_ref() != Some(network) {
            let (summary, err) = infer_partial(network);
            let error = match err {
                Some(e) => Some(e),
                None => infer(network).err(),
            };
            self.fields = if error.is_none() {
                fields_of(network, &summary)
            } else {
                Vec::new()
            };
            self.summary = summary;
            self.error = error;
            self.network = Some(network.clone());
            self.computed += 1;
        }
        self
    }

    /// The complete inference, when the network is possible.
    pub fn complete(&self) -> Option<&Summary> {
        self.error.is_none().then_some(&self.summary)
    }
}
