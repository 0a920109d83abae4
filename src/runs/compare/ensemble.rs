//! The seeds of each variant as one ensemble (the lecture's "ensembles of networks"): once all
//! runs of a variant have ended, a named thread averages the softmax outputs of their final
//! checkpoints over the test set (with the launcher's evaluator: the engine's, in `launch`). Results are kept in the comparison's folder
//! (`ensembles.ron`) so history shows them again.
use crate::error::{refused, RunsError};
use crate::handle::EnsembleEvaluator;
use crossbeam_channel::{bounded, Receiver, Sender};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

pub const ENSEMBLES_FILE: &str = "ensembles.ron";

/// (variant, top-1, top-5) of each variant's ensemble of seeds.
pub type EnsembleResult = (String, Result<(f32, Option<f32>), RunsError>);

pub struct Ensembles {
    tx: Sender<EnsembleResult>,
    rx: Receiver<EnsembleResult>,
    started: HashSet<String>,
    pub results: Vec<EnsembleResult>,
    /// Evaluation threads, joined on drop: a libtorch thread still running when the process
    /// exits crashes it.
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Drop for Ensembles {
    fn drop(&mut self) {
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Default for Ensembles {
    fn default() -> Self {
        let (tx, rx) = bounded(64);
        Ensembles {
            tx,
            rx,
            started: HashSet::new(),
            results: Vec::new(),
            threads: Vec::new(),
        }
    }
}

impl Ensembles {
    /// Results saved by an earlier session.
    pub fn load(dir: &Path) -> Ensembles {
        let mut e = Ensembles::default();
        if let Ok(text) = std::fs::read_to_string(dir.join(ENSEMBLES_FILE)) {
            if let Ok(saved) = ron::from_str::<Vec<(String, f32, Option<f32>)>>(&text) {
                for (v, top1, top5) in saved {
                    e.started.insert(v.clone());
                    e.results.push((v, Ok((top1, top5))));
                }
            }
        }
        e
    }

    pub fn started(&self, variant: &str) -> bool {
        self.started.contains(variant)
    }

    /// Evaluates `checkpoints` (≥ 2) as one ensemble on a background thread, with what the
    /// launcher evaluates ensembles with (none: the result says so).
    pub fn start(
        &mut self,
        variant: &str,
        checkpoints: Vec<PathBuf>,
        evaluate: Option<EnsembleEvaluator>,
    ) {
        self.started.insert(variant.to_string());
        let evaluate = match (evaluate, checkpoints.len()) {
            (_, 0 | 1) => Err(refused("fewer than two runs finished with a checkpoint")),
            (None, _) => Err(refused(
                "ensembles are evaluated where runs train; these runs were replayed",
            )),
            (Some(evaluate), _) => Ok(evaluate),
        };
        let evaluate = match evaluate {
            Ok(evaluate) => evaluate,
            Err(why) => return self.results.push((variant.to_string(), Err(why))),
        };
        let tx = self.tx.clone();
        let v = variant.to_string();
        let spawned = std::thread::Builder::new()
            .name("ensemble".into())
            .spawn(move || {
                let _ = tx.send((v, evaluate(&checkpoints)));
            });
        match spawned {
            Ok(t) => self.threads.push(t),
            Err(e) => self.results.push((
                variant.to_string(),
                Err(refused(format!("cannot start: {e}"))),
            )),
        }
    }

    /// Takes finished evaluations; true when something arrived.
    pub fn poll(&mut self) -> bool {
        let mut any = false;
        while let Ok(r) = self.rx.try_recv() {
            self.results.push(r);
            any = true;
        }
        any
    }

    /// Whether every started evaluation has reported.
    pub fn settled(&self) -> bool {
        self.results.len() >= self.started.len()
    }

    /// Saves the successful results into the comparison's folder.
    pub fn save(&self, dir: &Path) -> Result<(), RunsError> {
        let ok: Vec<(String, f32, Option<f32>)> = self
            .results
            .iter()
            .filter_map(|(v, r)| r.as_ref().ok().map(|(a, t)| (v.clone(), *a, *t)))
            .collect();
        let text = ron::to_string(&ok).map_err(|e| refused(e.to_string()))?;
        let path = dir.join(ENSEMBLES_FILE);
        spec::preset::write_atomic(&path, text.as_bytes()).map_err(|e| RunsError::file(&path, e))
    }

    /// The ensemble accuracy of `variant`, if evaluated.
    pub fn of(&self, variant: &str) -> Option<&Result<(f32, Option<f32>), RunsError>> {
        self.results
            .iter()
            .find(|(v, _)| v == variant)
            .map(|(_, r)| r)
    }
}
