"""Seconds per training epoch of the question-5 and question-6 networks at candidate sizes, on this
machine: what the widths and resolutions were chosen from (with the accuracy each reached per minute).

Usage: .venv/bin/python benchmarks/cnn_speed.py [--q 5|6] [--images N]
"""

import argparse
import time

import torch
import torch.nn.functional as F
from padl_shared.device import autocast


def seconds_per_image(model, inputs, loss_of) -> float:
    """As training runs: bf16 autocast where the CPU has it (PADL_PRECISION=fp32 for float32)."""
    optimiser = torch.optim.AdamW(model.parameters())
    for step in range(4):
        if step == 1:
            started = time.perf_counter()
        with autocast(torch.device("cpu")):
            loss = loss_of(model, inputs)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return (time.perf_counter() - started) / 3 / len(inputs)


def garments(images: int) -> None:
    from q5_garments.deliverable.predict_class import GarmentNet

    labels = torch.randint(0, 3, (32,))
    for resolution in (64, 80, 96, 112, 128):
        for width in (16, 24, 32):
            for layout in (torch.contiguous_format, torch.channels_last):  # training uses channels-last
                inputs = torch.rand(32, 3, resolution, resolution).contiguous(memory_format=layout)
                cost = seconds_per_image(GarmentNet(width, resolution).to(memory_format=layout), inputs,
                                         lambda m, x: F.cross_entropy(m(x).float(), labels))
                print(f"q5 resolution {resolution} width {width} {str(layout).split('.')[-1]}: "
                      f"{cost * 1000:.1f} ms/image, {cost * images:.1f} s/epoch of {images}")


def faces(images: int) -> None:
    from q6_compression.deliverable.compress_images import FaceCodec
    from q6_compression.train import TrainConfig, codec_loss

    config = TrainConfig()
    inputs = torch.rand(32, 1, 192, 160)
    for width in (16, 24, 32, 48):
        cost = seconds_per_image(FaceCodec(width, config.details, config.deform), inputs, lambda m, x: codec_loss(
            m.decode_half(m.encode(x)).float(), F.avg_pool2d(x, 2), config.ssim_weight, config.ssim_window))
        print(f"q6 width {width}: {cost * 1000:.1f} ms/image, {cost * images:.1f} s/epoch of {images}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--q", choices=["5", "6"], default=None)
    parser.add_argument("--images", type=int, default=1400)
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    if args.q in (None, "5"):
        garments(args.images)
    if args.q in (None, "6"):
        faces(args.images)
