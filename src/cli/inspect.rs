//! `cnn-workbench inspect`: test accuracy, confusion matrix, per-class precision and recall,
//! filter grids and Grad-CAM overlays as PNG.
use anyhow::{Context, Result};
use engine::inspect::Inspection;
use protocol::inspect::{Confusion, InputChoice};
use std::path::Path;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct InspectArgs {
    /// A checkpoint: a `.safetensors` file with `preset.ron` beside it, a run folder, or a
    /// run's id in the workspace's runs/.
    pub checkpoint: PathBuf,
    #[command(flatten)]
    pub workspace: super::WorkspaceArg,
    /// A folder of MNIST-format IDX files, or "synthetic" / "synthetic-rgb" (default: the
    /// checkpoint's own data).
    #[arg(long)]
    pub data: Option<String>,
    /// Write each conv layer's filter grid as PNG into this folder.
    #[arg(long)]
    pub export_filters: Option<PathBuf>,
    /// Write the Grad-CAM overlay of this test image as PNG into the folder given next.
    #[arg(long, num_args = 2, value_names = ["IMAGE_INDEX", "DIR"])]
    pub export_cam: Option<Vec<String>>,
    /// Test-time averaging: flip (the image and its mirror) or crops (10 views: four corners
    /// and the centre of the padded image, each mirrored).
    #[arg(long)]
    pub tta: Option<String>,
    /// More checkpoints to average with this one as an ensemble (softmax outputs averaged).
    #[arg(long, num_args = 1..)]
    pub ensemble: Vec<PathBuf>,
}

pub fn inspect(mut a: InspectArgs) -> Result<()> {
    a.checkpoint = a.workspace.run_path(&a.checkpoint)?;
    for e in &mut a.ensemble {
        *e = a.workspace.run_path(e)?;
    }
    let data = a.data.as_deref().map(super::data_source).transpose()?;
    let device = engine::tch::Device::cuda_if_available();
    if a.tta.is_some() || !a.ensemble.is_empty() {
        return averaged(&a, data, device);
    }
    let insp = Inspection::open(&a.checkpoint, data, device).map_err(anyhow::Error::msg)?;
    let c = insp.confusion(0);
    println!("{} — {} test images", insp.preset.name, c.total());
    let bad = insp.summary().non_finite;
    if !bad.is_empty() {
        println!(
            "warning: the weights are not finite — {}; the run diverged, and every number below is meaningless",
            bad.join(", ")
        );
    }
    print_confusion(&c, &insp.data.class_names);
    if let Some(dir) = &a.export_filters {
        export_filters(&insp, dir)?;
    }
    if let Some(v) = &a.export_cam {
        let index: usize = v[0]
            .parse()
            .with_context(|| format!("IMAGE_INDEX must be a number, not {}", v[0]))?;
        export_cam(&insp, index, Path::new(&v[1]))?;
    }
    Ok(())
}

/// The accuracy, the matrix (rows: true class) and per-class precision and recall.
fn print_confusion(c: &Confusion, names: &[String]) {
    println!("test accuracy: {}\n", protocol::percent(c.accuracy, 2));
    println!("confusion matrix (rows: true class, columns: predicted)");
    let width = names.iter().map(|n| n.len()).max().unwrap_or(1).max(5);
    print!("{:>width$} ", "");
    for j in 0..names.len() {
        print!("{j:>6}");
    }
    println!();
    for (i, row) in c.counts.iter().enumerate() {
        print!(
            "{:>width$} ",
            if names[i] == i.to_string() {
                names[i].clone()
            } else {
                format!("{i} {}", names[i])
            }
            .chars()
            .take(width)
            .collect::<String>()
        );
        for v in row {
            print!("{v:>6}");
        }
        println!();
    }
    println!("\n{:<width$} {:>10} {:>10}", "class", "precision", "recall");
    for (i, n) in names.iter().enumerate() {
        let pct = protocol::percent;
        println!(
            "{:<width$} {:>10} {:>10}",
            n,
            pct(c.precision[i], 2),
            pct(c.recall[i], 2)
        );
    }
}

fn export_filters(insp: &Inspection, dir: &Path) -> Result<()> {
    {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        for g in insp.filters() {
            let path = dir.join(format!("layer{:02}-filters.png", g.layer));
            render::filter_grid(&g, render::FilterScale::PerLayer, 8)
                .save_png(&path)
                .map_err(anyhow::Error::msg)?;
            println!(
                "filters of layer {} ({}): {}",
                g.layer,
                g.label,
                path.display()
            );
        }
    }
    Ok(())
}

fn export_cam(insp: &Inspection, index: usize, dir: &Path) -> Result<()> {
    let names = &insp.data.class_names;
    {
        let layer = insp
            .default_cam_layer()
            .ok_or_else(|| anyhow::anyhow!("the network has no feature-map layer for Grad-CAM"))?;
        let s = insp
            .saliency(&InputChoice::Test(index), layer, None)
            .map_err(anyhow::Error::msg)?;
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let path = dir.join(format!("gradcam-{index}.png"));
        render::overlay(&s.input, &s.cam, 10, 0.6)
            .save_png(&path)
            .map_err(anyhow::Error::msg)?;
        println!(
            "Grad-CAM of test image {index} at layer {layer} for class {} ({:.1}%): {}",
            names.get(s.class).cloned().unwrap_or_default(),
            s.probs[s.class] * 100.0,
            path.display()
        );
    }
    Ok(())
}

/// `--tta` and `--ensemble`: each checkpoint's accuracy, then the average's.
fn averaged(
    a: &InspectArgs,
    data: Option<spec::DataSource>,
    device: engine::tch::Device,
) -> Result<()> {
    use engine::ensemble::{self, Tta};
    let tta = match a.tta.as_deref() {
        None => Tta::Off,
        Some(t) => Tta::from_name(t)
            .with_context(|| format!("unknown --tta \"{t}\": use off, flip or crops"))?,
    };
    let mut all = vec![a.checkpoint.clone()];
    all.extend(a.ensemble.iter().cloned());
    let r = ensemble::evaluate(&all, data, tta, device).map_err(anyhow::Error::msg)?;
    let pct = |v: f32, t5: Option<f32>| match t5 {
        Some(t) => format!("{:.2}% (top-5 {:.2}%)", v * 100.0, t * 100.0),
        None => format!("{:.2}%", v * 100.0),
    };
    println!("{} test images, {}", r.test_images, r.tta.describe());
    for (path, top1, top5) in &r.members {
        println!("  {:<60} {}", path.display(), pct(*top1, *top5));
    }
    if r.members.len() > 1 {
        println!(
            "  {:<60} {}",
            format!("ensemble of {}", r.members.len()),
            pct(r.ensemble, r.ensemble_top5)
        );
    }
    Ok(())
}
