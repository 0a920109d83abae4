//! Editing a preset's layer list. Per-layer settings kept outside the layers (the frozen
//! layers of fine-tuning, stored as 1-based layer numbers) follow their layer through every
//! insert, delete, duplicate and move, so an edit never silently freezes a different layer.
use super::layer::Layer;
use super::preset::Preset;

impl Preset {
    /// Inserts `layer` at `at` (clamped to the end); returns where it went.
    pub fn insert_layer(&mut self, at: usize, layer: Layer) -> usize {
        let at = at.min(self.network.layers.len());
        self.network.layers.insert(at, layer);
        // Layers at `at` and after (1-based numbers above `at`) move down by one.
        self.renumber(|n| Some(if n > at { n + 1 } else { n }));
        at
    }

    /// Removes layer `i` (0-based); its frozen mark goes with it.
    pub fn remove_layer(&mut self, i: usize) -> Option<Layer> {
        if i >= self.network.layers.len() {
            return None;
        }
        let layer = self.network.layers.remove(i);
        let removed = i + 1;
        self.renumber(|n| match n.cmp(&removed) {
            std::cmp::Ordering::Less => Some(n),
            std::cmp::Ordering::Equal => None,
            std::cmp::Ordering::Greater => Some(n - 1),
        });
        Some(layer)
    }

    /// Inserts a copy of layer `i` after it, frozen if the original is; returns its index.
    pub fn duplicate_layer(&mut self, i: usize) -> Option<usize> {
        let layer = self.network.layers.get(i)?.clone();
        let frozen = self.training.freeze.contains(&(i + 1));
        let at = self.insert_layer(i + 1, layer);
        if frozen {
            self.training.freeze.push(at + 1);
            self.training.freeze.sort_unstable();
        }
        Some(at)
    }

    /// Moves layer `from` so that it lands before the layer now at `to` (`to` may be the
    /// length: the end). Returns the layer's new index, or None when nothing moves.
    pub fn move_layer(&mut self, from: usize, to: usize) -> Option<usize> {
        let n = self.network.layers.len();
        if from >= n || to > n || to == from || to == from + 1 {
            return None;
        }
        let was_frozen = self.training.freeze.contains(&(from + 1));
        let layer = self.remove_layer(from)?;
        let at = if to > from { to - 1 } else { to };
        let at = self.insert_layer(at, layer);
        if was_frozen {
            self.training.freeze.push(at + 1);
            self.training.freeze.sort_unstable();
        }
        Some(at)
    }

    /// Freezes or unfreezes layer `i` (0-based) for fine-tuning.
    pub fn set_frozen(&mut self, i: usize, on: bool) {
        let f = &mut self.training.freeze;
        f.retain(|&n| n != i + 1);
        if on {
            f.push(i + 1);
            f.sort_unstable();
        }
    }

    fn renumber(&mut self, f: impl Fn(usize) -> Option<usize>) {
        let f: Vec<usize> = self.training.freeze.iter().filter_map(|&n| f(n)).collect();
        self.training.freeze = f;
    }
}
