"""Question 1: fit parts a, b and c by cross-validation, log them to the active MLflow run."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.linear_model import lars_path
from sklearn.model_selection import GridSearchCV, KFold, cross_val_predict, cross_val_score
from sklearn.preprocessing import StandardScaler

from q1_regression import model as models
from q1_regression.data import PART_FILES, load_xy

QUESTION = "q1_regression"
VALIDATION = ("`invoke train --q 1` already cross-validates: each part's choice and its R² come from 5-fold CV "
              "(TrainConfig.cv_folds); `--seed` draws other folds")


@dataclasses.dataclass
class TrainConfig:
    data: str | None = None  # a folder holding PADL-Q11/12/13-train.csv; None: the default places
    seed: int = 0
    cv_folds: int = 5
    max_degree: int = 3  # part a searches degrees 1..max_degree
    r2_fraction: float = 0.9  # part b keeps CV R² >= r2_fraction × the unregularised model's
    points_per_segment: int = 5  # part b: alphas tried inside each segment of the Lasso path
    top_terms: int = 5


def _folds(config: TrainConfig) -> KFold:
    return KFold(config.cv_folds, shuffle=True, random_state=config.seed)


def _predicted_vs_actual(y, predicted, title: str):
    figure, axes = plt.subplots(figsize=(5, 5))
    axes.scatter(y, predicted, s=10, alpha=0.7)
    low, high = float(np.min(y)), float(np.max(y))
    axes.plot([low, high], [low, high], color="black", linewidth=1)
    axes.set(xlabel="actual out", ylabel="cross-validated prediction", title=title)
    figure.tight_layout()
    return figure


def fit_part_a(X: pd.DataFrame, y: pd.Series, config: TrainConfig) -> dict:
    """Polynomial ridge: degree and strength chosen together by cross-validated R²."""
    search = GridSearchCV(models.polynomial_ridge(), models.polynomial_ridge_grid(config.max_degree),
                          cv=_folds(config), scoring="r2")
    search.fit(X, y)
    best = search.best_estimator_
    names = best.named_steps["poly"].get_feature_names_out(X.columns)
    coefficients = pd.Series(best.named_steps["ridge"].coef_, index=names)
    top = coefficients.reindex(coefficients.abs().sort_values(ascending=False).index)[: config.top_terms]
    predicted = cross_val_predict(best, X, y, cv=_folds(config))
    return {
        "model": best,
        "metrics": {"cv_r2": float(search.best_score_), "degree": int(search.best_params_["poly__degree"]),
                    "alpha": float(search.best_params_["ridge__alpha"])},
        "largest_terms": {name: round(float(value), 6) for name, value in top.items()},
        "coefficients": coefficients,
        "figure": _predicted_vs_actual(y, predicted, f"Q1a: degree {search.best_params_['poly__degree']} ridge"),
    }


def lasso_path_alphas(X: pd.DataFrame, y: pd.Series, points_per_segment: int) -> tuple[np.ndarray, np.ndarray]:
    """The exact Lasso path's breakpoints (LARS) and alphas spread inside every segment between them.

    Between two breakpoints the set of zero coefficients is fixed, so the segments enumerate every
    sparsity pattern the Lasso can reach; the interior points let CV see each pattern's best fit.
    """
    scaled = StandardScaler().fit_transform(X)
    breakpoints, _, _ = lars_path(scaled, y.to_numpy() - y.mean(), method="lasso")
    candidates = []
    fractions = np.linspace(0.02, 0.98, points_per_segment)
    for upper, lower in zip(breakpoints[:-1], breakpoints[1:]):
        lower = max(lower, upper * 1e-3)  # the last segment ends at 0, the unpenalised fit
        candidates.extend(lower + fractions * (upper - lower))
    return breakpoints, np.unique(candidates)[::-1]


def fit_part_b(X: pd.DataFrame, y: pd.Series, config: TrainConfig) -> dict:
    """The Lasso with the most zero coefficients whose CV R² stays ≥ r2_fraction × the OLS's."""
    folds = _folds(config)
    baseline = models.ordinary_least_squares()
    baseline_r2 = float(cross_val_score(baseline, X, y, cv=folds, scoring="r2").mean())
    threshold = config.r2_fraction * baseline_r2
    breakpoints, alphas = lasso_path_alphas(X, y, config.points_per_segment)
    rows = []
    for alpha in alphas:
        fitted = models.scaled_lasso(alpha).fit(X, y)
        rows.append({"alpha": float(alpha), "zeros": int(np.sum(fitted[-1].coef_ == 0)),
                     "cv_r2": float(cross_val_score(models.scaled_lasso(alpha), X, y, cv=folds).mean())})
    path = pd.DataFrame(rows)
    eligible = path[path.cv_r2 >= threshold]
    chosen = eligible.sort_values(["zeros", "cv_r2"], ascending=[False, False]).iloc[0]
    lasso = models.scaled_lasso(float(chosen.alpha)).fit(X, y)
    baseline.fit(X, y)
    scale = lasso[0].scale_
    table = pd.DataFrame({"ols": baseline[-1].coef_ / scale, "lasso": lasso[-1].coef_ / scale}, index=X.columns)

    figure, zeros_axes = plt.subplots(figsize=(7, 4))
    zeros_axes.step(path.alpha, path.zeros, where="post", color="tab:blue")
    zeros_axes.set(xscale="log", xlabel="alpha", ylabel="zero coefficients")
    r2_axes = zeros_axes.twinx()
    r2_axes.plot(path.alpha, path.cv_r2, color="tab:orange")
    r2_axes.axhline(threshold, color="tab:orange", linestyle="--", linewidth=1)
    r2_axes.set(ylabel=f"CV R² (dashed: {config.r2_fraction} × OLS)", ylim=(min(0, path.cv_r2.min()), 1.02))
    zeros_axes.axvline(chosen.alpha, color="black", linewidth=1)
    zeros_axes.set_title(f"Q1b Lasso path: alpha {chosen.alpha:.4g}, {int(chosen.zeros)} zeros")
    figure.tight_layout()
    return {
        "model": lasso,
        "baseline": baseline,
        "metrics": {"alpha": float(chosen.alpha), "zero_coefs": int(chosen.zeros), "n_coefs": int(X.shape[1]),
                    "cv_r2": float(chosen.cv_r2), "baseline_cv_r2": baseline_r2,
                    "path_breakpoints": int(len(breakpoints))},
        "coefficients": table,
        "path": path,
        "figure": figure,
    }


def fit_part_c(X: pd.DataFrame, y: pd.Series, config: TrainConfig) -> dict:
    """Every candidate preprocessing in front of a linear model, scored by the same CV folds."""
    folds = _folds(config)
    scores = {name: float(cross_val_score(pipe, X, y, cv=folds, scoring="r2").mean())
              for name, pipe in models.preprocessing_candidates(len(X)).items()}
    baseline_name = next(iter(scores))
    best_name = max(scores, key=scores.get)
    best = models.preprocessing_candidates(len(X))[best_name].fit(X, y)

    figure, axes = plt.subplots(figsize=(7, 4))
    ordered = sorted(scores, key=scores.get)
    axes.barh(ordered, [scores[name] for name in ordered],
              color=["tab:green" if name == best_name else "tab:gray" for name in ordered])
    axes.set(xlabel="cross-validated R²", title="Q1c: preprocessing for a linear model",
             xlim=(min(0, min(scores.values())), 1))
    figure.tight_layout()
    return {
        "model": best,
        "metrics": {"cv_r2": scores[best_name], "baseline_cv_r2": scores[baseline_name],
                    "gain": scores[best_name] - scores[baseline_name]},
        "preprocessing": best_name,
        "scores": scores,
        "figure": figure,
    }


def _log_part(part: str, result: dict, X: pd.DataFrame) -> None:
    import mlflow
    from padl_shared.tracking import log_figure, log_sklearn_model

    mlflow.log_metrics({f"{part}.{key}": value for key, value in result["metrics"].items()})
    log_figure(result["figure"], f"q1{part}")
    for suffix, fitted in (("", result["model"]), ("_baseline", result.get("baseline"))):
        if fitted is not None:
            log_sklearn_model(fitted, f"model_{part}{suffix}", X.head(5))


def train(config: TrainConfig, files: dict[str, Path], output: Path | None = None) -> dict:
    """Fit the three parts on their files, log them to the active MLflow run; the headline metrics.

    ``output``, when given, receives a ``summary.json`` and each part's fitted model (MLflow format).
    """
    import mlflow
    from padl_shared.tracking import save_sklearn_model

    data = {part: load_xy(path) for part, path in files.items()}  # validate all before fitting any
    fitters = {"a": fit_part_a, "b": fit_part_b, "c": fit_part_c}
    results = {part: fitters[part](*data[part], config) for part in files}
    summary: dict = {}
    for part, result in results.items():
        _log_part(part, result, data[part][0])
        summary[part] = dict(result["metrics"])
    if "a" in results:
        summary["a"]["largest_terms"] = results["a"]["largest_terms"]
        mlflow.log_text(results["a"]["coefficients"].to_csv(header=["coefficient"]), "tables/q1a_coefficients.csv")
    if "b" in results:
        mlflow.log_text(results["b"]["coefficients"].to_csv(), "tables/q1b_coefficients.csv")
        mlflow.log_text(results["b"]["path"].to_csv(index=False), "tables/q1b_lasso_path.csv")
    if "c" in results:
        summary["c"]["preprocessing"] = results["c"]["preprocessing"]
        mlflow.log_dict(results["c"]["scores"], "tables/q1c_candidates.json")
        mlflow.set_tag("c.preprocessing", results["c"]["preprocessing"])
    mlflow.log_dict(summary, "summary.json")
    if output is not None:
        (output / "summary.json").write_text(json.dumps(summary, indent=2))
        for part, result in results.items():
            save_sklearn_model(result["model"], output / f"model_{part}")
    return summary


def run_training(args) -> dict:
    """The `train` command: resolve and validate the files, then fit inside a tagged MLflow run."""
    from padl_shared.cli import train_config
    from padl_shared.errors import DataError
    from padl_shared.paths import resolve_data
    from padl_shared.tracking import train_in_run

    if args.data and Path(args.data).is_file():
        raise DataError(f"--data {args.data}: question 1 needs a folder holding {', '.join(PART_FILES.values())}")
    config = train_config(TrainConfig, args)
    files = {part: resolve_data(name, config.data) for part, name in PART_FILES.items()}
    for path in files.values():
        load_xy(path)  # fail on bad input before a run or an output is touched
    summary = train_in_run(QUESTION, "q1", f"q1 seed={config.seed}", config, files,
                           lambda folder: train(config, files, folder))
    return {"a_cv_r2": summary["a"]["cv_r2"], "b_zero_coefs": summary["b"]["zero_coefs"],
            "b_cv_r2": summary["b"]["cv_r2"], "b_baseline_cv_r2": summary["b"]["baseline_cv_r2"],
            "c_cv_r2": summary["c"]["cv_r2"], "c_baseline_cv_r2": summary["c"]["baseline_cv_r2"],
            "c_preprocessing": summary["c"]["preprocessing"]}
