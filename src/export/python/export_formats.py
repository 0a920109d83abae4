#!/usr/bin/env python3
"""Writes the network as TorchScript (a traced module, `torch.jit.load` runs it) and/or ONNX
(ONNX Runtime runs it), and checks each against model.py on a random batch.

    python export_formats.py --torchscript model.pt --onnx model.onnx [--weights model.safetensors]

Both are the network in evaluation mode: dropout off, batch statistics replaced by running
ones, auxiliary classifiers (training-only heads) left out. Prints one JSON line per format.
"""
import argparse
import io
import json
import sys
import warnings
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from model import INPUT_SHAPE, Net  # noqa: E402

OPSET = 18


def load_net(weights):
    net = Net()
    if weights:
        from safetensors.torch import load_file
        net.load_state_dict(load_file(weights), strict=True)
    return net.eval()


def layer_inputs(net, x):
    """Each top-level layer with the input it sees."""
    out = []
    with torch.no_grad():
        for name, layer in net.named_children():
            out.append((name, layer, x))
            x = layer(x)
    return out


def onnx_export(module, x, path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (x,), path, dynamo=True, opset_version=OPSET,
                          input_names=["images"], output_names=["logits"],
                          dynamic_shapes=({0: torch.export.Dim("batch", min=1)},),
                          external_data=False, verbose=False)


def unexpressible(net, x, export):
    """The layers that fail on their own, by name, with the reason."""
    bad = []
    for name, layer, inp in layer_inputs(net, x):
        try:
            export(layer.eval(), inp)
        except Exception as e:  # noqa: BLE001 — any failure names the layer
            bad.append(f"{name} ({type(layer).__name__}): {str(e).splitlines()[0][:200]}")
    return bad


def torchscript(net, x, path):
    traced = torch.jit.trace(net, (x,), check_trace=False)
    traced.save(str(path))
    loaded = torch.jit.load(str(path))
    with torch.no_grad():
        return (loaded(x) - net(x)).abs().max().item()


def onnx(net, x, path):
    onnx_export(net, x, str(path))
    import onnxruntime
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run(None, {session.get_inputs()[0].name: x.numpy()})[0]
    with torch.no_grad():
        return (torch.from_numpy(got) - net(x)).abs().max().item()


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--weights")
    p.add_argument("--torchscript")
    p.add_argument("--onnx")
    args = p.parse_args()
    torch.manual_seed(0)
    net = load_net(args.weights)
    x = torch.randn(2, *INPUT_SHAPE)
    failed = False
    for fmt, path, run, probe in (
            ("torchscript", args.torchscript, torchscript,
             lambda m, i: torch.jit.trace(m, (i,), check_trace=False).save(io.BytesIO())),
            ("onnx", args.onnx, onnx, lambda m, i: onnx_export(m, i, io.BytesIO()))):
        if not path:
            continue
        try:
            diff = run(net, x, path)
            result = {"format": fmt, "file": path, "max_abs_diff": diff}
            if fmt == "onnx":
                result["opset"] = OPSET
        except ImportError as e:  # the environment, not the network
            failed = True
            result = {"format": fmt, "error": f"{e} — pip install onnx onnxscript onnxruntime"}
        except Exception as e:  # noqa: BLE001 — reported with the layers to blame
            failed = True
            Path(path).unlink(missing_ok=True)
            result = {"format": fmt, "error": str(e).splitlines()[0][:300] if str(e) else
                      type(e).__name__, "layers": unexpressible(net, x, probe)}
        print(json.dumps(result), flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
