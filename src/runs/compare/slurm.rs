//! A comparison as a Slurm job array: one task per variant × seed, each running the headless
//! worker on its job (`jobs/<task>.ron` in the comparison's folder) into the shared workspace.
//! `write_array` writes the jobs and `launch.sbatch`; `submit` hands it to `sbatch` and keeps
//! the job id (`slurm-job.txt`), which tells a window following the comparison that its runs
//! without a folder are waiting in Slurm's queue.
use super::manifest::Comparison;
use super::queue::CompareQueue;
use crate::error::{refused, RunsError};
use protocol::worker::WorkerJob;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const SBATCH_FILE: &str = "launch.sbatch";
pub const JOBS_DIR: &str = "jobs";
pub const JOB_ID_FILE: &str = "slurm-job.txt";

/// What one task asks of the cluster.
#[derive(Clone, Debug, PartialEq)]
pub struct Resources {
    pub cpus: usize,
    pub gpus: usize,
    pub mem_mb: usize,
    pub time_secs: u64,
}

/// The array written for a comparison.
#[derive(Clone, Debug)]
pub struct SlurmArray {
    pub sbatch: PathBuf,
    pub tasks: usize,
    pub resources: Resources,
}

/// "1-02:03:04" / "02:03:04", Slurm's time format.
pub fn slurm_time(secs: u64) -> String {
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    if d > 0 {
        format!("{d}-{h:02}:{m:02}:{s:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}

/// Writes every run's job and the array script; `bin` is the `cnn-workbench` the tasks run
/// (the same path on the cluster's nodes: a shared install, or the bundle unpacked there).
pub fn write_array(
    q: &CompareQueue,
    bin: &Path,
    resources: &Resources,
) -> Result<SlurmArray, RunsError> {
    let dir = Comparison::dir(q.workspace(), &q.id);
    let jobs = dir.join(JOBS_DIR);
    std::fs::create_dir_all(&jobs).map_err(|e| RunsError::file(&jobs, e))?;
    for (k, j) in q.jobs.iter().enumerate() {
        let mut preset = j.preset.clone();
        // The task's own CPUs, all of them (a preset's explicit count is kept).
        if preset.training.threads == 0 {
            preset.training.threads = resources.cpus;
        }
        let job = WorkerJob::new(preset, &q.job_options(j))
            .ok_or_else(|| refused("a comparison's run has a folder"))?;
        let path = jobs.join(format!("{k}.ron"));
        let text = ron::to_string(&job).map_err(|e| RunsError::file(&path, e))?;
        spec::preset::write_atomic(&path, text.as_bytes())
            .map_err(|e| RunsError::file(&path, e))?;
    }
    let sbatch = dir.join(SBATCH_FILE);
    let text = script(q, &dir, bin, resources);
    spec::preset::write_atomic(&sbatch, text.as_bytes())
        .map_err(|e| RunsError::file(&sbatch, e))?;
    Ok(SlurmArray {
        sbatch,
        tasks: q.jobs.len(),
        resources: resources.clone(),
    })
}

fn script(q: &CompareQueue, dir: &Path, bin: &Path, r: &Resources) -> String {
    let quote = |p: &Path| format!("'{}'", p.display().to_string().replace('\'', r"'\''"));
    let gres = if r.gpus > 0 {
        format!("#SBATCH --gres=gpu:{}\n", r.gpus)
    } else {
        String::new()
    };
    format!(
        "#!/bin/bash\n\
         # {name}: {tasks} runs (variant × seed), one array task each, written by cnn-workbench.\n\
         # Each task trains jobs/<task>.ron into {runs} (the shared workspace);\n\
         # a window with that workspace open follows them live.\n\
         #SBATCH --job-name=cnn-{id}\n\
         #SBATCH --array=0-{last}\n\
         #SBATCH --cpus-per-task={cpus}\n\
         #SBATCH --mem={mem}M\n\
         #SBATCH --time={time}\n\
         {gres}\
         #SBATCH --output={out}\n\
         exec {bin} worker --job {jobs}/\"$SLURM_ARRAY_TASK_ID\".ron\n",
        name = q.comparison.name,
        tasks = q.jobs.len(),
        runs = q.workspace().join(crate::history::RUNS_DIR).display(),
        id = q.id,
        last = q.jobs.len().saturating_sub(1),
        cpus = r.cpus,
        mem = r.mem_mb,
        time = slurm_time(r.time_secs),
        out = dir.join("slurm-%A_%a.out").display(),
        bin = quote(bin),
        jobs = quote(&dir.join(JOBS_DIR)),
    )
}

/// Submits the array with `sbatch --parsable` (plus `extra` arguments); the job id, kept in
/// the comparison's folder. A missing or refusing `sbatch` is named with its words, and
/// nothing is recorded as submitted.
pub fn submit(array: &SlurmArray, extra: &[String]) -> Result<String, RunsError> {
    let out = Command::new("sbatch")
        .arg("--parsable")
        .args(extra)
        .arg(&array.sbatch)
        .output()
        .map_err(|e| {
            refused(format!(
                "cannot run sbatch ({e}): is Slurm's client installed here? The array is written: submit it with `sbatch {}`",
                array.sbatch.display()
            ))
        })?;
    if !out.status.success() {
        return Err(refused(format!(
            "sbatch refused the array: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    // --parsable: "jobid" or "jobid;cluster".
    let id = stdout
        .trim()
        .split(';')
        .next()
        .unwrap_or_default()
        .to_string();
    if id.is_empty() {
        return Err(refused("sbatch printed no job id"));
    }
    let dir = array.sbatch.parent().unwrap_or(Path::new("."));
    let file = dir.join(JOB_ID_FILE);
    std::fs::write(&file, format!("{id}\n")).map_err(|e| RunsError::file(&file, e))?;
    Ok(id)
}

/// Whether a comparison's Slurm array may still have tasks to run: it was submitted and
/// `squeue` lists it (where `squeue` cannot be asked — watching from a laptop — it is taken to).
pub fn still_queued(dir: &Path) -> bool {
    let Ok(id) = std::fs::read_to_string(dir.join(JOB_ID_FILE)) else {
        return false;
    };
    match Command::new("squeue")
        .args(["-h", "-o", "%i", "-j", id.trim()])
        .output()
    {
        Ok(out) if out.status.success() => !String::from_utf8_lossy(&out.stdout).trim().is_empty(),
        Ok(_) => false,
        Err(_) => true,
    }
}
