"""Grade a bundle on unseen data laid out like the coursework's: whatever of it is present."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

from padl_shared.errors import DataError

from padl_bundle.build import RESULT_FILE, check_result_file


def grade(bundle: Path, data: Path) -> dict:
    """Metrics of each deliverable in ``bundle`` whose data is in ``data``; a DataError if none is."""
    bundle, data = Path(bundle), Path(data)
    if not zipfile.is_zipfile(bundle):
        raise DataError(f"{bundle}: not a zip file")
    if not data.is_dir():
        raise DataError(f"{data}: not a folder")
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        with zipfile.ZipFile(bundle) as archive:
            archive.extractall(folder)
        if (folder / "predict_waist.py").is_file() and (data / "body_measurements.csv").is_file():
            from q4_waist.evaluate import score

            results["q4_waist"] = score(data / "body_measurements.csv", folder)
        if (folder / "predict_class.py").is_file() and (data / "garment_images").is_dir():
            from q5_garments.evaluate import score

            results["q5_garments"] = score(data / "garment_images", folder)
        if (folder / "compress_images.py").is_file() and (data / "face_images").is_dir():
            from q6_compression.evaluate import score

            results["q6_compression"] = score(data / "face_images", folder)
        if (folder / RESULT_FILE).is_file():
            results["q3_result_file"] = {"valid": True, "n_nodes": check_result_file(folder / RESULT_FILE)}
    graded = {key for key in results if key != "q3_result_file"}
    if not graded:
        raise DataError(f"{data}: holds none of body_measurements.csv, garment_images/, face_images/ for the "
                        f"deliverables in {bundle.name}")
    return results
