import numpy as np
import pytest
import torch
from padl_shared.errors import DataError
from PIL import Image
from q6_compression.data import lfw_faces, load_faces, people_of, person_of, split_by_person


def test_decoded_once_then_read_from_the_cache(faces, tmp_path):
    images, names = load_faces(faces, tmp_path / "cache")
    assert images.shape == (24, 1, 192, 160) and images.dtype == torch.uint8
    assert len(list((tmp_path / "cache").glob("faces-*.pt"))) == 1
    (faces / names[0]).unlink()  # the cache is keyed by the folder's content, so a change is seen
    assert load_faces(faces, tmp_path / "cache")[0].shape[0] == 23
    cached, _ = load_faces(faces, tmp_path / "cache")
    assert torch.equal(cached, load_faces(faces)[0])


def test_wrong_size_names_the_file(faces):
    Image.fromarray(np.zeros((100, 100), dtype=np.uint8)).save(faces / "yaleB99_bad.png")
    with pytest.raises(DataError, match=r"yaleB99_bad.png: expected 192×160 pixels \(height×width\), got 100×100"):
        load_faces(faces)


def test_colour_faces_are_converted_and_counted(faces, capsys):
    grey = np.asarray(Image.open(next(faces.iterdir())))
    Image.fromarray(np.stack([grey] * 3, axis=-1)).save(faces / "yaleB99_colour.png")
    images, names = load_faces(faces)
    assert images.shape[0] == 25 and torch.equal(images[names.index("yaleB99_colour.png"), 0], torch.tensor(grey))
    assert "1 colour image(s) converted to grayscale (first: yaleB99_colour.png)" in capsys.readouterr().err


def test_empty_folder(tmp_path):
    with pytest.raises(DataError, match="no images"):
        load_faces(tmp_path)


def test_person_ids_where_the_names_carry_them_else_each_photo_its_own_person():
    assert person_of("yaleB01_P00A+035E+15.png") == "yaleB01"
    yale = ["yaleB01_P00A+035E+15.png", "yaleB01_P00A-010E+00.png", "yaleB02_P00A+000E+00.png"]
    assert list(people_of(yale)) == ["yaleB01", "yaleB01", "yaleB02"]
    camera = ["IMG_0001.png", "IMG_0002.png", "IMG_0003.png"]  # one shared prefix: not a person
    assert list(people_of(camera)) == ["IMG_0001", "IMG_0002", "IMG_0003"]
    assert list(people_of(["anna.png", "ben.png"])) == ["anna", "ben"]


def test_split_holds_out_whole_people(faces):
    _, names = load_faces(faces)
    split = split_by_person(names, unseen_people=1, seen_fraction=0.2, seed=0)
    people = {key: {person_of(names[i]) for i in idx} for key, idx in split.items()}
    assert len(people["unseen"]) == 1 and not people["unseen"] & (people["train"] | people["seen"])
    assert people["seen"] <= people["train"]
    assert sorted(np.concatenate(list(split.values()))) == list(range(len(names)))


def test_faces_from_other_cameras_are_grayscale_faces_of_the_codecs_size():
    faces = lfw_faces(5)
    assert faces.shape == (5, 1, 192, 160) and faces.dtype == torch.uint8
    assert faces.float().std() > 10  # a picture, not a blank
    assert len(lfw_faces(500)) == 100  # the sample's other 100 images are not faces
