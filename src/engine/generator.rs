//! libtorch has one random generator per process, shared by every thread. Building a model
//! seeds it layer by layer and a training step seeds it before dropout draws from it; two of
//! these at once (a run training while a comparison's ensembles or the inspector build
//! models) would change each other's numbers. Each holds this lock while it seeds and draws.
use std::sync::{Mutex, MutexGuard};

static GLOBAL_GENERATOR: Mutex<()> = Mutex::new(());

/// Held while seeding libtorch's generator and drawing from it. A panic while it was held
/// leaves nothing half-done that the next holder depends on: it reseeds first.
pub(crate) fn lock() -> MutexGuard<'static, ()> {
    GLOBAL_GENERATOR
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
