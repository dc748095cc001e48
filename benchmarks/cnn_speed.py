"""Seconds per training epoch of the question-5 and question-6 networks at candidate sizes, on this
machine: what the widths and resolutions were chosen from (with the accuracy each reached per minute).

Usage: .venv/bin/python benchmarks/cnn_speed.py [--q 5|6] [--images N] [--compile]
"""

import argparse
import time

import torch
import torch.nn.functional as F
from padl_shared.device import autocast


def seconds_per_image(model, inputs, loss_of, compiled: bool = False) -> float:
    """As training runs: bf16 autocast where the CPU has it (PADL_PRECISION=fp32 for float32). ``compiled``:
    the forward pass and loss through torch.compile, whose first (untimed) step compiles them."""
    if compiled:
        torch._dynamo.reset()  # every network compiles afresh, rather than recompiling one cache past its limit
        loss_of = torch.compile(loss_of)
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


MODE = {False: "", True: " compiled"}


def garments(images: int, compiled: bool) -> None:
    from q5_garments.deliverable.predict_class import GarmentNet

    labels = torch.randint(0, 3, (32,))
    for resolution in (64, 80, 96, 112, 128):
        for width in (16, 24, 32):
            for layout in (torch.contiguous_format, torch.channels_last):  # training uses channels-last
                inputs = torch.rand(32, 3, resolution, resolution).contiguous(memory_format=layout)
                cost = seconds_per_image(GarmentNet(width, resolution).to(memory_format=layout), inputs,
                                         lambda m, x: F.cross_entropy(m(x).float(), labels), compiled)
                print(f"q5 resolution {resolution} width {width} {str(layout).split('.')[-1]}{MODE[compiled]}: "
                      f"{cost * 1000:.1f} ms/image, {cost * images:.1f} s/epoch of {images}")


def faces(images: int, compiled: bool) -> None:
    from q6_compression.deliverable.compress_images import FaceCodec
    from q6_compression.train import TrainConfig, codec_loss

    config = TrainConfig()
    for width in (16, 24, 32, 48):
        for layout in (torch.contiguous_format, torch.channels_last):  # training uses contiguous
            inputs = torch.rand(config.batch_size, 1, 192, 160).contiguous(memory_format=layout)
            cost = seconds_per_image(FaceCodec(width, config.details, config.deform).to(memory_format=layout), inputs,
                                     lambda m, x: codec_loss(m.decode_half(m.encode(x)).float(), F.avg_pool2d(x, 2),
                                                             config.ssim_weight, config.ssim_window), compiled)
            print(f"q6 width {width} {str(layout).split('.')[-1]}{MODE[compiled]}: {cost * 1000:.1f} ms/image, "
                  f"{cost * images:.1f} s/epoch of {images}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--q", choices=["5", "6"], default=None)
    parser.add_argument("--images", type=int, default=1400)
    parser.add_argument("--compile", action="store_true", help="through torch.compile (minutes of compiling)")
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    if args.q in (None, "5"):
        garments(args.images, args.compile)
    if args.q in (None, "6"):
        faces(args.images, args.compile)
