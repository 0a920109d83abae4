//! The exported project's README: what is in it and how to run it on one GPU, many GPUs and
//! several machines.
use spec::{DataSource, Preset};

pub(super) fn readme(preset: &Preset, weights: bool) -> String {
    let name = if preset.name.is_empty() {
        "network"
    } else {
        &preset.name
    };
    let data = match &preset.data.source {
        DataSource::Synthetic { .. } => {
            "the workbench's built-in shapes, exported as IDX files in `data/`".to_string()
        }
        DataSource::Downloaded { name } => format!(
            "the downloaded dataset \"{name}\" (from the workbench's cache, \
             `$CNN_WORKBENCH_DATA` or `~/.cache/cnn-workbench/datasets/{name}`)"
        ),
        other => format!(
            "{} (pass `--data DIR` where it lives elsewhere)",
            other.describe()
        ),
    };
    let weights_line = if weights {
        "- `model.safetensors` — the run's weights (load them into `Net` with `strict=True`)\n"
    } else {
        ""
    };
    format!(
        r#"# {name} — exported from cnn-workbench

A standalone PyTorch project: the network, its training as the workbench runs it, and a run
folder in the workbench's format at the end, so a run trained here opens in the workbench's
History, compares and inspects like a local one.

- `model.py` — the network (`Net`); module names are the workbench checkpoint's
- `workbench_layers.py` — the layers it is made of (the lecture's formulas in PyTorch)
- `train.py` — the preset's training: optimizer, schedule, warm-up, weight decay, L1/L2,
  loss, augmentation, seed; writes `runs/<name>-<time>/`
- `data.py`, `augment.py`, `runfolder.py` — data loading, augmentation, the run folder
- `config.json` — the preset's settings as train.py reads them; `preset.ron` the preset itself
- `export_formats.py` — TorchScript and ONNX from `model.py`
{weights_line}
Data: {data}.

## Run it

```sh
pip install -r requirements.txt

# one process: the CPU, or one GPU
python train.py

# one machine, N GPUs (or N CPU processes with gloo): DistributedDataParallel
torchrun --nproc-per-node N train.py

# several machines: run this on each (node rank 0 … M−1), HOST:PORT reachable from all
torchrun --nnodes M --nproc-per-node N --rdzv-backend c10d --rdzv-endpoint HOST:29500 \
    --rdzv-id my-run train.py
```

Options: `--data DIR` (the dataset folder), `--runs DIR` (where the run folder goes),
`--epochs N`, `--device cpu|cuda`, `--name NAME`. Under torchrun the preset's batch size is the
global batch, split over the processes; rank 0 validates, tests and writes the run folder.
If a worker dies, torchrun stops the others and the run folder ends with a failed event; a
folder without its final event reads as interrupted, never as finished.

Copy the run folder into the workbench's `runs/` folder (the window's workspace, or the
folder you pass to `cnn-workbench`) to see it in the History.

## Use the weights elsewhere

```python
import safetensors.torch, torch
from model import Net
net = Net().eval()
net.load_state_dict(safetensors.torch.load_file("model.safetensors"), strict=True)
logits = net(torch.randn(1, *__import__("model").INPUT_SHAPE))
```

`python export_formats.py --weights model.safetensors --torchscript model.pt --onnx model.onnx`
writes a traced TorchScript module and an ONNX model (opset 18; needs `onnx`, `onnxscript` and
`onnxruntime`) and checks both against `model.py`. Both are the network in evaluation mode:
dropout off, running statistics instead of batch statistics, auxiliary heads left out.

## What differs from the workbench

- Random numbers come from PyTorch, so a run here does not repeat a workbench run image for
  image; the validation images are a fixed share of the training set chosen by NumPy.
- Image folders are decoded by Pillow (bilinear resize of the shorter side, centre crop); the
  random-resized crop is taken from that fitted image.
- Activation histograms and gradient norms are not recorded.
"#
    )
}
