import shutil

import numpy as np
import pytest
import torch
from padl_shared.errors import DataError
from q5_garments.augment import add_noise, distort, draw_lines
from q5_garments.data import load_folder, originals


def test_decoded_once_and_cached(garments, tmp_path):
    images, labels = load_folder(garments, cache_dir=tmp_path / "cache")
    assert images.shape == (18, 3, 256, 256) and images.dtype == torch.uint8
    assert labels.tolist() == [0] * 6 + [1] * 6 + [2] * 6
    assert len(list((tmp_path / "cache").glob("garments-*.pt"))) == 1
    cached, _ = load_folder(garments, cache_dir=tmp_path / "cache")
    assert torch.equal(cached, images)


def test_exact_copies_point_at_their_original(garments):
    shutil.copy(garments / "class_0" / "0.jpg", garments / "class_0" / "copy.jpg")  # row 6, after 0..5.jpg
    shutil.copy(garments / "class_0" / "0.jpg", garments / "class_1" / "mislabelled.jpg")  # row 13
    images, _ = load_folder(garments)
    expected = np.arange(20)
    expected[[6, 13]] = 0
    assert originals(images).tolist() == expected.tolist()


def test_missing_class_folder(garments):
    for path in (garments / "class_2").iterdir():
        path.unlink()
    (garments / "class_2").rmdir()
    with pytest.raises(DataError, match=r"missing class_2/ \(jeans\)"):
        load_folder(garments)


def test_unreadable_image_is_named(garments):
    (garments / "class_1" / "broken.jpg").write_text("not a jpeg")
    with pytest.raises(DataError, match="broken.jpg: not a readable image"):
        load_folder(garments)


def test_distractors_change_pixels_and_stay_in_range():
    images = torch.full((4, 3, 64, 64), 0.5)
    generator = torch.Generator().manual_seed(0)
    lined = draw_lines(images, generator, max_lines=4, max_width=0.1)
    assert lined.shape == images.shape and not torch.equal(lined, images)
    noisy = add_noise(images, generator)
    assert noisy.min() >= 0 and noisy.max() <= 1
    assert torch.equal(distort(images, seed=3), distort(images, seed=3))
