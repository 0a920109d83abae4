//! `cnn-workbench import STATE_DICT --preset PRESET --out DIR`: PyTorch weights (torchvision's
//! ResNet and VGG layouts included) as a workbench checkpoint to inspect or fine-tune.
use anyhow::{bail, Result};
use spec::library;
use spec::Preset;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct ImportArgs {
    /// A state_dict: `.pth`/`.pt` saved with torch.save, or `.safetensors`.
    pub state_dict: PathBuf,
    /// The preset whose network the weights belong to (a file, or a bundled or zoo preset's
    /// file name such as resnet18.ron).
    #[arg(long)]
    pub preset: PathBuf,
    /// The folder to write the checkpoint into (model.safetensors and preset.ron).
    #[arg(long)]
    pub out: PathBuf,
    /// Replace a checkpoint already in that folder.
    #[arg(long)]
    pub force: bool,
}

fn preset(path: &Path) -> Result<Preset> {
    if !path.exists() {
        if let Some(p) = path.to_str().and_then(library::bundled) {
            return Ok(p);
        }
    }
    super::load_preset(path)
}

pub fn import(a: ImportArgs) -> Result<()> {
    if a.out.join("model.safetensors").exists() && !a.force {
        bail!(
            "{} already holds a checkpoint — choose another folder or add --force",
            a.out.display()
        );
    }
    let p = preset(&a.preset)?;
    let weights = engine::import::import(&a.state_dict, &p, &a.out).map_err(anyhow::Error::msg)?;
    println!(
        "imported {} into {}",
        a.state_dict.display(),
        weights.display()
    );
    println!("inspect it with: cnn-workbench inspect {}", a.out.display());
    Ok(())
}
