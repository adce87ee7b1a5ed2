"""Where the GPU time of a U-Net goes: the whole model through Keras and through native PyTorch, and
each distinct 3x3 convolution alone, in bf16 TFLOP/s against the measured bf16 matmul rate (one table).

This script measures the model's own share of GPU classification time (bench/README.md). It tells
how close the backend's convolutions come to the matmul rate, and whether cuDNN through PyTorch
(channels-last, ``cudnn.benchmark``) runs the same network faster. No raster I/O; the random inputs
already sit on the device.

    KERAS_BACKEND=jax python bench/bench_gpu_layers.py --filters 64 --tile 2624 --batch 2
    KERAS_BACKEND=torch python bench/bench_gpu_layers.py --filters 64 --tile 2624 --batch 2

Rows that need a library that is not installed (JAX, PyTorch) or a CUDA device (PyTorch rows, unless
``--cpu``) are left out. ``--check`` compares the native PyTorch network with the Keras model in
float32 first (max abs difference of the probabilities).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# bench_classify also puts the plugin folder on sys.path (as package ``deepfeature``).
from bench_classify import bf16_matmul_flops, flops_per_pixel, print_table  # noqa: E402


def _timed(run, sync, seconds: float) -> float:
    """Seconds per call of ``run`` (after two warm-up calls), ``sync`` waiting for the device."""
    for _ in range(2):
        sync(run())
    count, start = 0, time.perf_counter()
    while True:
        out = run()
        count += 1
        if time.perf_counter() - start >= seconds:
            break
    sync(out)
    return (time.perf_counter() - start) / count


def _torch_timed(run, device: str, seconds: float) -> float:
    """:func:`_timed` for a PyTorch call: run without autograd, wait for the CUDA device."""
    import torch

    def call():
        with torch.no_grad():
            return run()

    def sync(out):
        if device == "cuda":
            torch.cuda.synchronize()

    return _timed(call, sync, seconds)


def keras_seconds(model, x, seconds: float) -> float:
    """Seconds per forward pass of a Keras model on a device-resident batch (jit-compiled on JAX)."""
    import keras

    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        tv = [v.value for v in model.trainable_variables]
        ntv = [v.value for v in model.non_trainable_variables]
        fn = jax.jit(lambda tv, ntv, x: model.stateless_call(tv, ntv, x, training=False)[0])
        xd = jax.device_put(x)
        return _timed(lambda: fn(tv, ntv, xd), lambda out: out.block_until_ready(), seconds)
    if backend == "torch":
        import torch

        xd = keras.ops.convert_to_tensor(x)
        device = "cuda" if torch.cuda.is_available() else "cpu"
        return _torch_timed(lambda: model(xd, training=False), device, seconds)
    xd = keras.ops.convert_to_tensor(x)
    return _timed(lambda: model(xd, training=False), keras.ops.convert_to_numpy, seconds)


class TorchNet:
    """The Keras functional graph (batch norm folded) replayed with ``torch.nn.functional`` in NCHW
    tensors stored channels-last, the layout cuDNN's tensor-core kernels want."""

    def __init__(self, model, device: str, dtype):
        import numpy as np
        import torch

        self.torch, self.device, self.dtype = torch, device, dtype
        self.steps = []
        ids = {}
        for layer in model.layers:
            kind = type(layer).__name__
            inputs = layer.input if isinstance(layer.input, list) else [layer.input]
            src = [ids[id(t)] for t in inputs] if kind != "InputLayer" else []
            ids[id(layer.output)] = len(self.steps)
            weights = [torch.as_tensor(np.asarray(v, dtype="float32")) for v in layer.weights]
            if kind in ("Conv2D", "Conv2DTranspose"):  # (h, w, in, out) / (h, w, out, in) -> torch's order
                weights[0] = weights[0].permute(3, 2, 0, 1)
            weights = [w.to(device=device, dtype=dtype).contiguous(memory_format=torch.channels_last)
                       if w.ndim == 4 else w.to(device=device, dtype=dtype) for w in weights]
            self.steps.append((kind, layer, src, weights))

    def __call__(self, x):
        import torch.nn.functional as tnf

        torch = self.torch
        values = []
        for kind, layer, src, w in self.steps:
            args = [values[i] for i in src]
            if kind == "InputLayer":
                y = x
            elif kind == "Conv2D":
                y = args[0]
                k, s = layer.kernel_size[0], layer.strides[0]
                total = max((math.ceil(y.shape[2] / s) - 1) * s + k - y.shape[2], 0)
                if total:
                    y = tnf.pad(y, (total // 2, total - total // 2, total // 2, total - total // 2))
                y = tnf.conv2d(y, w[0], w[1] if len(w) > 1 else None, stride=s)
            elif kind == "Conv2DTranspose":
                y = tnf.conv_transpose2d(args[0], w[0], w[1] if len(w) > 1 else None, stride=layer.strides[0])
            elif kind == "ReLU":
                y = tnf.relu(args[0])
            elif kind == "MaxPooling2D":
                y = tnf.max_pool2d(args[0], layer.pool_size[0])
            elif kind == "AveragePooling2D":
                y = tnf.avg_pool2d(args[0], layer.pool_size[0])
            elif kind == "UpSampling2D":
                y = tnf.interpolate(args[0], scale_factor=layer.size[0], mode="nearest")
            elif kind == "Concatenate":
                y = torch.cat(args, dim=1)
            elif kind == "Add":
                y = args[0] + args[1]
            elif kind == "Dropout":
                y = args[0]
            elif kind == "Activation":
                y = args[0].float()
                y = torch.sigmoid(y) if y.shape[1] == 1 else torch.softmax(y, dim=1)
            else:
                raise ValueError("TorchNet: no replay for layer type {}".format(kind))
            values.append(y)
        return values[-1]

    def input(self, x_nhwc):
        torch = self.torch
        return torch.as_tensor(x_nhwc).permute(0, 3, 1, 2).to(
            device=self.device, dtype=self.dtype).contiguous(memory_format=torch.channels_last)


def torch_seconds(net: TorchNet, x_nhwc, seconds: float) -> float:
    xd = net.input(x_nhwc)
    return _torch_timed(lambda: net(xd), net.device, seconds)


def conv_shapes(model, tile: int) -> list[tuple]:
    """Distinct 3x3 convolutions of ``model`` at ``tile``: (height, width, in, out, count)."""
    import keras

    fixed = keras.models.clone_model(
        model, input_tensors=keras.Input(shape=(tile, tile, model.input.shape[-1])))
    shapes: dict = {}
    for layer in fixed.layers:
        if type(layer).__name__ == "Conv2D" and layer.kernel_size == (3, 3) and layer.strides == (1, 1):
            key = (layer.output.shape[1], layer.output.shape[2], layer.input.shape[-1], layer.filters)
            shapes[key] = shapes.get(key, 0) + 1
    return [k + (n,) for k, n in shapes.items()]


def _jax_conv_seconds(batch: int, h: int, w: int, cin: int, cout: int, seconds: float) -> float:
    import jax
    import jax.numpy as jnp
    import numpy as np

    x = jnp.ones((batch, h, w, cin), jnp.bfloat16)
    k = jnp.asarray(np.random.default_rng(0).normal(size=(3, 3, cin, cout)) * 0.05, jnp.bfloat16)
    b = jnp.zeros((cout,), jnp.bfloat16)
    fn = jax.jit(lambda x, k, b: jax.nn.relu(jax.lax.conv_general_dilated(
        x, k, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")) + b))
    return _timed(lambda: fn(x, k, b), lambda out: out.block_until_ready(), seconds)


def _torch_conv_seconds(batch: int, h: int, w: int, cin: int, cout: int, seconds: float,
                        device: str) -> float:
    import torch
    import torch.nn.functional as tnf

    x = torch.ones((batch, cin, h, w), device=device, dtype=torch.bfloat16).contiguous(
        memory_format=torch.channels_last)
    k = (torch.randn((cout, cin, 3, 3), device=device) * 0.05).to(torch.bfloat16).contiguous(
        memory_format=torch.channels_last)
    b = torch.zeros((cout,), device=device, dtype=torch.bfloat16)
    return _torch_timed(lambda: tnf.relu(tnf.conv2d(x, k, b, padding=1)), device, seconds)


def conv_rows(shapes, batch: int, seconds: float, peak: float, torch_device: str | None) -> list[tuple]:
    """Each distinct 3x3 convolution alone (+ bias + ReLU), bf16: JAX's and PyTorch's TFLOP/s."""
    rows = []
    for h, w, cin, cout, count in shapes:
        flops = 2.0 * 9 * cin * cout * h * w * batch
        rates = {}
        try:
            rates["jax"] = flops / _jax_conv_seconds(batch, h, w, cin, cout, seconds)
        except ImportError:
            pass
        if torch_device:
            rates["torch"] = flops / _torch_conv_seconds(batch, h, w, cin, cout, seconds, torch_device)
        rows.append(("3x3 conv {}x{} {}->{} (x{} in the model)".format(h, w, cin, cout, count),
                     "{:.1f} GFLOP".format(flops / 1e9),
                     " / ".join("{} {:.3g}".format(k, v / 1e12) for k, v in rates.items()) + " TFLOP/s",
                     "best {:.0f} % of matmul peak".format(100 * max(rates.values(), default=0) / peak)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--filters", type=int, default=64)
    parser.add_argument("--tile", type=int, default=2624)
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--architecture", default="unet5", choices=("unet5", "resunet"))
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--cpu", action="store_true", help="allow the PyTorch rows without CUDA")
    parser.add_argument("--check", action="store_true", help="compare native PyTorch with Keras first")
    parser.add_argument("--skip-layers", action="store_true")
    args = parser.parse_args()
    import keras
    import numpy as np

    from deepfeature.core.inference import inference_twin
    from deepfeature.core.nn import ModelSpec, build_model, fold_batch_norm

    spec = ModelSpec(architecture=args.architecture, bands=4, classes=("feature",), patch_size=256,
                     base_filters=args.filters, depth=5)
    model32 = build_model(spec, seed=0)
    rng = np.random.default_rng(0)
    for layer in model32.layers:  # trained-looking batch-norm statistics
        if type(layer).__name__ == "BatchNormalization":
            g, b, m, v = (np.asarray(w) for w in layer.get_weights())
            layer.set_weights([1 + 0.1 * rng.normal(size=g.shape), 0.1 * rng.normal(size=b.shape),
                               0.1 * rng.normal(size=m.shape), 1 + rng.random(v.shape)])
    fpp = flops_per_pixel(model32, 4)
    try:
        import torch

        torch_device = "cuda" if torch.cuda.is_available() else ("cpu" if args.cpu else None)
        if torch_device == "cuda":
            torch.backends.cudnn.benchmark = True
    except ImportError:
        torch_device = None
    if args.check and torch_device:
        x = rng.normal(size=(1, 256, 256, 4)).astype("float32")
        net = TorchNet(fold_batch_norm(model32, spec), torch_device, torch.float32)
        with torch.no_grad():
            ours = net(net.input(x)).permute(0, 2, 3, 1).float().cpu().numpy()
        ref = keras.ops.convert_to_numpy(model32(x, training=False))
        print("native PyTorch vs Keras (float32, 256x256): max abs difference {:.2e}".format(
            float(np.abs(ours - ref).max())), flush=True)

    peak = bf16_matmul_flops()
    pixels = args.batch * args.tile ** 2
    rows = [("bf16 matmul ({})".format(keras.backend.backend()), "{:.3g} TFLOP/s".format(peak / 1e12), "",
             "model: {:,.0f} FLOPs per pixel".format(fpp))]

    def model_row(label, s):
        rows.append((label, "{:.1f} ms per batch".format(1e3 * s), "{:.1f} MP/s in".format(pixels / s / 1e6),
                     "{:.3g} TFLOP/s, {:.0f} % of matmul peak".format(
                         fpp * pixels / s / 1e12, 100 * fpp * pixels / s / peak)))

    x = rng.normal(size=(args.batch, args.tile, args.tile, 4)).astype("float32")
    for folded in (False, True):  # the copies classify_raster runs (the GPU: unfolded)
        model = inference_twin(model32, spec, "mixed_bfloat16", folded=folded)
        model_row("Keras {} {} base {}, bf16{} (tile {}, batch {})".format(
            keras.backend.backend(), args.architecture, args.filters, ", BN folded" if folded else "",
            args.tile, args.batch), keras_seconds(model, x, args.seconds))
        del model
    if torch_device:
        net = TorchNet(fold_batch_norm(model32, spec), torch_device, torch.bfloat16)
        model_row("native PyTorch ({}, channels-last, BN folded, bf16)".format(torch_device),
                  torch_seconds(net, x, args.seconds))
        del net
    if not args.skip_layers:
        rows.extend(conv_rows(conv_shapes(model32, args.tile), args.batch, args.seconds, peak, torch_device))
    print_table(rows)


if __name__ == "__main__":
    main()
