"""Question 5's classifier against distractors stronger than, or unlike, the ones its held-out score uses.

The grader's test photos carry "noise, drawn lines and warps" whose strengths nobody here knows, so a split
run's `accuracy_distorted` rests on a guess. This scores the run's own held-out photos, through the
predict_class.py it shipped, under each kind of distractor alone at the strength the guess uses and beyond
it, and under the guess itself (which reproduces the run's `accuracy_distorted`).

Usage: .venv/bin/python benchmarks/q5_distractors.py [--run RUN_ID] [--data FOLDER]
(default: the newest split run, and garment_images/ from the default places, as `invoke train` finds them)
"""

import argparse

import torch
import torchvision.transforms.v2.functional as TF
from padl_shared.contract import import_deliverable
from padl_shared.paths import repo_root, resolve_data
from padl_shared.tracking import chosen_run, deliverable_of
from q5_garments.augment import WARP, add_noise, distort, draw_lines
from q5_garments.data import DEFAULT_FOLDER, load_folder
from q5_garments.train import QUESTION, TrainConfig, split
from torchvision.transforms import v2


def gaussian_noise(std):
    return lambda images, generator: (images + std * torch.randn(images.shape, generator=generator)).clamp(0, 1)


def salt_and_pepper(share):
    def apply(images, generator):
        hit = torch.rand(len(images), 1, *images.shape[2:], generator=generator)
        salt = (torch.rand(hit.shape, generator=generator) < 0.5).float().expand_as(images)
        return torch.where((hit < share).expand_as(images), salt, images)
    return apply


def lines(max_lines, max_width, colour=None):
    def apply(images, generator):
        if colour is None:
            return draw_lines(images, generator, max_lines, max_width)
        marked = draw_lines(torch.full_like(images, -1.0), generator, max_lines, max_width) >= 0  # where strokes fall
        return torch.where(marked, torch.tensor(colour).view(1, 3, 1, 1), images)
    return apply


def per_photo(transform):
    """A torchvision transform drawn afresh for each photo (it draws from the global generator)."""
    def apply(images, generator):
        torch.manual_seed(int(torch.randint(2**31, (1,), generator=generator)))
        return torch.stack([transform(image) for image in images])
    return apply


def blur(sigma):
    def apply(images, generator):  # clamped: float32 round-off leaves a blurred photo a hair above 1
        return TF.gaussian_blur(images, kernel_size=2 * round(3 * sigma) + 1, sigma=sigma).clamp(0, 1)
    return apply


def combined(images, generator):
    """Every kind at once, each stronger than the held-out guess."""
    warped = per_photo(v2.Compose([v2.RandomPerspective(0.5, p=1.0), v2.RandomAffine(degrees=25, shear=12),
                                   v2.ElasticTransform(alpha=60.0, sigma=6.0)]))(images, generator)
    return gaussian_noise(0.2)(lines(8, 0.04)(warped, generator), generator)


VARIANTS = {
    "noise, std up to 0.12 (the guess)": lambda images, generator: add_noise(images, generator, 0.12),
    "noise, std 0.2": gaussian_noise(0.2),
    "noise, std 0.3": gaussian_noise(0.3),
    "salt and pepper, 5 % of pixels": salt_and_pepper(0.05),
    "salt and pepper, 15 % of pixels": salt_and_pepper(0.15),
    "lines: up to 4, 0.3-2.3 % wide (the guess)": lines(4, 0.02),
    "lines: up to 10": lines(10, 0.02),
    "lines: up to 4, up to 6 % wide": lines(4, 0.06),
    "lines: up to 6, black": lines(6, 0.02, (0.0, 0.0, 0.0)),
    "lines: up to 6, white": lines(6, 0.02, (1.0, 1.0, 1.0)),
    "warps: perspective 0.35 for 70 %, affine, elastic 30 (the guess)": per_photo(WARP),
    "perspective 0.6": per_photo(v2.RandomPerspective(0.6, p=1.0)),
    "rotation up to 30 degrees": per_photo(v2.RandomRotation(30)),
    "elastic, alpha 80": per_photo(v2.ElasticTransform(alpha=80.0, sigma=6.0)),
    "elastic, alpha 80, sigma 3 (finer)": per_photo(v2.ElasticTransform(alpha=80.0, sigma=3.0)),
    "Gaussian blur, sigma 2": blur(2.0),
    "all of them, stronger": combined,
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--run", help="a q5 split run's id (default: the newest)")
    parser.add_argument("--data", help="the folder the run trained on (default: as `invoke train` finds it)")
    args = parser.parse_args()
    run = chosen_run(QUESTION, args.run, params={"refit": False})
    params = run.data.params
    config = TrainConfig(seed=int(params["seed"]), val_fraction=float(params["val_fraction"]), fold=int(params["fold"]),
                         photos_per_shoot=int(params["photos_per_shoot"]))
    images, labels = load_folder(resolve_data(DEFAULT_FOLDER, args.data),
                                 cache_dir=repo_root() / ".cache")
    _, _, held_out = split(config, images, labels)
    photos, truth = images[held_out].float() / 255, labels[held_out]
    with deliverable_of(run.info.run_id) as folder:
        classifier = import_deliverable(folder / "predict_class.py")

        def accuracy(batch):
            predicted = torch.cat([classifier.predict(chunk) for chunk in batch.split(64)]).view(-1)
            return float((predicted == truth).float().mean())

        print(f"run {run.info.run_id} ({run.info.run_name}): {len(truth)} held-out photos; logged "
              f"{run.data.metrics['accuracy']:.3f} clean, {run.data.metrics['accuracy_distorted']:.3f} distorted")
        print("| distractor | accuracy |\n| --- | --- |")
        print(f"| none | {accuracy(photos):.3f} |")
        print(f"| the held-out guess: warps, lines, noise | {accuracy(distort(photos, seed=config.seed + 1)):.3f} |")
        for name, apply in VARIANTS.items():
            print(f"| {name} | {accuracy(apply(photos, torch.Generator().manual_seed(config.seed))):.3f} |",
                  flush=True)


if __name__ == "__main__":
    main()
