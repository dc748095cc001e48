"""Question 6's codec on faces from other cameras: is the drop the camera or the resolution?

Every q6 run scores the 100 LFW faces scikit-image ships (`ssim_other_camera`). Those are 25×25 crops,
upsampled, so they differ from Yale B twice over: other cameras, people, poses and lighting, and almost no
detail. This puts the run's own unseen people through the same 25-pixel bottleneck (shrunk to 25×21 with
antialiasing, then upsampled the same way), so that the two can be told apart. Each set is scored through the
compress_images.py the run shipped, which sends a polished 4×4 thumbnail in place of a face's code where that scores
higher, beside the codec alone (its refined codes, no thumbnail) and the plain thumbnail (16 block means, which know
nothing of faces), with the share of faces sent as thumbnails.

Usage: .venv/bin/python benchmarks/q6_other_camera.py [--run RUN_ID] [--data FOLDER]
(default: the newest split run, and face_images/ from the default places, as `invoke train` finds them)
"""

import argparse

import torch
import torch.nn.functional as F
from padl_shared.contract import import_deliverable
from padl_shared.metrics import ssim_per_image
from padl_shared.paths import repo_root, resolve_data
from padl_shared.tracking import chosen_run, deliverable_of
from q6_compression.data import DEFAULT_FOLDER, HEIGHT, WIDTH, lfw_faces
from q6_compression.train import QUESTION, TrainConfig, load, split, thumbnail


def through_25_pixels(faces: torch.Tensor) -> torch.Tensor:
    """uint8 faces shrunk to LFW's 25 rows (25×21) and upsampled as `lfw_faces` upsamples them."""
    small = F.interpolate(faces.float() / 255, size=(25, 21), mode="bilinear", antialias=True, align_corners=False)
    upsampled = F.interpolate(small, size=(HEIGHT, WIDTH), mode="bilinear", align_corners=False)
    return (upsampled.clamp(0, 1) * 255).round().to(torch.uint8)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--run", help="a q6 split run's id (default: the newest)")
    parser.add_argument("--data", help="the folder the run trained on (default: as `invoke train` finds it)")
    args = parser.parse_args()
    run = chosen_run(QUESTION, args.run, params={"refit": False})
    params = run.data.params
    config = TrainConfig(seed=int(params["seed"]), unseen_people=int(params["unseen_people"]),
                         seen_fraction=float(params["seen_fraction"]))
    images, names = load(config, resolve_data(DEFAULT_FOLDER, args.data), repo_root() / ".cache")
    unseen = images[split(config, names)["unseen"]]
    sets = {"LFW faces (other cameras), upsampled from 25×25": lfw_faces(100),
            "unseen people, as photographed": unseen,
            "unseen people, through 25×21 pixels as LFW": through_25_pixels(unseen)}
    with deliverable_of(run.info.run_id) as folder:
        codec = import_deliverable(folder / "compress_images.py")
        print(f"run {run.info.run_id} ({run.info.run_name})")
        model = codec.load()
        print("| faces | n | the codec alone | 4×4 thumbnail | as shipped | sent as thumbnails |\n"
              "| --- | --- | --- | --- | --- | --- |")
        for name, faces in sets.items():
            originals = faces.float() / 255
            codes = torch.cat([codec.encode(chunk) for chunk in originals.split(64)])
            restored = torch.cat([codec.decode(chunk) for chunk in codes.split(64)])
            alone = torch.cat([model.decode(codec.refine(model, chunk, model.encode(chunk))).detach()
                               for chunk in originals.split(64)])
            print(f"| {name} | {len(faces)} | {ssim_per_image(originals, alone).mean():.3f} | "
                  f"{ssim_per_image(originals, thumbnail(originals)).mean():.3f} | "
                  f"{ssim_per_image(originals, restored).mean():.3f} | "
                  f"{codec.is_fallback(codes).float().mean():.0%} |", flush=True)


if __name__ == "__main__":
    main()
