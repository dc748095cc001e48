"""The estimators of question 1; nothing here knows about files or MLflow."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import Lasso, LinearRegression, Ridge, RidgeCV
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import (
    PolynomialFeatures,
    PowerTransformer,
    QuantileTransformer,
    SplineTransformer,
    StandardScaler,
)

RIDGE_ALPHAS = np.logspace(-6, 3, 19)


def polynomial_ridge() -> Pipeline:
    """Part a: polynomial features (squares included) → scaling → ridge; degree and alpha set by search."""
    return Pipeline([
        ("poly", PolynomialFeatures(degree=2, include_bias=False)),
        ("scale", StandardScaler()),
        ("ridge", Ridge()),
    ])


def polynomial_ridge_grid(max_degree: int) -> dict:
    return {"poly__degree": list(range(1, max_degree + 1)), "ridge__alpha": list(RIDGE_ALPHAS)}


def ordinary_least_squares() -> Pipeline:
    return make_pipeline(StandardScaler(), LinearRegression())


def scaled_lasso(alpha: float) -> Pipeline:
    """Part b: features standardised so one penalty treats every coefficient alike."""
    return make_pipeline(StandardScaler(), Lasso(alpha=alpha, max_iter=100_000))


def preprocessing_candidates(n_samples: int) -> dict[str, Pipeline]:
    """Part c: each a preprocessing in front of the same (ridge-regularised) linear model."""

    def linear():
        return RidgeCV(alphas=RIDGE_ALPHAS)

    quantiles = max(10, min(100, n_samples // 2))  # below the size of a CV training fold
    return {
        "none (plain linear)": make_pipeline(StandardScaler(), LinearRegression()),
        "power transform": make_pipeline(PowerTransformer(), linear()),
        "quantile → normal": make_pipeline(QuantileTransformer(n_quantiles=quantiles, output_distribution="normal"),
                                           linear()),
        "polynomial (degree 2)": make_pipeline(StandardScaler(), PolynomialFeatures(2), StandardScaler(), linear()),
        "power + polynomial (degree 2)": make_pipeline(PowerTransformer(), PolynomialFeatures(2), StandardScaler(),
                                                       linear()),
        "splines (5 knots)": make_pipeline(StandardScaler(), SplineTransformer(n_knots=5), linear()),
        "splines (8 knots)": make_pipeline(StandardScaler(), SplineTransformer(n_knots=8), linear()),
        "power + splines (5 knots)": make_pipeline(PowerTransformer(), SplineTransformer(n_knots=5), linear()),
        "power + splines (8 knots)": make_pipeline(PowerTransformer(), SplineTransformer(n_knots=8), linear()),
    }
