//! Commands from the owner, handled between optimizer steps; a pause blocks here.
use super::checkpoints::save_on_demand;
use super::outbox::Outbox;
use super::TrainError;
use crate::model::Model;
use crossbeam_channel::Receiver;
use protocol::{Command, Event, RunOptions, StepMetrics};
use spec::Preset;

pub(super) enum Control {
    Go,
    /// Go on, after a pause: the throughput window starts afresh.
    Resumed,
    Stop,
}

/// Takes every waiting command; while paused, waits for the next one. The flag says a
/// checkpoint was saved on request (the caller then saves the resume state beside it).
/// `unsent`: the step's metrics not yet sent, sent first when a command stops, pauses or
/// saves at this step (the window then shows the step the checkpoint is named after).
pub(super) fn between_steps(
    cmds: &Receiver<Command>,
    out: &mut Outbox,
    ctx: (&Preset, &RunOptions, &Model),
    (step, unsent): (usize, &mut Option<StepMetrics>),
) -> Result<(Control, bool), TrainError> {
    let mut saved = false;
    let control = commands(cmds, out, ctx, (step, unsent), &mut saved)?;
    Ok((control, saved))
}

fn commands(
    cmds: &Receiver<Command>,
    out: &mut Outbox,
    ctx: (&Preset, &RunOptions, &Model),
    (step, unsent): (usize, &mut Option<StepMetrics>),
    saved: &mut bool,
) -> Result<Control, TrainError> {
    let mut paused = false;
    let mut resumed = false;
    loop {
        let cmd = if paused {
            cmds.recv().ok()
        } else {
            cmds.try_recv().ok()
        };
        if matches!(
            cmd,
            Some(Command::Pause | Command::Stop | Command::SaveCheckpoint(_))
        ) {
            if let Some(m) = unsent.take() {
                out.send(Event::Step(m))?;
            }
        }
        match cmd {
            // The owner is gone while paused: nobody can resume.
            None if paused => return Ok(Control::Stop),
            None if resumed => return Ok(Control::Resumed),
            None => return Ok(Control::Go),
            Some(Command::Pause) => {
                if !paused {
                    paused = true;
                    out.send(Event::Paused { step })?;
                }
            }
            Some(Command::Resume) => {
                if paused {
                    paused = false;
                    resumed = true;
                    out.send(Event::Resumed { step })?;
                }
            }
            Some(Command::Stop) => return Ok(Control::Stop),
            Some(Command::SaveCheckpoint(dir)) => {
                let (preset, opts, model) = ctx;
                out.send(save_on_demand(preset, opts, model, dir, step))?;
                *saved = true;
            }
        }
    }
}
