import argparse
import dataclasses

import pytest
from padl_shared.cli import run_cli, train_config
from padl_shared.errors import DataError
from padl_shared.settings import changed_settings, describe, parse_overrides


@dataclasses.dataclass
class Config:
    data: str | None = None
    seed: int = 0
    epochs: int = 100
    width: int = 32
    lr: float = 3e-3
    flip: bool = True
    average_from: float | None = None
    refit: bool = False


def options(**given):
    return argparse.Namespace(**({"data": None, "seed": 0, "fast": False, "epochs": None, "set": [],
                                  "holdout": False} | given))


def test_fast_then_epochs_then_set_are_applied_in_that_order():
    fast = {"epochs": 3, "width": 8}
    assert train_config(Config, options(holdout=True), fast) == Config()
    assert train_config(Config, options(), fast) == Config(refit=True)
    assert train_config(Config, options(fast=True, holdout=True), fast) == Config(epochs=3, width=8)
    assert train_config(Config, options(fast=True, epochs=7, holdout=True), fast) == Config(epochs=7, width=8)
    assert train_config(Config, options(epochs=7, set=["epochs=9", "lr=1e-3"], holdout=True), fast) == \
        Config(epochs=9, lr=1e-3)


def test_set_parses_each_value_to_its_fields_type():
    parsed = parse_overrides(Config, ["width=24", "lr=1e-3", "flip=false", "average_from=none", "epochs= 5"], "q9")
    assert parsed == {"width": 24, "lr": 0.001, "flip": False, "average_from": None, "epochs": 5}
    assert parse_overrides(Config, ["average_from=0.5"], "q9") == {"average_from": 0.5}


@pytest.mark.parametrize(("pair", "message"), [
    ("nope=1", "--set nope=1: q9 has no setting 'nope'; the settings are: epochs, width, lr, flip, average_from"),
    ("seed=3", "q9 has no setting 'seed'"),
    ("epochs=abc", "--set epochs=abc: epochs takes a whole number (int), got 'abc'"),
    ("lr=fast", "--set lr=fast: lr takes a number (float), got 'fast'"),
    ("flip=maybe", "--set flip=maybe: flip takes true or false (bool), got 'maybe'"),
    ("epochs", "--set epochs: expected KEY=VALUE"),
])
def test_a_bad_setting_is_one_line_naming_it(pair, message):
    with pytest.raises(DataError) as error:
        parse_overrides(Config, [pair], "q9")
    assert message in str(error.value) and "\n" not in str(error.value)


def test_a_run_says_which_settings_it_changed():
    changed = changed_settings(Config(seed=4, epochs=9, lr=1e-3, refit=True))
    assert changed == {"epochs": 9, "lr": 0.001}
    assert describe(changed) == "epochs=9 lr=0.001"


def test_a_fast_setting_that_is_not_a_field_is_an_error():
    with pytest.raises(TypeError, match="depth"):
        train_config(Config, options(fast=True), {"depth": 2})


@pytest.mark.parametrize("epochs", ["0", "-3", "two"])
def test_epochs_below_one_are_refused_before_training(epochs, capsys):
    def train(args):
        raise AssertionError("trained despite a bad --epochs")

    with pytest.raises(SystemExit) as exited:
        run_cli(train, train, ["train", "--epochs", epochs])
    assert exited.value.code == 2
    assert f"argument --epochs: must be a whole number of at least 1, got '{epochs}'" in capsys.readouterr().err
