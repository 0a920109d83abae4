//! `compare --launcher slurm`: the comparison as a Slurm job array in its folder, submitted
//! with `--submit`. The runs are written by the array's tasks into the shared workspace; the
//! window (or `cnn-workbench compare` output here) is not needed while they train.
use super::compare::CompareArgs;
use anyhow::{Context, Result};
use runs::compare::slurm::{self, Resources};
use runs::compare::{CompareQueue, Comparison};
use spec::{CompareSpec, Preset};
use std::path::Path;

/// Bytes libtorch, the program and a batch pipeline need besides the estimate of the network's
/// training memory (weights, gradients, optimizer state, activations).
const OVERHEAD_MB: usize = 1536;
/// A deliberately low CPU rate for the time estimate (multiply-adds per second per core).
const MACS_PER_CORE_SEC: f64 = 1.0e9;

pub fn compare_on_slurm(
    preset: &Preset,
    spec: CompareSpec,
    workspace: &Path,
    a: &CompareArgs,
) -> Result<()> {
    let mut queue = CompareQueue::new(preset, spec, workspace).map_err(anyhow::Error::msg)?;
    // The array carries it out, not this process.
    queue.hand_over();
    let resources = resources(preset, &queue, a)?;
    let bin = std::env::current_exe().context("where this program is, for the tasks")?;
    let array = slurm::write_array(&queue, &bin, &resources).map_err(anyhow::Error::msg)?;
    let dir = Comparison::dir(workspace, &queue.id);
    println!(
        "comparison {} — {} runs as a Slurm job array: {}",
        queue.comparison.name,
        array.tasks,
        array.sbatch.display()
    );
    println!(
        "  per task: {} CPUs, {} GPUs, {} MB, time limit {}",
        resources.cpus,
        resources.gpus,
        resources.mem_mb,
        slurm::slurm_time(resources.time_secs)
    );
    if !a.submit {
        println!(
            "  submit it with: sbatch {}   (or run this command again with --submit)",
            array.sbatch.display()
        );
        return Ok(());
    }
    let id = slurm::submit(&array, &a.sbatch_args).map_err(anyhow::Error::msg)?;
    println!(
        "  submitted: job {id}; runs go to {}",
        workspace.join("runs").display()
    );
    println!("  follow it in the window (its History and Compare tab) or with squeue -j {id}");
    println!("comparison folder: {}", dir.display());
    Ok(())
}

/// What each task asks for: the CPUs given (or the run's threads, or 4), a GPU when the run is
/// on CUDA, memory from the estimate of the largest variant, time from its multiply-adds.
fn resources(preset: &Preset, q: &CompareQueue, a: &CompareArgs) -> Result<Resources> {
    let cpus = a.cpus_per_task.unwrap_or(match preset.training.threads {
        0 => 4,
        n => n,
    });
    let mut mem_bytes = 0usize;
    let mut macs = 0usize;
    for j in &q.jobs {
        let summary = spec::infer(&j.preset.network).map_err(anyhow::Error::msg)?;
        let t = &j.preset.training;
        mem_bytes = mem_bytes.max(spec::memory::estimate(&summary, t, t.batch_size).total());
        macs = macs.max(summary.total_macs);
    }
    let time_secs = match a.time_minutes {
        Some(m) => m * 60,
        None => estimate_secs(preset, macs, cpus),
    };
    Ok(Resources {
        cpus,
        gpus: usize::from(preset.training.device.starts_with("cuda")),
        mem_mb: mem_bytes / 1_000_000 + OVERHEAD_MB,
        time_secs,
    })
}

/// Forward and backward are about three times the forward's multiply-adds per image; images
/// from the step limit, or the epochs over the training images when the data says how many.
fn estimate_secs(preset: &Preset, macs: usize, cpus: usize) -> u64 {
    let t = &preset.training;
    let per_epoch = preset.data.train_limit.unwrap_or(match preset.data.source {
        spec::DataSource::Synthetic { .. } => preset.data.synthetic_size,
        // ImageNet-sized unless told otherwise: generous rather than cut off.
        _ => 1_281_167,
    });
    let images = match t.max_steps {
        Some(s) => (s * t.batch_size).min(per_epoch * t.epochs),
        None => per_epoch * t.epochs,
    };
    let secs = 3.0 * macs as f64 * images as f64 / (MACS_PER_CORE_SEC * cpus as f64);
    ((secs * 4.0) as u64).max(30 * 60)
}
