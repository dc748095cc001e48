"""Question 5: the garment CNN, trained from scratch on distractor-augmented photos. The pipeline: load once
(``run_training``) → split (a stratified hold-out, or none for the refit) → fit → score the held-out photos clean
and with synthetic distractors → write predict_class.py with its weights."""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from padl_shared.errors import DataError
from sklearn.model_selection import StratifiedGroupKFold
from torch import nn
from tqdm.auto import tqdm

from q5_garments import figures
from q5_garments.augment import augment_batch, distort, garment_layers
from q5_garments.data import CLASSES, DEFAULT_FOLDER, load_folder, originals, shoots
from q5_garments.deliverable import GRADED
from q5_garments.deliverable.predict_class import GarmentNet, class_probabilities, resize

QUESTION = "q5_garments"
MEASURED = ("accuracy", "accuracy_distorted")  # what `invoke cv --q 5` reports, fold by fold


@dataclasses.dataclass
class TrainConfig:
    data: str | None = None  # a folder with class_0/ class_1/ class_2/; None: garment_images/ from the default places
    seed: int = 0
    resolution: int = 96  # the network's input side; photos are downsized once, before training
    width: int = 32  # channels of the first stage; the later stages use 2×, 4× and 8×
    epochs: int = 150
    batch_size: int = 32
    lr: float = 3e-3  # AdamW's peak rate
    average_from: float = 0.75  # stochastic weight averaging (padl_shared.averaging): from this share of the run on,
    #                             the rate is held and the weights shipped are their mean over those steps; 1: the
    #                             one-cycle policy and its last step's weights
    held_rate: float = 0.25  # the held rate, a share of the peak
    weight_decay: float = 5e-4
    label_smoothing: float = 0.1
    recolour_share: float = 0.2  # photos with their RGB channels reordered, and photos with a rectangle of noise
    erase_share: float = 0.5  # over 2-20 % of them (random erasing): another shoot's colours, and what it hides
    paste_share: float = 0.0  # photos whose garment (augment.garment_layers' mask) is pasted onto another photo's
    #                           background: the garment apart from its shoot (copy-paste)
    val_fraction: float = 0.2  # held out, whole shoots, stratified by class; scored clean and with distractors
    fold: int = 0  # which of the 1/val_fraction folds is held out (`invoke cv --q 5` runs them all)
    photos_per_shoot: int = 20  # shoots are found as clusters of about this many photos (see data.shoots)
    eval_every: int = 5  # the held-out check for the curves, every few epochs and on the last
    device: str | None = None
    refit: bool = False  # train on every photo (nothing held out) for the split run's optimiser steps: the model to
    #                      hand in, what `invoke train --q 5` trains (`--holdout`: the split run, this False)


def memory_layout(width: int) -> torch.memory_format:
    """Channels-last, in which oneDNN's convolutions run a step about 20 % faster on this CPU, from 16 channels
    up. Narrower networks stay contiguous: there oneDNN's bf16 backward of the strided 1×1 skip convolutions
    (8 or 12 input channels, under its block of 16) corrupts the heap in channels-last (torch 2.14.1)."""
    return torch.channels_last if width >= 16 else torch.contiguous_format


def predict_probabilities(model: GarmentNet, images: torch.Tensor, device, batch: int = 64) -> torch.Tensor:
    """float32 class probabilities for float images in [0, 1] at any size, as the deliverable computes them."""
    model.eval()
    with torch.no_grad():
        return torch.cat([class_probabilities(model, chunk.to(device)).cpu() for chunk in images.split(batch)])


def _accuracy_by_class(truth: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    return {str(label): float(np.mean(predicted[truth == label] == label)) for label in range(len(CLASSES))
            if np.any(truth == label)}


def fold_count(config: TrainConfig) -> int:
    """The folds of `invoke cv --q 5`: 1/``val_fraction`` of them, whole shoots each."""
    return round(1 / config.val_fraction)


def shoot_count(config: TrainConfig, photos: int) -> int:
    """How many shoots to find among ``photos``: about ``photos_per_shoot`` photos each, and at least two a fold."""
    return max(round(photos / config.photos_per_shoot), 2 * round(1 / config.val_fraction))


def split_rows(labels: torch.Tensor, shoot_of: np.ndarray, config: TrainConfig) -> tuple[np.ndarray, np.ndarray]:
    """Training and held-out rows: fold ``config.fold`` of 1/``val_fraction`` folds stratified by class, each shoot
    (``data.shoots``) wholly on one side, so that the held-out photos come from shoots the network never saw, as
    new photos will; or every photo for training when refitting. Exact copies of a photo share its shoot."""
    rows = np.arange(len(labels))
    if config.refit:
        return rows, rows[:0]
    folds = StratifiedGroupKFold(round(1 / config.val_fraction), shuffle=True, random_state=config.seed)
    if not 0 <= config.fold < folds.n_splits:
        raise DataError(f"fold must be 0-{folds.n_splits - 1} for a val_fraction of {config.val_fraction}, "
                        f"got {config.fold}")
    return list(folds.split(rows, labels.numpy(), shoot_of))[config.fold]


def split(config: TrainConfig, images: torch.Tensor, labels: torch.Tensor) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each photo's shoot (``data.shoots``), then the training and held-out rows of ``config``'s fold."""
    shoot_of = shoots(images, shoot_count(config, len(images)), config.seed)
    return shoot_of, *split_rows(labels, shoot_of, config)


def held_out_fingerprint(val_rows: np.ndarray) -> str:
    """The first 16 hex digits of the held-out rows' sha256 (rows of the sorted files): two runs with the same one
    held out the same photos, so their accuracies differ by training alone, whichever machine clustered the shoots."""
    return hashlib.sha256(np.sort(val_rows).astype(np.int64).tobytes()).hexdigest()[:16]


def downsized(images: torch.Tensor, resolution: int) -> torch.Tensor:
    """uint8 photos at the network's input size, resized once: the augmentation crops and warps these each epoch."""
    return resize(images.float(), resolution).round().clamp(0, 255).to(torch.uint8)


def copies_found(labels: torch.Tensor, copies_of: np.ndarray) -> dict[str, int]:
    """How many photos repeat an earlier one pixel for pixel, and how many of those carry another label."""
    copies = copies_of != np.arange(len(labels))
    relabelled = copies & (labels.numpy() != labels.numpy()[copies_of])
    return {"copied_photos": int(copies.sum()), "copies_labelled_otherwise": int(relabelled.sum())}


def epochs_to_run(config: TrainConfig) -> int:
    """A refit keeps the split run's number of optimiser steps, and so its time, over 1/(1 − val_fraction)
    as many photos: fewer epochs."""
    return max(1, round(config.epochs * (1 - config.val_fraction))) if config.refit else config.epochs


def fit(config: TrainConfig, photos: torch.Tensor, labels: torch.Tensor, device,
        validation: tuple[torch.Tensor, torch.Tensor] | None) -> tuple[nn.Module, list, nn.Module | None]:
    """A network trained from scratch on uint8 photos at the network's resolution, its per-epoch history, logged to
    the active MLflow run, and its averaged weights where ``config.average_from`` asks for them (else None);
    ``validation`` (float photos at the network's resolution, labels) is scored every ``eval_every`` epochs and on
    the last, on the averaged weights where there are some."""
    import mlflow
    from padl_shared import averaging
    from padl_shared.device import autocast

    generator = torch.Generator().manual_seed(config.seed)
    layout = memory_layout(config.width)
    model = GarmentNet(config.width, config.resolution).to(device, memory_format=layout)
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    layers = garment_layers(photos) if config.paste_share else None
    epochs, batches = epochs_to_run(config), int(np.ceil(len(labels) / config.batch_size))
    schedule, averaged = averaging.schedule(model, optimiser, epochs * batches, config.average_from, config.held_rate)
    history, held_out_accuracy = [], None  # the latest check's, kept on the progress bar between checks
    progress = tqdm(range(1, epochs + 1), desc="q5 epochs", unit="epoch")
    for epoch in progress:
        model.train()
        epoch_start, total_loss, correct = time.perf_counter(), 0.0, 0
        for batch in torch.randperm(len(labels), generator=generator).split(config.batch_size):
            paste = (layers[0][batch], layers[1], config.paste_share) if layers else None
            inputs = augment_batch(photos[batch], generator, config.resolution, config.erase_share,
                                   config.recolour_share, paste=paste).to(device, memory_format=layout)
            targets = labels[batch].to(device)
            with autocast(device):  # bf16 where the hardware has it: about 1.8× faster a step on this CPU
                logits = model(inputs).float()
            loss = F.cross_entropy(logits, targets, label_smoothing=config.label_smoothing)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            if averaged is not None:
                averaged.update_parameters(model)
            total_loss += loss.item() * len(batch)
            correct += int((logits.argmax(1) == targets).sum())
        record = {"epoch": epoch, "train_loss": total_loss / len(labels), "train_accuracy": correct / len(labels)}
        if validation is not None and (epoch % config.eval_every == 0 or epoch == epochs):
            with autocast(device):
                val_probabilities = predict_probabilities(averaging.current(model, averaged), validation[0], device)
            record |= {"val_loss": float(F.nll_loss(val_probabilities.clamp_min(1e-12).log(), validation[1])),
                       "val_accuracy": float((val_probabilities.argmax(1) == validation[1]).float().mean())}
        record["epoch_seconds"] = time.perf_counter() - epoch_start
        mlflow.log_metrics({k: v for k, v in record.items() if k != "epoch"}, step=epoch)
        held_out_accuracy = record.get("val_accuracy", held_out_accuracy)
        shown = {"loss": record["train_loss"], "val": held_out_accuracy}
        progress.set_postfix({name: f"{value:.3f}" for name, value in shown.items() if value is not None})
        history.append(record)
    return model, history, (averaged.module if averaged is not None else None)


def accuracies(model: nn.Module, images: torch.Tensor, distorted: torch.Tensor,
               labels: torch.Tensor) -> tuple[dict, np.ndarray, np.ndarray]:
    """Accuracy overall and by class on the held-out photos, clean and with their distractors (``distorted``), and
    the two predictions."""
    truth = labels.numpy()
    clean = predict_probabilities(model, images, "cpu").argmax(1).numpy()
    distracted = predict_probabilities(model, distorted, "cpu").argmax(1).numpy()
    metrics = {
        "accuracy": float(np.mean(clean == truth)), "accuracy_distorted": float(np.mean(distracted == truth)),
        **{f"accuracy_class_{k}": v for k, v in _accuracy_by_class(truth, clean).items()},
        **{f"accuracy_distorted_class_{k}": v for k, v in _accuracy_by_class(truth, distracted).items()},
    }
    return metrics, clean, distracted


def score_held_out(model: GarmentNet, images: torch.Tensor, distorted: torch.Tensor, labels: torch.Tensor) -> dict:
    """``accuracies`` on the held-out photos, with the confusion matrices and the misclassified photos logged."""
    from padl_shared.tracking import log_figure

    truth = labels.numpy()
    metrics, clean, distracted = accuracies(model, images, distorted, labels)
    log_figure(figures.confusion(truth, clean, f"held-out, clean ({metrics['accuracy']:.3f})"), "confusion_clean")
    log_figure(figures.confusion(truth, distracted, f"held-out, distorted ({metrics['accuracy_distorted']:.3f})"),
               "confusion_distorted")
    log_figure(figures.misclassified(images, truth, clean), "misclassified")
    return metrics


def refit_conclusion(config: TrainConfig, photos: int, split_run) -> str:
    trained = (f"Trained on all {photos} photos, with no held-out split of its own, for {epochs_to_run(config)} "
               f"epochs: the optimiser steps of the split run's {config.epochs}.")
    if split_run is None:
        return trained + (" No split run of this recipe is in the store: `invoke train --q 5 --holdout` with the same "
                          "settings measures it.")
    return (trained + f" The recipe's held-out accuracy, from split run {split_run.info.run_id} "
            f"({split_run.info.run_name}): {split_run.data.metrics['accuracy']:.3f} clean and "
            f"{split_run.data.metrics['accuracy_distorted']:.3f} with synthetic distractors, on fewer training photos.")


def train(config: TrainConfig, garments: tuple[torch.Tensor, torch.Tensor], output: Path,
          measuring: Callable[[], None] = lambda: None) -> dict:
    """Split ``garments`` (``data.load_folder``'s uint8 photos and labels), train on the training split (or every
    photo, refitting), score the held-out split clean and distorted, write the deliverable into ``output`` and log
    to the active run; the metrics. A refit calls ``measuring`` (the split run alongside ends) before it links to
    the split run that measured its recipe."""
    import mlflow
    from padl_shared.device import select_device
    from padl_shared.tracking import link_split_run, log_figure, record_result

    images, labels = garments
    copies_of = originals(images)
    shoot_of, train_rows, val_rows = split(config, images, labels)
    device = select_device(config.device)
    photos = downsized(images[train_rows], config.resolution)
    val_images, val_labels = images[val_rows].float() / 255, labels[val_rows]
    validation = (resize(val_images, config.resolution), val_labels) if len(val_rows) else None  # resized once
    started = time.perf_counter()
    last_step, history, averaged = fit(config, photos, labels[train_rows], device, validation)
    train_minutes = (time.perf_counter() - started) / 60

    model = (last_step if averaged is None else averaged).cpu().eval()  # scored and shipped as graded: float32
    saved = {"width": config.width, "resolution": config.resolution, "state": model.state_dict()}
    metrics = {"n_train": int(len(train_rows)), "n_val": int(len(val_rows)), "train_minutes": train_minutes,
               "seconds_per_epoch": float(np.mean([h["epoch_seconds"] for h in history])),
               "weights_bytes": GRADED.write(output, saved), "shoots": int(shoot_of.max()) + 1,
               **copies_found(labels, copies_of)}
    log_figure(figures.curves(history), "curves")
    if validation is None:
        measuring()
        conclusion = refit_conclusion(config, metrics["n_train"], link_split_run(config))
    else:
        mlflow.set_tag("held_out_sha256", held_out_fingerprint(val_rows))
        distorted = distort(val_images, seed=config.seed + 1)  # drawn once, scored for both sets of weights
        metrics |= score_held_out(model, val_images, distorted, val_labels)
        if averaged is not None:  # the same training's last-step weights beside them: a paired comparison
            unaveraged, _, _ = accuracies(last_step.cpu().eval(), val_images, distorted, val_labels)
            metrics |= {f"last_step_{key}": value for key, value in unaveraged.items()}
        conclusion = (f"Held-out accuracy {metrics['accuracy']:.3f} clean and {metrics['accuracy_distorted']:.3f} "
                      f"with synthetic noise, lines and warps, on {len(val_rows)} photos from shoots the network "
                      f"never saw, after {train_minutes:.1f} minutes of training from scratch on {device}.")
    if metrics["copied_photos"]:
        conclusion += (f" {metrics['copied_photos']} photos are exact copies of others "
                       f"({metrics['copies_labelled_otherwise']} under another class); each is in its "
                       "original's shoot, so on its side of the held-out split.")
    record_result(metrics, conclusion)
    return metrics


def run_training(args) -> dict:
    """The `train` command: load and validate the photos once, then, inside tagged MLflow runs, the refit on every
    photo that is handed in, with the split run that measures the recipe on held-out shoots alongside it
    (``padl_shared.alongside``; ``--holdout``: the split run alone). The refit's metrics, with the split run's
    under ``split_run``."""
    from padl_shared.alongside import refit_beside_split_run
    from padl_shared.cli import train_config
    from padl_shared.paths import repo_root, resolve_data
    from padl_shared.tracking import train_in_run

    config = train_config(TrainConfig, args, fast={"epochs": 3, "width": 16, "resolution": 64})
    folder = resolve_data(DEFAULT_FOLDER, config.data)
    garments = load_folder(folder, cache_dir=repo_root() / ".cache")  # bad input fails here, before any run

    def run(config: TrainConfig, measuring: Callable[[], None] = lambda: None) -> dict:
        name = f"q5 cnn w{config.width} r{config.resolution} e{epochs_to_run(config)} seed={config.seed}"
        return train_in_run(QUESTION, "q5", name + (" refit on every photo" if config.refit else ""), config,
                            {"garments": folder}, lambda output: train(config, garments, output, measuring))

    if not config.refit:
        return run(config)
    return refit_beside_split_run(QUESTION, args, lambda measuring: run(config, measuring), MEASURED)
