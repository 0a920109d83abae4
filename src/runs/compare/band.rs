//! Curves of a comparison's runs on a common x axis, and the band (mean, ±std, min–max) across
//! seeds drawn around each variant's mean.
use super::summary::MeanStd;
use crate::state::RunState;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Metric {
    #[default]
    ValAccuracy,
    ValLoss,
    TrainLoss,
    TrainAccuracy,
}

impl Metric {
    pub const ALL: [Metric; 4] = [
        Metric::ValAccuracy,
        Metric::ValLoss,
        Metric::TrainLoss,
        Metric::TrainAccuracy,
    ];
    pub fn name(&self) -> &'static str {
        match self {
            Metric::ValAccuracy => "validation accuracy",
            Metric::ValLoss => "validation loss",
            Metric::TrainLoss => "train loss",
            Metric::TrainAccuracy => "train accuracy",
        }
    }
    fn series<'a>(&self, r: &'a RunState) -> &'a [[f64; 2]] {
        match self {
            Metric::ValAccuracy => &r.val_accuracy,
            Metric::ValLoss => &r.val_loss,
            Metric::TrainLoss => &r.train_loss,
            Metric::TrainAccuracy => &r.train_accuracy,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum XAxis {
    #[default]
    Step,
    Epoch,
    WallTime,
}

impl XAxis {
    pub fn name(&self) -> &'static str {
        match self {
            XAxis::Step => "step",
            XAxis::Epoch => "epoch",
            XAxis::WallTime => "seconds",
        }
    }
}

/// Linear interpolation of y at x in a series sorted by x (clamped at the ends).
fn interp(series: &[[f64; 2]], x: f64) -> Option<f64> {
    let first = series.first()?;
    let last = series.last()?;
    if x <= first[0] {
        return Some(first[1]);
    }
    if x >= last[0] {
        return Some(last[1]);
    }
    let i = series.partition_point(|p| p[0] <= x);
    let (a, b) = (series[i - 1], series[i]);
    let t = if b[0] > a[0] {
        (x - a[0]) / (b[0] - a[0])
    } else {
        0.0
    };
    Some(a[1] + t * (b[1] - a[1]))
}

/// A run's metric against the chosen x axis.
pub fn series(r: &RunState, metric: Metric, x: XAxis) -> Vec<[f64; 2]> {
    let per_epoch = r
        .start
        .as_ref()
        .map_or(1.0, |s| s.steps_per_epoch.max(1) as f64);
    metric
        .series(r)
        .iter()
        .filter(|p| p[1].is_finite())
        .map(|&[step, y]| match x {
            XAxis::Step => [step, y],
            XAxis::Epoch => [step / per_epoch, y],
            XAxis::WallTime => [interp(&r.step_secs, step).unwrap_or(0.0), y],
        })
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BandPoint {
    pub x: f64,
    pub mean: f64,
    pub std: f64,
    pub min: f64,
    pub max: f64,
}

/// Mean, standard deviation, min and max across runs at common x positions: the runs' own x
/// values when they agree (epoch-end metrics), else `points` positions over their common range.
pub fn band(runs: &[Vec<[f64; 2]>], points: usize) -> Vec<BandPoint> {
    let runs: Vec<&Vec<[f64; 2]>> = runs.iter().filter(|r| !r.is_empty()).collect();
    let Some(first) = runs.first() else {
        return Vec::new();
    };
    let same_x = runs
        .iter()
        .all(|r| r.len() == first.len() && r.iter().zip(first.iter()).all(|(a, b)| a[0] == b[0]));
    let xs: Vec<f64> = if same_x {
        first.iter().map(|p| p[0]).collect()
    } else {
        let lo = runs.iter().map(|r| r[0][0]).fold(f64::MIN, f64::max);
        let hi = runs
            .iter()
            .map(|r| r[r.len() - 1][0])
            .fold(f64::MAX, f64::min);
        if hi < lo {
            return Vec::new();
        }
        let n = points.max(2);
        (0..n)
            .map(|i| lo + (hi - lo) * i as f64 / (n - 1) as f64)
            .collect()
    };
    xs.into_iter()
        .map(|x| {
            let ys: Vec<f64> = runs.iter().filter_map(|r| interp(r, x)).collect();
            let m = MeanStd::of(&ys);
            BandPoint {
                x,
                mean: m.mean,
                std: m.std,
                min: ys.iter().copied().fold(f64::INFINITY, f64::min),
                max: ys.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolation_is_linear_and_clamped() {
        let s = [[0.0, 0.0], [10.0, 1.0]];
        assert_eq!(interp(&s, 5.0), Some(0.5));
        assert_eq!(interp(&s, -1.0), Some(0.0));
        assert_eq!(interp(&s, 11.0), Some(1.0));
        assert_eq!(interp(&[], 1.0), None);
    }

    #[test]
    fn a_band_over_shared_x_gives_mean_std_min_max() {
        // numpy: y = [[1, 2], [3, 6]]; y.mean(0) = [2, 4]; y.std(0, ddof=1) = [1.4142, 2.8284]
        let runs = vec![vec![[1.0, 1.0], [2.0, 2.0]], vec![[1.0, 3.0], [2.0, 6.0]]];
        let b = band(&runs, 10);
        assert_eq!(b.len(), 2);
        assert_eq!(
            (b[1].x, b[1].mean, b[1].min, b[1].max),
            (2.0, 4.0, 2.0, 6.0)
        );
        assert!((b[0].std - 2f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn a_band_over_different_x_uses_the_common_range() {
        let runs = vec![vec![[0.0, 0.0], [10.0, 10.0]], vec![[2.0, 2.0], [8.0, 8.0]]];
        let b = band(&runs, 4);
        assert_eq!(b.len(), 4);
        assert_eq!(b[0].x, 2.0);
        assert_eq!(b[3].x, 8.0);
        // Both runs are y = x, so the mean is x and the spread is zero.
        assert!(b
            .iter()
            .all(|p| (p.mean - p.x).abs() < 1e-12 && p.std.abs() < 1e-12));
    }
}
