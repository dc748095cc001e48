from padl_shared.contract import import_deliverable, run_deliverable

GRADED = "def check(x):\n    if x < 0:\n        raise ValueError('check: negative input')\n    return x\n"


def test_the_grader_like_process(tmp_path):
    (tmp_path / "graded.py").write_text(GRADED)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    passed = run_deliverable(tmp_path, "import graded\nexpect_value_errors({'negative': (graded.check, -1)})\n"
                                       "print('ok')", cwd=elsewhere)
    assert passed.returncode == 0 and "ok" in passed.stdout
    silent = run_deliverable(tmp_path, "import graded\nexpect_value_errors({'negative': (graded.check, 1)})",
                             cwd=elsewhere)
    assert silent.returncode != 0 and "no ValueError for negative" in silent.stderr
    blocked = run_deliverable(tmp_path, "import pandas", cwd=elsewhere)
    assert blocked.returncode != 0 and "No module named 'pandas'" in blocked.stderr
    probe = "import importlib.util\nprint(importlib.util.find_spec('pandas'))"
    probed = run_deliverable(tmp_path, probe, cwd=elsewhere)
    assert probed.returncode == 0 and probed.stdout.strip() == "None"  # as libraries probe for optional extras


def test_import_deliverable_by_path(tmp_path):
    (tmp_path / "graded.py").write_text(GRADED)
    assert import_deliverable(tmp_path / "graded.py").check(3) == 3


def test_weight_loads_are_tracked(tmp_path):
    import torch

    torch.save({"w": torch.zeros(1)}, tmp_path / "w.pt")
    script = ("import torch\ntorch.load({path!r}, weights_only={flag})\nexpect_loaded_once_safely(WEIGHT_LOADS)\n"
              "print('ok')")
    safe = run_deliverable(tmp_path, script.format(path=str(tmp_path / "w.pt"), flag=True), cwd=tmp_path)
    assert safe.returncode == 0 and "ok" in safe.stdout, safe.stderr
    unsafe = run_deliverable(tmp_path, script.format(path=str(tmp_path / "w.pt"), flag=False), cwd=tmp_path)
    assert unsafe.returncode != 0 and "weights loaded as" in unsafe.stderr
