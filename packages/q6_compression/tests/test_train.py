import dataclasses

import mlflow
import pytest
import torch
import torch.nn.functional as F
from padl_shared.contract import import_deliverable
from padl_shared.metrics import ssim_per_image
from padl_shared.tracking import tracked_run
from q6_compression.data import load_faces
from q6_compression.deliverable import compress_images
from q6_compression.deliverable.compress_images import FaceCodec, refine
from q6_compression.train import TrainConfig, codec_loss, random_warp, split, train

TINY = dict(width=4, details=8, epochs=2, batch_size=8, unseen_people=1, seen_fraction=0.2, eval_every=1,
            other_camera=3)


def test_codec_shapes_and_range():
    model = FaceCodec(width=4, details=8, deform=8)
    images = torch.rand(3, 1, 192, 160)
    codes = model.encode(images)
    assert codes.shape == (3, 16)
    restored = model.decode(codes)
    assert restored.shape == (3, 1, 192, 160) and 0 <= restored.min() and restored.max() <= 1


def test_the_detail_path_starts_neutral():
    model = FaceCodec(width=4, details=8, deform=0)
    assert torch.count_nonzero(model.detail(torch.randn(3, 16))) == 0
    assert FaceCodec(width=4, details=0, deform=0).detail is None


def test_the_deform_path_starts_unbent_and_moves_pixels_along_its_field():
    torch.manual_seed(0)
    model = FaceCodec(width=4, details=8, deform=8).eval()
    plain = FaceCodec(width=4, details=8, deform=0).eval()
    plain.load_state_dict({k: v for k, v in model.state_dict().items() if not k.startswith("deform")})
    codes = torch.randn(3, 16)
    with torch.no_grad():
        assert torch.allclose(model.decode_half(codes), plain.decode_half(codes), atol=1e-5)
        grid_cells = compress_images.DEFORM_GRID[0] * compress_images.DEFORM_GRID[1]
        # x moves by one 96×80 pixel: each pixel reads its right neighbour
        model.deform[-1].bias[:grid_cells] = 2 / 80 / compress_images.FIELD_SCALE
        moved, unmoved = model.decode_half(codes), plain.decode_half(codes)
    assert torch.allclose(moved[..., :-1], unmoved[..., 1:], atol=1e-5)
    assert not torch.allclose(moved, unmoved, atol=1e-3)
    assert plain.deform is None


def test_a_first_training_step_moves_the_deform_field_by_less_than_a_pixel():
    """Adam's first step moves every weight by about the learning rate whatever its gradient; unscaled, the field's
    128 hidden units would add that up to several pixels at once, which stalled a full run (seed 2)."""
    torch.manual_seed(0)
    config = TrainConfig()
    model = FaceCodec(width=4, details=8, deform=config.deform)
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    images = torch.rand(8, 1, 192, 160) * torch.linspace(0, 1, 160)
    reconstruction = model.decode_half(model.encode(images))
    codec_loss(reconstruction, F.avg_pool2d(images, 2), config.ssim_weight, config.ssim_window).backward()
    optimiser.step()
    with torch.no_grad():
        field = model.field(model.encode(images))
    assert 0 < field.abs().max() < 2 / 80  # one 96×80 pixel, in grid_sample's units


def test_the_differentiable_ssim_is_scikit_images():
    torch.manual_seed(0)
    images = torch.rand(3, 1, 192, 160)
    blurred = torch.nn.functional.avg_pool2d(images, 3, stride=1, padding=1)
    expected = ssim_per_image(images, blurred)
    assert compress_images.ssim_per_image(blurred, images).numpy() == pytest.approx(expected, abs=1e-4)


def test_refining_codes_raises_ssim_and_leaves_the_decoder_alone():
    torch.manual_seed(0)
    model = FaceCodec(width=4, details=8, deform=8).eval().requires_grad_(False)
    images = torch.rand(4, 1, 192, 160) * torch.linspace(0, 1, 160)
    with torch.no_grad():
        codes = model.encode(images)
    before = [p.clone() for p in model.parameters()]
    refined = refine(model, images, codes, steps=10)
    with torch.no_grad():
        gain = compress_images.ssim_per_image(model.decode(refined), images) - \
            compress_images.ssim_per_image(model.decode(codes), images)
    assert refined.shape == codes.shape and bool((gain > 0).all()), gain
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))


def test_encode_sends_a_thumbnail_where_it_scores_higher_and_decode_draws_it():
    torch.manual_seed(0)
    model = FaceCodec(width=4, details=8, deform=8).eval().requires_grad_(False)
    torch.nn.init.normal_(model.detail[-1].weight, std=0.5)  # faces with structure, as after training
    code = torch.randn(1, 16)
    with torch.no_grad():
        drawn = model.decode(code)  # a face the codec draws exactly, from the code its encoder gives
    model.encode = lambda images: code.expand(len(images), 16).clone()
    flat = torch.full((1, 1, 192, 160), 0.4)  # a face that only a thumbnail draws exactly
    images = torch.cat([drawn, flat])
    codes = compress_images.encode_with(model, images)
    assert codes.shape == (2, 16) and codes.dtype == torch.float32
    assert compress_images.is_fallback(codes).tolist() == [False, True]
    restored = compress_images.decode_with(model, codes)
    assert restored.shape == (2, 1, 192, 160) and torch.allclose(restored[1], flat[0], atol=0.01)
    assert torch.allclose(restored[1:], compress_images.thumbnail(codes[1:] - compress_images.FALLBACK), atol=1e-4)
    assert compress_images.ssim_per_image(restored, images).min() > 0.99


def test_random_warps_are_seeded_per_face_and_vanish_at_strength_zero():
    faces = torch.rand(1, 1, 192, 160, generator=torch.Generator().manual_seed(0)).expand(4, 1, 192, 160)

    def warp(strength, seed=0):
        return random_warp(faces, strength, torch.Generator().manual_seed(seed))

    assert torch.allclose(warp(0.0), faces, atol=1e-4)  # resampling on its own grid: rounding error only
    warped = warp(1.0)
    assert warped.shape == faces.shape and 0 <= warped.min() and warped.max() <= 1
    assert not torch.allclose(warped[0], warped[1], atol=1e-3)  # each face its own warp
    assert torch.equal(warped, warp(1.0)) and not torch.equal(warped, warp(1.0, seed=1))


def test_loss_is_zero_for_a_perfect_reconstruction():
    images = torch.rand(2, 1, 192, 160)
    assert codec_loss(images, images, 0.85, window=4).item() == pytest.approx(0, abs=1e-5)
    assert codec_loss(torch.zeros_like(images), images, 0.85, window=4).item() > 0.1


def test_loss_with_the_graders_window_scores_as_the_grader():
    images = torch.rand(2, 1, 48, 40)
    blurred = torch.nn.functional.avg_pool2d(images, 3, stride=1, padding=1, count_include_pad=False)
    graded = 1 - ssim_per_image(images.numpy(), blurred.numpy()).mean()
    expected = 0.85 * graded + 0.15 * (images - blurred).abs().mean().item()
    assert codec_loss(blurred, images, 0.85, window=7).item() == pytest.approx(expected, abs=1e-4)


def test_tiny_training_logs_and_writes_the_deliverable(faces, store):
    output = store / "out"
    output.mkdir()
    config = TrainConfig(**TINY)
    with tracked_run("q6_test", "t", 0, config, {"faces": faces}) as run:
        metrics = train(config, load_faces(faces), output)
    assert metrics["n_unseen"] == 6 and metrics["n_train"] + metrics["n_seen"] == 18
    assert metrics["n_other_camera"] == 3
    for held_out in ("seen", "unseen", "other_camera"):
        assert 0 < metrics[f"pca_ssim_{held_out}"] <= 1 and 0 < metrics[f"thumbnail_ssim_{held_out}"] <= 1
        assert metrics[f"ssim_{held_out}"] >= metrics[f"encoder_only_ssim_{held_out}"]
        assert 0 <= metrics[f"fallback_share_{held_out}"] <= 1
    images, names = load_faces(faces)  # the seen people's score is the grader's, of the file written
    seen = images[split(config, names)["seen"]].float() / 255
    codec = import_deliverable(output / "compress_images.py")
    graded = ssim_per_image(seen.numpy(), codec.decode(codec.encode(seen)).numpy()).mean()
    assert metrics["ssim_seen"] == pytest.approx(graded, abs=1e-4)
    assert sorted(p.name for p in output.iterdir()) == ["compress_images.py", "compress_images_weights.pt"]
    figures = {a.path for a in mlflow.artifacts.list_artifacts(run_id=run.info.run_id, artifact_path="figures")}
    assert {"figures/curves.png", "figures/latent_sweep.png", "figures/ssim_histogram.png",
            "figures/reconstructions_seen.png", "figures/reconstructions_unseen.png",
            "figures/reconstructions_other_camera.png"} == figures
    client = mlflow.tracking.MlflowClient()
    assert [m.step for m in client.get_metric_history(run.info.run_id, "train_loss")] == [1, 2]
    assert [m.step for m in client.get_metric_history(run.info.run_id, "epoch_ssim_other_camera")] == [1, 2]
    conclusion = mlflow.get_run(run.info.run_id).data.tags["conclusion"]
    assert "3 faces from other cameras" in conclusion
    assert f"{metrics['fallback_share_other_camera']:.0%} of them sent as the polished thumbnail" in conclusion
    logged = mlflow.get_run(run.info.run_id).data.metrics  # the latest value of each: what the UI and bundle show
    assert {name: logged[name] for name in metrics} == pytest.approx(metrics)


def test_a_folder_whose_file_names_carry_no_person_id_trains_and_says_so(faces, store, capsys):
    for number, path in enumerate(sorted(faces.iterdir())):
        path.rename(faces / f"IMG_{number:04d}.png")
    config = TrainConfig(**{**TINY, "epochs": 1, "other_camera": 0, "unseen_people": 4})
    with tracked_run("q6_test", "no person ids", 0, config, {"faces": faces}) as run:
        metrics = train(config, load_faces(faces), store)
    assert metrics["n_unseen"] == 4 and metrics["n_train"] + metrics["n_seen"] == 20
    assert "each photo counted as its own person" in mlflow.get_run(run.info.run_id).data.tags["conclusion"]
    assert "note: the face file names carry no person id; the 4 unseen photos" in capsys.readouterr().err


def test_training_lowers_the_loss(faces, store):
    output = store / "out"
    output.mkdir()
    config = TrainConfig(**{**TINY, "epochs": 6})
    with tracked_run("q6_test", "t", 0, config, {"faces": faces}) as run:
        train(config, load_faces(faces), output)
    losses = [m.value for m in mlflow.tracking.MlflowClient().get_metric_history(run.info.run_id, "train_loss")]
    assert losses[-1] < losses[0]


def test_a_refit_trains_on_every_face_for_the_split_runs_steps(faces, store):
    split_config = TrainConfig(**{**TINY, "epochs": 4})  # 14 of the 24 faces train, 4 epochs
    refit_config = dataclasses.replace(split_config, refit=True)  # all 24 faces, 4 · 14 / 24 → 2 epochs
    for name in ("before", "split", "after"):
        (store / name).mkdir()
    with tracked_run("q6_test", "refit before any split run", 0, refit_config, {"faces": faces}) as before:
        train(refit_config, load_faces(faces), store / "before")
    with tracked_run("q6_test", "split", 0, split_config, {"faces": faces}) as split:
        split_metrics = train(split_config, load_faces(faces), store / "split")
    with tracked_run("q6_test", "refit", 0, refit_config, {"faces": faces}) as after:
        metrics = train(refit_config, load_faces(faces), store / "after")

    assert split_metrics["n_train"] == 14
    assert metrics["n_train"] == 24 and metrics["n_seen"] == metrics["n_unseen"] == 0 and "ssim_seen" not in metrics
    assert metrics["n_other_camera"] == 3 and 0 < metrics["thumbnail_ssim_other_camera"] <= 1  # held out even here
    assert len(mlflow.MlflowClient().get_metric_history(after.info.run_id, "train_loss")) == 2
    assert sorted(p.name for p in (store / "after").iterdir()) == ["compress_images.py", "compress_images_weights.pt"]
    figures = {a.path for a in mlflow.artifacts.list_artifacts(run_id=after.info.run_id, artifact_path="figures")}
    assert figures == {"figures/curves.png", "figures/latent_sweep.png", "figures/ssim_histogram.png",
                       "figures/reconstructions_other_camera.png"}
    tags = mlflow.get_run(after.info.run_id).data.tags
    assert tags["validated_by"] == split.info.run_id
    assert f"{split_metrics['ssim_seen']:.3f} on other photos of people seen in training" in tags["conclusion"]
    unvalidated = mlflow.get_run(before.info.run_id).data.tags
    assert "validated_by" not in unvalidated and "No split run of this recipe" in unvalidated["conclusion"]
    assert "3 faces from other cameras" in tags["conclusion"]


def test_a_run_averaging_its_tail_ships_the_average(faces, store, tail_averages):
    config = TrainConfig(**{**TINY, "epochs": 4}, average_from=0.5)
    (store / "out").mkdir()
    with tracked_run("q6_test", "averaged", 0, config, {"faces": faces}):
        train(config, load_faces(faces), store / "out")
    shipped = torch.load(store / "out" / "compress_images_weights.pt", weights_only=True)["state"]
    assert tail_averages[0].n_averaged > 1  # the half of the run's steps after the first half
    assert all(torch.equal(value, tail_averages[0].module.state_dict()[name].half()) for name, value in shipped.items()
               if value.is_floating_point())
