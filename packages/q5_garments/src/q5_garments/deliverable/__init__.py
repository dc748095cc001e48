"""The graded file of question 5, as the bundle and training know it."""

from pathlib import Path

from padl_shared.deliverable import GradedFile

CONTRACT = """
import torch, predict_class
x = torch.load(BATCH, weights_only=True)
out = predict_class.predict(x)
assert tuple(out.shape) == (len(x), 1), f"output shape {tuple(out.shape)}, expected ({len(x)}, 1)"
assert out.dtype == torch.int64, f"output dtype {out.dtype}, expected int64"
assert set(out.flatten().tolist()) <= {0, 1, 2}, f"labels {sorted(set(out.flatten().tolist()))} outside 0..2"
assert tuple(predict_class.predict(x[:1]).shape) == (1, 1), "a batch of one does not give 1×1"
"""

GRADED = GradedFile("q5_garments", Path(__file__).with_name("predict_class.py"), "predict_class_weights.pt",
                    limit_bytes=20 * 2**20, limit_inclusive=True, contract=CONTRACT)
