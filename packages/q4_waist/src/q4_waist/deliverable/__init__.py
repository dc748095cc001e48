"""The graded file of question 4, as the bundle and training know it."""

from pathlib import Path

from padl_shared.deliverable import GradedFile

CONTRACT = """
import torch, predict_waist
x = torch.load(BATCH, weights_only=True)
out = predict_waist.predict(x)
assert tuple(out.shape) == (len(x), 1), f"output shape {tuple(out.shape)}, expected ({len(x)}, 1)"
assert out.dtype == torch.float32, f"output dtype {out.dtype}, expected float32"
assert out.device.type == "cpu", f"output on {out.device}"
assert torch.isfinite(out).all() and (out > 300).all() and (out < 2000).all(), "waist outside 300..2000 mm"
assert tuple(predict_waist.predict(x[:1]).shape) == (1, 1), "a batch of one does not give 1×1"
"""

INTERVAL_FILE = "predict_waist_interval.json"  # the split-conformal interval's half-width, for `evaluate`
GRADED = GradedFile("q4_waist", Path(__file__).with_name("predict_waist.py"), "predict_waist_weights.pt",
                    limit_bytes=10_000_000, limit_inclusive=False, companions=(INTERVAL_FILE,), contract=CONTRACT)
