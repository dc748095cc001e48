import torch
from q5_garments.augment import (
    _homography,
    augment_batch,
    erase,
    garment_layers,
    paste_on_backgrounds,
    random_geometry,
    recolour,
    warp,
)


def test_homography_maps_each_source_quadrilateral_onto_its_target():
    source = torch.tensor([[[-0.8, -0.9], [0.7, -0.6], [0.9, 0.8], [-0.6, 0.7]]])
    target = torch.tensor([[[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]]])
    mapped = torch.cat([source, torch.ones(1, 4, 1)], -1) @ _homography(source, target).transpose(1, 2)
    assert torch.allclose(mapped[..., :2] / mapped[..., 2:], target, atol=1e-5)


def test_identity_geometry_leaves_images_unchanged():
    images = torch.rand(2, 3, 16, 16)
    assert torch.allclose(warp(images, torch.eye(3).repeat(2, 1, 1)), images, atol=1e-5)


def test_augmentation_is_seeded_drawn_per_photo_and_stays_in_range():
    photos = torch.full((6, 3, 32, 32), 128, dtype=torch.uint8)
    photos[:, :, 8:24, 12:20] = 255  # the same photo six times
    first = augment_batch(photos, torch.Generator().manual_seed(1), None, 0.5, 0.2)
    assert first.shape == (6, 3, 32, 32) and first.dtype == torch.float32
    assert first.min() >= 0 and first.max() <= 1
    assert torch.equal(first, augment_batch(photos, torch.Generator().manual_seed(1), None, 0.5, 0.2))
    assert not torch.equal(first[0], first[1])
    geometry = random_geometry(500, torch.Generator().manual_seed(2))
    mirrored = geometry[:, 0, 0] < 0
    assert 0.4 < mirrored.float().mean() < 0.6  # half the photos flipped


def test_warping_into_half_the_side_samples_the_photo_at_half_resolution():
    images = torch.rand(2, 3, 16, 16)
    halved = warp(images, torch.eye(3).repeat(2, 1, 1), size=8)
    assert torch.allclose(halved, torch.nn.functional.avg_pool2d(images, 2), atol=1e-5)
    photos = torch.randint(0, 256, (3, 3, 48, 48), dtype=torch.uint8)
    assert augment_batch(photos, torch.Generator().manual_seed(0), 32, 0.5, 0.2).shape == (3, 3, 32, 32)


def test_recolouring_reorders_the_channels_of_its_share_of_the_photos():
    photos = torch.rand(400, 3, 4, 4)
    recoloured = recolour(photos, torch.Generator().manual_seed(0), share=0.2)
    changed = (recoloured != photos).flatten(1).any(1)
    assert 0.12 < changed.float().mean() < 0.28
    assert torch.equal(recoloured.sort(1).values, photos.sort(1).values)  # the same values, in another order
    assert recolour(photos, torch.Generator(), share=0) is photos


def test_erasing_fills_one_rectangle_of_its_share_of_the_photos_with_noise():
    photos = torch.zeros(400, 3, 20, 20)
    erased = erase(photos, torch.Generator().manual_seed(0), share=0.5)
    covered = (erased != 0).any(1)  # pixels drawn into
    hit = covered.flatten(1).any(1)
    assert 0.4 < hit.float().mean() < 0.6
    area = covered[hit].flatten(1).float().mean(1)
    assert area.max() <= 0.3
    rows, columns = covered[hit].any(2), covered[hit].any(1)  # a rectangle: its pixels are its rows × its columns
    assert torch.equal(covered[hit].sum((1, 2)), rows.sum(1) * columns.sum(1))
    assert erase(photos, torch.Generator(), share=0) is photos


def garments_on_plain_floors(count: int = 4, side: int = 48) -> torch.Tensor:
    """uint8 photos: a plain floor of its own colour each, a little noise, a garment-coloured block in the centre."""
    generator = torch.Generator().manual_seed(0)
    floors = torch.randint(0, 120, (count, 3, 1, 1), generator=generator)
    photos = floors + torch.randint(0, 8, (count, 3, side, side), generator=generator)
    photos[:, :, 12:36, 16:32] = torch.tensor([230, 200, 40]).view(3, 1, 1)
    return photos.to(torch.uint8)


def test_the_garment_mask_is_the_centre_that_differs_from_a_plain_border():
    photos = garments_on_plain_floors()
    masks, backgrounds = garment_layers(photos)
    expected = torch.zeros(48, 48, dtype=torch.bool)
    expected[12:36, 16:32] = True
    assert all(torch.equal(mask, expected) for mask in masks)
    assert backgrounds.shape == photos.shape and backgrounds.dtype == torch.uint8
    floors = photos[:, :, :4].float().mean((2, 3))
    filled = backgrounds[:, :, 12:36, 16:32].float().mean((2, 3))  # the garment gone, the floor's colour instead
    assert torch.allclose(filled, floors, atol=6)


def test_a_photo_without_a_garment_apart_from_its_floor_gives_no_mask_and_no_background():
    photos = garments_on_plain_floors()
    photos[1] = photos[1, :, :1, :1]  # all floor
    photos[2, :, 1:47, 1:47] = torch.tensor([230, 200, 40]).view(3, 1, 1)  # a garment over 90 % of the photo
    masks, backgrounds = garment_layers(photos)
    assert masks.flatten(1).any(1).tolist() == [True, False, False, True] and len(backgrounds) == 2


def test_pasting_puts_the_garment_on_another_background_for_its_share():
    photos = garments_on_plain_floors(count=200)
    masks, backgrounds = garment_layers(photos)
    floors = torch.full((3, 3, 48, 48), 255, dtype=torch.uint8)
    pasted = paste_on_backgrounds(photos, masks, floors, torch.Generator().manual_seed(0), share=0.5)
    moved = (pasted != photos).flatten(1).any(1)
    assert 0.4 < moved.float().mean() < 0.6
    on_white = torch.where(masks[:, None], photos, 255)  # the garment kept, everything else the new background
    assert torch.equal(pasted[moved], on_white[moved]) and torch.equal(pasted[~moved], photos[~moved])
    untouched = torch.Generator().manual_seed(3)
    assert paste_on_backgrounds(photos, masks, floors, untouched, share=0.0) is photos
    assert torch.equal(untouched.get_state(), torch.Generator().manual_seed(3).get_state())
