import argparse
import dataclasses

import pytest
from padl_shared.cli import apply_train_options, run_cli


@dataclasses.dataclass
class Config:
    epochs: int = 100
    width: int = 32


def test_fast_then_epochs_are_applied_to_a_copy():
    config = Config()
    fast = {"epochs": 3, "width": 8}
    assert apply_train_options(config, argparse.Namespace(fast=False, epochs=None), fast) == Config()
    assert apply_train_options(config, argparse.Namespace(fast=True, epochs=None), fast) == Config(3, 8)
    assert apply_train_options(config, argparse.Namespace(fast=True, epochs=7), fast) == Config(7, 8)
    assert apply_train_options(config, argparse.Namespace(fast=False, epochs=7), fast) == Config(7, 32)
    assert config == Config()


def test_a_fast_setting_that_is_not_a_field_is_an_error():
    with pytest.raises(TypeError, match="depth"):
        apply_train_options(Config(), argparse.Namespace(fast=True, epochs=None), {"depth": 2})


@pytest.mark.parametrize("epochs", ["0", "-3", "two"])
def test_epochs_below_one_are_refused_before_training(epochs, capsys):
    def train(args):
        raise AssertionError("trained despite a bad --epochs")

    with pytest.raises(SystemExit) as exited:
        run_cli(train, train, ["train", "--epochs", epochs])
    assert exited.value.code == 2
    assert f"argument --epochs: must be a whole number of at least 1, got '{epochs}'" in capsys.readouterr().err
