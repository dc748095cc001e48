"""The graded file of question 6, as the bundle and training know it."""

from pathlib import Path

from padl_shared.deliverable import GradedFile

CONTRACT = """
import torch, compress_images
x = torch.load(BATCH, weights_only=True)
codes = compress_images.encode(x)
assert tuple(codes.shape) == (len(x), 16), f"encode shape {tuple(codes.shape)}, expected ({len(x)}, 16)"
assert codes.dtype == torch.float32, f"encode dtype {codes.dtype}, expected float32"
restored = compress_images.decode(codes)
assert restored.shape == x.shape, f"decode shape {tuple(restored.shape)}, expected {tuple(x.shape)}"
assert restored.dtype == torch.float32, f"decode dtype {restored.dtype}"
assert restored.min() >= 0 and restored.max() <= 1, "decoded pixels outside [0, 1]"
one = compress_images.decode(compress_images.encode(x[:1]))
assert one.shape == x[:1].shape, f"a batch of one round-trips to {tuple(one.shape)}"
"""

GRADED = GradedFile("q6_compression", Path(__file__).with_name("compress_images.py"), "compress_images_weights.pt",
                    limit_bytes=20_000_000, limit_inclusive=True, contract=CONTRACT)
