#![allow(clippy::unwrap_used)] // Tests fail loudly by design.
//! Importing PyTorch weights: torchvision's ResNet-18 (random weights, saved with torch.save)
//! into presets/zoo/resnet18.ron gives the same logits as torchvision computes; mismatched
//! files list every mismatch by name and shape.
use cnn_workbench::engine::checkpoint;
use cnn_workbench::engine::tch;
use std::path::Path;
use std::process::Command;
use tch::{Device, Tensor};

fn python() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python")
}

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cnn-workbench"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// `cnn-workbench import FILE --preset PRESET --out OUT`.
fn import(file: &str, preset: &str, out: impl AsRef<Path>) -> std::process::Output {
    bin()
        .args(["import", file, "--preset", preset, "--out"])
        .arg(out.as_ref())
        .output()
        .unwrap()
}

#[test]
fn torchvision_resnet18_imports_with_the_same_logits() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().display().to_string();
    // torchvision computes the reference: eval mode, a fixed input; BN statistics made
    // non-trivial so that the running mean and variance must land in the right places.
    let script = r#"
import sys, torch, torchvision
from safetensors.torch import save_file
torch.manual_seed(0)
m = torchvision.models.resnet18(weights=None)
for mod in m.modules():
    if isinstance(mod, torch.nn.BatchNorm2d):
        mod.running_mean.uniform_(-0.2, 0.2); mod.running_var.uniform_(0.5, 1.5)
        mod.weight.data.uniform_(0.5, 1.5); mod.bias.data.uniform_(-0.2, 0.2)
m.eval()
x = torch.randn(2, 3, 224, 224)
with torch.no_grad():
    y = m(x)
torch.save(m.state_dict(), sys.argv[1] + '/resnet18.pth')
save_file({'x': x, 'y': y}, sys.argv[1] + '/io.safetensors')
torch.save({'not': 'weights'}, sys.argv[1] + '/other.pth')
"#;
    let o = Command::new(python())
        .args(["-c", script, &dir])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = tmp.path().join("ckpt");
    let o = import(&format!("{dir}/resnet18.pth"), "resnet18.ron", &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (_, model) = checkpoint::load(&out, Device::Cpu).unwrap();
    let io: std::collections::HashMap<String, Tensor> =
        Tensor::read_safetensors(tmp.path().join("io.safetensors"))
            .unwrap()
            .into_iter()
            .collect();
    let y = tch::no_grad(|| model.forward_t(&io["x"], false));
    let diff = (&y - &io["y"]).abs().max().double_value(&[]);
    eprintln!("largest logit difference from torchvision: {diff:e}");
    assert!(diff < 1e-4, "largest logit difference {diff}");

    // A second import into the same folder asks for --force.
    let o = import(&format!("{dir}/resnet18.pth"), "resnet18.ron", &out);
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    // The same weights against ResNet-34: every mismatch named.
    let o = import(
        &format!("{dir}/resnet18.pth"),
        "resnet34.ron",
        tmp.path().join("r34"),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        err.contains("does not match ResNet-34") && err.contains("missing from the file"),
        "{err}"
    );
    // A pickle that is not a state_dict of tensors.
    let o = import(
        &format!("{dir}/other.pth"),
        "resnet18.ron",
        tmp.path().join("bad"),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("other.pth"), "{err}");
}
