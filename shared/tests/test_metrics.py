import itertools

import numpy as np
import pytest
from padl_shared.metrics import cluster_class_matching, clustering_accuracy, mae, r2, ssim_per_image
from skimage.metrics import structural_similarity


def brute_force_accuracy(truth, clusters):
    """Best one-to-one matching by trying every permutation: the reference for the Hungarian solver."""
    labels = np.unique(np.concatenate([truth, clusters]))
    best = 0.0
    for perm in itertools.permutations(labels):
        mapping = dict(zip(labels, perm))
        best = max(best, np.mean([mapping[c] == t for t, c in zip(truth, clusters)]))
    return best


@pytest.mark.parametrize("seed", range(5))
def test_clustering_accuracy_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 4, 60)
    clusters = np.where(rng.random(60) < 0.6, (truth + 1) % 4, rng.integers(0, 4, 60))
    assert clustering_accuracy(truth, clusters) == pytest.approx(brute_force_accuracy(truth, clusters))


def test_matching_is_one_to_one_where_a_majority_vote_is_not():
    # Clusters 0 and 1 both hold mostly class 0; a majority vote would give both to class 0 (accuracy 0.8).
    truth = np.array([0, 0, 0, 0, 1, 0, 0, 0, 1, 1])
    clusters = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    mapping = cluster_class_matching(truth, clusters)
    assert sorted(mapping.values()) == [0, 1]
    assert clustering_accuracy(truth, clusters) == pytest.approx(0.6)


def test_regression_metrics():
    y, p = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.5, 2.0, 2.5, 4.0])
    assert mae(y, p) == pytest.approx(0.25)
    assert r2(y, p) == pytest.approx(1 - 0.5 / 5.0)


def test_ssim_is_scikit_images_per_image_mean():
    rng = np.random.default_rng(0)
    images = rng.random((3, 1, 32, 24))
    noisy = np.clip(images + 0.1 * rng.normal(size=images.shape), 0, 1)
    expected = [structural_similarity(a[0], b[0], data_range=1.0) for a, b in zip(images, noisy)]
    assert ssim_per_image(images, noisy) == pytest.approx(expected)
    assert ssim_per_image(images, images) == pytest.approx(1.0)
