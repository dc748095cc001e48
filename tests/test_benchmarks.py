"""Every variant of the benchmarks runs: one tiny split run each, on generated data, as the benchmark would train it
(so that a change to the recipe cannot leave a variant behind that no longer runs)."""

import copy
import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import q5_ensemble  # noqa: E402
import q5_grouped_cv  # noqa: E402
import q5_partition_ensemble  # noqa: E402
import q5_test_time  # noqa: E402
import q5_variants  # noqa: E402
import q6_variants  # noqa: E402
from variant_run import train_variant  # noqa: E402


@pytest.fixture(scope="module")
def garments(tmp_path_factory):
    folder = tmp_path_factory.mktemp("garment_images")
    for label in range(3):
        (folder / f"class_{label}").mkdir()
        for index in range(4):
            pixels = np.full((64, 64, 3), 30 + 40 * index, dtype=np.uint8)
            pixels[..., label] = 220
            Image.fromarray(pixels).save(folder / f"class_{label}" / f"{index}.png")
    return folder


@pytest.fixture(scope="module")
def faces(tmp_path_factory):
    folder = tmp_path_factory.mktemp("face_images")
    rng = np.random.default_rng(0)
    for person in range(4):
        for photo in range(3):
            pixels = rng.uniform(0, 255, size=(192, 160)).astype(np.uint8)
            Image.fromarray(pixels).save(folder / f"yaleB{person:02d}_P{photo}.png")
    return folder


@pytest.mark.parametrize("variant", sorted(q5_variants.VARIANTS))
def test_every_q5_variant_trains(variant, garments, store):
    tiny = {"epochs": 1, "width": 4, "resolution": 32, "batch_size": 6, "val_fraction": 0.25, "eval_every": 1}
    metrics = train_variant(q5_variants.training, "q5", variant, q5_variants.VARIANTS, garments, "garments", **tiny)
    assert metrics["n_train"] == 9 and 0 <= metrics["accuracy"] <= 1


@pytest.mark.parametrize("variant", sorted(q6_variants.VARIANTS))
def test_every_q6_variant_trains(variant, faces, store):
    tiny = {"epochs": 1, "width": 4, "details": 8, "deform": 8, "batch_size": 4, "unseen_people": 1,
            "seen_fraction": 0.2, "other_camera": 0, "eval_every": 1}
    metrics = train_variant(q6_variants.training, "q6", variant, q6_variants.VARIANTS, faces, "faces", **tiny)
    assert metrics["n_unseen"] == 3 and 0 < metrics["ssim_seen"] <= 1


def test_mixstyle_gives_each_map_the_mixed_statistics_and_leaves_evaluation_alone():
    torch.manual_seed(0)
    features = torch.randn(4, 3, 8, 8) * torch.tensor([1.0, 2.0, 3.0, 4.0]).view(4, 1, 1, 1) + 5
    mixed = q5_variants.mix_styles(features, np.random.default_rng(1), alpha=0.1)
    rng = np.random.default_rng(1)
    share = torch.from_numpy(rng.beta(0.1, 0.1, size=(4, 1, 1))).float()
    other = torch.from_numpy(rng.permutation(4))
    mean, sd = features.mean(dim=(2, 3)), features.var(dim=(2, 3)).sqrt()
    assert torch.allclose(mixed.mean(dim=(2, 3)), share[..., 0] * mean + (1 - share[..., 0]) * mean[other], atol=1e-4)
    assert torch.allclose(mixed.var(dim=(2, 3)).sqrt(), share[..., 0] * sd + (1 - share[..., 0]) * sd[other],
                          atol=1e-3)

    network = q5_variants.mixstyle_net(4, 32, probability=1.0)
    plain = q5_variants.GarmentNet(4, 32)
    plain.load_state_dict(network.state_dict())
    images = torch.rand(6, 3, 32, 32)
    with torch.no_grad():
        assert torch.equal(network.eval()(images), plain.eval()(images))  # what predict_class.py will run
        assert torch.equal(plain.train().features(images), plain.features(images))  # no other randomness there
        assert not torch.allclose(network.train().features(images), plain.features(images))


def test_the_identity_lighting_codec_keeps_the_contract_and_bends_by_identity_alone():
    torch.manual_seed(0)
    codec = q6_variants.IdentityLightingCodec(width=4, details=8, deform=8).eval()
    torch.nn.init.normal_(codec.deform[-1].weight)  # a field that is not zero, as after training
    codes = codec.encode(torch.rand(3, 1, 192, 160))
    assert codes.shape == (3, 16) and codes.dtype == torch.float32
    with torch.no_grad():
        restored = codec.decode(codes)
        assert restored.shape == (3, 1, 192, 160) and 0 <= restored.min() and restored.max() <= 1
        relit = codes.clone()
        relit[:, : q6_variants.LIGHTING] += 1.0
        assert codec.field(codes).abs().max() > 0  # the face's shape does not move with the light:
        assert torch.equal(codec.field(relit), codec.field(codes))
        assert not torch.allclose(codec.decode(relit), restored)


def test_the_full_size_loss_takes_over_for_the_last_share_of_the_run():
    torch.manual_seed(0)
    faces, config = torch.rand(2, 1, 192, 160), q6_variants.training.TrainConfig()
    half = torch.nn.functional.avg_pool2d(faces, 2)
    loss = q6_variants.full_size_late(0.25)
    assert loss(half, faces, config, 0.7) == q6_variants.half_size_loss(half, faces, config, 0.7)
    late = q6_variants.codec_loss(q6_variants.full_size(half), faces, config.ssim_weight, window=7)
    assert loss(half, faces, config, 0.8) == late != q6_variants.half_size_loss(half, faces, config, 0.8)


def test_a_q5_variant_runs_on_the_grouped_folds_apart_from_the_recipe(garments, store):
    tiny = {"epochs": 1, "width": 4, "resolution": 32, "batch_size": 6, "val_fraction": 0.25, "eval_every": 1,
            "photos_per_shoot": 2}
    config = dataclasses.replace(q5_grouped_cv.variant_of("without-erasing-recolour")[0], **tiny)
    metrics = q5_grouped_cv.train_fold(config, garments, "without-erasing-recolour")
    summary = q5_grouped_cv.report(config, "without-erasing-recolour")
    assert list(summary["folds"]) == [0] and summary["accuracy"]["mean"] == metrics["accuracy"]
    assert q5_grouped_cv.report(config)["folds"] == {}  # the recipe's estimate never counts a variant's run


def test_the_recipe_on_the_grouped_folds_reports_its_last_step_and_the_paired_gain_of_averaging(garments, store):
    config = q5_grouped_cv.training.TrainConfig(epochs=4, width=4, resolution=32, batch_size=6, val_fraction=0.25,
                                                eval_every=1, photos_per_shoot=2)
    runs = [q5_grouped_cv.train_fold(dataclasses.replace(config, fold=fold), garments) for fold in (0, 1)]
    summary = q5_grouped_cv.report(config)
    for key in q5_grouped_cv.HEADLINE:
        gains = [run[key] - run[f"last_step_{key}"] for run in runs]
        assert summary[f"last_step_{key}"]["mean"] == pytest.approx(np.mean([run[f"last_step_{key}"] for run in runs]))
        assert summary[f"averaging_gain_{key}"] == pytest.approx({"mean": np.mean(gains),
                                                                  "se": np.std(gains, ddof=1) / np.sqrt(2)})


def test_the_grouped_estimate_pools_the_hold_outs_of_several_partitions(garments, store):
    tiny = q5_grouped_cv.training.TrainConfig(epochs=1, width=4, resolution=32, batch_size=6, val_fraction=0.25,
                                              eval_every=1, photos_per_shoot=2)
    configs = [dataclasses.replace(tiny, seed=seed) for seed in (1, 2)]
    held_out = [(configs[0], 0), (configs[0], 1), (configs[1], 0)]  # pooled ≠ the mean of the seeds' means
    runs = [q5_grouped_cv.train_fold(dataclasses.replace(config, fold=fold), garments) for config, fold in held_out]
    summary = q5_grouped_cv.pooled([q5_grouped_cv.report(config) for config in configs])
    assert summary["hold_outs"] == 3
    for key in q5_grouped_cv.HEADLINE:
        values = [run[key] for run in runs]
        assert summary[key] == pytest.approx({"mean": np.mean(values), "sd": np.std(values, ddof=1)})


def test_q5_test_time_reloads_each_fold_model_and_scores_it_as_training_did(garments, store):
    tiny = q5_grouped_cv.training.TrainConfig(epochs=1, width=4, resolution=32, batch_size=6, val_fraction=0.25,
                                              eval_every=1, photos_per_shoot=2)
    q5_grouped_cv.train_fold(tiny, garments)
    scores = q5_test_time.score_fold(tiny, q5_test_time.training.load(tiny, garments, None))
    for view in q5_test_time.VIEWS:
        assert scores[view] == scores[f"{view}_logged"]  # the stored weights give the run's own number
    # the generated photos are flat colours, their own mirror images: the single view agrees with the average
    assert scores["accuracy_single_view"] == scores["accuracy"]
    for order in q5_test_time.ORDERS:
        assert 0 <= scores[f"accuracy_distorted_adapted_{order}"] <= 1


def test_prediction_time_norm_blends_the_trained_statistics_with_the_batch_by_their_weights():
    torch.manual_seed(0)
    model = q5_test_time.training.GarmentNet(4, 32)
    with torch.no_grad():  # training statistics unlike a batch's, so that the blend shows
        for layer in model.modules():
            if isinstance(layer, torch.nn.BatchNorm2d):
                layer.running_mean.uniform_(-1, 1), layer.running_var.uniform_(0.5, 2)
    photos = torch.rand(8, 3, 32, 32)
    batch_statistics = copy.deepcopy(model).eval()
    for layer in batch_statistics.modules():
        if isinstance(layer, torch.nn.BatchNorm2d):
            layer.train()
    trained, by_batch = model.eval()(photos), batch_statistics(photos)
    assert not torch.allclose(trained, by_batch, atol=1e-3)
    stubborn = q5_test_time.with_prediction_time_norm(copy.deepcopy(model), prior=1e9)
    assert torch.allclose(stubborn(photos), trained, atol=1e-4)  # a vast prior: the training statistics
    assert torch.allclose(q5_test_time.with_prediction_time_norm(model, prior=0)(photos), by_batch, atol=1e-4)
    one_at_a_time = q5_test_time.probabilities_in_order(model, photos, np.array([3, 0, 7, 1, 6, 2, 5, 4]), chunk=1)
    alone = torch.cat([q5_test_time.training.class_probabilities(model, photo[None]) for photo in photos])
    assert torch.allclose(one_at_a_time, alone, atol=1e-5)


def test_the_q5_ensemble_scores_each_member_and_their_average_on_a_grouped_fold(garments, store):
    tiny = q5_ensemble.training.TrainConfig(epochs=2, width=4, resolution=32, batch_size=6, val_fraction=0.25,
                                            eval_every=1, photos_per_shoot=2)
    data = q5_ensemble.training.load(tiny, garments, None)
    metrics = q5_ensemble.run_fold(tiny, 2, garments, data)
    assert metrics["n_train"] + metrics["n_val"] == 12 and metrics["n_val"] > 0
    for view in q5_ensemble.VIEWS:
        assert {f"{view}_member_0", f"{view}_member_1"} <= metrics.keys() and 0 <= metrics[view] <= 1
    summary = q5_ensemble.summary(tiny, 2)
    assert summary["folds"] == [0] and summary["accuracy"]["mean"] == metrics["accuracy"]
    alone = q5_ensemble.run_fold(tiny, 1, garments, data)  # an ensemble of one is that network
    assert alone["accuracy"] == alone["accuracy_member_0"]
    assert alone["accuracy_distorted"] == alone["accuracy_distorted_member_0"]


def test_a_partition_ensemble_scores_each_photo_by_the_fold_networks_that_held_it_out(garments, store):
    tiny = q5_grouped_cv.training.TrainConfig(epochs=1, width=4, resolution=32, batch_size=6, val_fraction=0.5,
                                              eval_every=1, photos_per_shoot=2)
    pooled = []  # each partition's accuracy over all 12 photos, from what its fold runs logged
    for seed in (1, 2):
        runs = [q5_grouped_cv.train_fold(dataclasses.replace(tiny, seed=seed, fold=fold), garments) for fold in (0, 1)]
        pooled.append(sum(run["accuracy"] * run["n_val"] for run in runs) / 12)
    summary = q5_partition_ensemble.partition_ensemble(tiny, [1, 2], q5_grouped_cv.training.load(tiny, garments, None))
    assert summary["photos"] == 12 and summary["partitions"] == 2
    assert summary["accuracy_1"]["mean"] == pytest.approx(np.mean(pooled))
    assert summary["accuracy_1"]["min"] == pytest.approx(min(pooled))
    assert summary["accuracy_2"]["min"] == summary["accuracy_2"]["max"]  # one choice of both partitions
    assert 0 <= summary["shoot_mates_seen"] <= 1


def test_an_ensemble_averages_its_members_softmax_and_every_choice_of_them_is_scored():
    labels = np.array([0, 1])
    # each member gets one photo right, and is surer where it is right than where it is wrong
    first, second = np.array([[0.9, 0.1, 0.0], [0.6, 0.4, 0.0]]), np.array([[0.4, 0.6, 0.0], [0.0, 1.0, 0.0]])
    summary = q5_partition_ensemble.ensembles([{"accuracy": first}, {"accuracy": second}], labels)
    assert summary["accuracy_1"] == {"mean": 0.5, "min": 0.5, "max": 0.5}
    assert summary["accuracy_2"] == {"mean": 1.0, "min": 1.0, "max": 1.0}  # the average gets both right


def test_shoot_mates_seen_counts_the_mates_another_partition_trained_on():
    shoots, folds = np.array([0, 0, 1, 1]), np.array([0, 0, 1, 1])
    assert q5_partition_ensemble.shoot_mates_seen([folds, folds], [shoots, shoots]) == 0
    # the other partition clusters otherwise, and keeps its own shoots whole: each photo's mate under either
    # clustering is on the other side of the other's split
    other = np.array([0, 1, 1, 0])
    assert q5_partition_ensemble.shoot_mates_seen([folds, other], [shoots, other]) == 1
