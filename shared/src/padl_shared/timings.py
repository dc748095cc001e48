"""`invoke timings`: how long the latest `invoke train` of each question took, read from the store's runs (the
refit and the split run that measured it), and the machine that ran them: the one place the timings come from."""

from __future__ import annotations

import os
import platform

from padl_shared.cli import print_json

QUESTIONS = ("q1_regression", "q2_clustering", "q3_embeddings", "q4_waist", "q5_garments", "q6_compression")


def machine() -> str:
    """The CPU's model name and the cores this process may use."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            model = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{model}, {len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()} cores"


def minutes(runs) -> float:
    """From the first run's start to the last one's end: a split run and its refit overlap (``alongside``)."""
    return (max(run.info.end_time for run in runs) - min(run.info.start_time for run in runs)) / 60000


def timings() -> dict:
    """Each question's latest finished run (and its split run), in minutes; printed as a table."""
    import mlflow

    from padl_shared.errors import DataError
    from padl_shared.tracking import latest_run

    rows, total = {}, 0.0
    print("| question | runs | minutes | seconds an epoch |\n| --- | --- | --- | --- |")
    for question in QUESTIONS:
        try:
            run = latest_run(question)
        except DataError:
            continue
        runs = [run]
        if "validated_by" in run.data.tags:
            runs.insert(0, mlflow.get_run(run.data.tags["validated_by"]))
        spent = minutes(runs)
        epoch = " / ".join(f"{each.data.metrics['seconds_per_epoch']:.1f}" for each in runs
                           if "seconds_per_epoch" in each.data.metrics)
        names = "split run + refit" if len(runs) == 2 else "train"
        print(f"| {question} | {names} | {spent:.1f} | {epoch or '–'} |")
        rows[question], total = spent, total + spent
    print(f"| all | | **{total:.1f}** | |\n\non {machine()}")
    return {"minutes": rows, "total_minutes": total, "machine": machine()}


if __name__ == "__main__":
    print_json(timings())
