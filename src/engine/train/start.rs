//! Setting a run up: the model (fresh, fine-tuned from a checkpoint, or restored from a resume
//! state), its optimizer, the random generators, and the run folder opened or reopened; and
//! saving the resume state as training goes.
use super::outbox::Outbox;
use super::{finetune, optimizer, resume, stream_seed, TrainError, TrainLoop};
use crate::model::Model;
use protocol::RunOptions;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use spec::Preset;
use tch::Device;

pub(super) struct Prepared {
    pub model: Model,
    pub opt: optimizer::Optim,
    pub order_rng: ChaCha8Rng,
    pub aug_rng: ChaCha8Rng,
    /// Where a resumed run continues.
    pub resume_from: Option<resume::ResumeState>,
    /// Lines for the run's warnings (fine-tuning, frozen layers).
    pub notes: Vec<String>,
}

pub(super) fn prepare(
    preset: &Preset,
    opts: &RunOptions,
    device: Device,
    out: &mut Outbox,
) -> Result<Prepared, TrainError> {
    let t = &preset.training;
    let resumed = match (&opts.resume, &opts.run_dir) {
        (true, Some(dir)) => Some(resume::load(dir)?),
        (true, None) => return Err(TrainError::Settings("resuming needs the run folder".into())),
        _ => None,
    };
    let mut model = Model::build(&preset.network, device, t.seed)?;
    let mut notes = Vec::new();
    if let (Some(from), None) = (&t.init_from, &resumed) {
        notes.push(finetune::init_from(&mut model, from)?);
    }
    notes.extend(finetune::freeze(&model, preset)?);
    let mut opt = optimizer::build_optimizer(&model.vs, t)?;
    let mut order_rng = ChaCha8Rng::seed_from_u64(stream_seed(t.seed, 2));
    let mut aug_rng = ChaCha8Rng::seed_from_u64(stream_seed(t.seed, 3));
    let resume_from = match resumed {
        Some((tensors, st)) => {
            resume::restore_model(&mut model, &tensors)?;
            opt.restore(&tensors, st.optim_steps);
            order_rng = st.order_rng.rng();
            aug_rng = st.aug_rng_epoch.rng();
            out.reopen(preset, &st.files.unwrap_or_default())?;
            Some(st)
        }
        None => {
            out.open(preset)?;
            None
        }
    };
    Ok(Prepared {
        model,
        opt,
        order_rng,
        aug_rng,
        resume_from,
        notes,
    })
}

impl TrainLoop<'_> {
    /// Writes the run folder's resume state: `epoch` in progress with `batch` of its batches
    /// done (the generators' epoch-start copies and the running sums say the rest).
    pub(super) fn save_resume(
        &mut self,
        epoch: usize,
        batch: usize,
        out: &mut Outbox,
    ) -> Result<(), TrainError> {
        let Some(dir) = self.opts.run_dir.clone() else {
            return Ok(());
        };
        let (_, optim_steps) = self.opt.state();
        let state = resume::ResumeState {
            step: self.step,
            epoch,
            batch_in_epoch: batch,
            epochs_done: self.epochs_done,
            order_rng: (&self.order_rng_epoch).into(),
            aug_rng_epoch: (&self.aug_rng_epoch).into(),
            aug_rng: (&self.aug_rng).into(),
            sums: (self.sums.loss, self.sums.correct, self.sums.seen),
            best_val: self.policy.best(),
            optim_steps,
            trained_images: self.clock.trained_images,
            files: out.position()?,
        };
        resume::save(&dir, &self.model, &self.opt, &state)?;
        Ok(())
    }
}
