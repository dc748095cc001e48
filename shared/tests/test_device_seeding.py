import numpy as np
import pytest
import torch
from padl_shared.device import autocast, fast_dtype, select_device
from padl_shared.seeding import seed_everything


def test_explicit_and_environment_choices_win(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)  # even where CUDA would be the default
    assert select_device("cpu").type == "cpu"
    monkeypatch.setenv("PADL_DEVICE", "cpu")
    assert select_device().type == "cpu"
    assert select_device("meta").type == "meta"  # the argument beats the environment


@pytest.mark.parametrize(("cuda", "mps", "expected"), [(True, True, "cuda"), (False, True, "mps"),
                                                       (False, False, "cpu")])
def test_default_prefers_cuda_then_mps_then_cpu(monkeypatch, cuda, mps, expected):
    monkeypatch.delenv("PADL_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
    assert select_device().type == expected


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error on a machine without CUDA")
def test_asking_for_absent_cuda_is_a_clear_error():
    with pytest.raises(ValueError, match="CUDA is not available"):
        select_device("cuda")


def test_precision_follows_the_environment_and_autocast_uses_it(monkeypatch):
    cpu = torch.device("cpu")
    monkeypatch.setenv("PADL_PRECISION", "fp32")
    assert fast_dtype(cpu) == torch.float32
    with autocast(cpu):
        assert (torch.ones(2, 2) @ torch.ones(2, 2)).dtype == torch.float32
    monkeypatch.setenv("PADL_PRECISION", "bf16")
    with autocast(cpu):
        assert (torch.ones(2, 2) @ torch.ones(2, 2)).dtype == torch.bfloat16
    monkeypatch.setenv("PADL_PRECISION", "fp16")
    with pytest.raises(ValueError, match="PADL_PRECISION=fp16: expected fp32 or bf16"):
        fast_dtype(cpu)


def test_same_seed_same_numbers():
    draws = []
    for _ in range(2):
        seed_everything(5)
        draws.append((np.random.rand(3).tolist(), torch.rand(3).tolist()))
    assert draws[0] == draws[1]
    seed_everything(6)
    assert np.random.rand(3).tolist() != draws[0][0]
