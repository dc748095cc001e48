# %% [markdown]
# # PADL coursework: answers
#
# Every number and figure below is read from the training runs handed in with this notebook (`runs.json` and
# `report/` beside it; `manifest.json` names the runs and the commit of the code that trained them). Where a
# measurement is missing, the text names the command that makes it. The cells that call the graded files do so as
# the grader does, on examples from the data folder (`samples.pt`). Rerun it in the unzipped folder: it needs
# matplotlib, and torch, numpy and scikit-image (the graded SSIM) for those cells.

# %% tags=["hide-input"]
import json
from pathlib import Path

import matplotlib.pyplot as plt
from IPython.display import Image, Markdown, display

RUNS = json.loads(Path("runs.json").read_text())
MEASURING = {"q5_garments": "invoke train --q 5", "q6_compression": "invoke train --q 6"}


def say(text):
    display(Markdown(text))


def shipped(question, command, needs=()):
    """The shipped run's record, or None, saying which command trains one (none shipped, or one without the
    metrics ``needs`` names)."""
    run = RUNS.get(question)
    lacking = [name for name in needs if run and name not in run["metrics"]]
    if run is None or lacking:
        say(f"*This bundle has no complete run of {question}: `{command}` trains one, then `invoke bundle`.*")
        return None
    return run


def measured(run):
    """The run that measured the shipped model's recipe on held-out data: the refit's split run, or the shipped
    run itself when it held data out; None for a refit that no split run measured."""
    if run.get("validated_by"):
        return run["validated_by"]
    return None if run["params"].get("refit") == "True" else run


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    say("\n".join(lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]))


def figure(run, name, width=520):
    """One of the run's figures (its split run's, for a refit that drew none of that name)."""
    for folder in (run["figures"], (run.get("validated_by") or {}).get("figures")):
        if folder and (Path(folder) / f"{name}.png").is_file():
            return display(Image(filename=str(Path(folder) / f"{name}.png"), width=width))
    say(f"*(figure {name}: not drawn by the shipped runs; `invoke train` draws it)*")


def show_photos(photos, titles):
    """Photos (B×3×H×W in [0, 1]) in a row, each under its title."""
    panels, axes = plt.subplots(1, len(photos), figsize=(2 * len(photos), 2.4))
    for axis, photo, title in zip(axes, photos, titles):
        axis.imshow(photo.permute(1, 2, 0).numpy())
        axis.set_title(title, fontsize=8)
        axis.axis("off")
    plt.show()


def show_faces(originals, restored, scores):
    """Faces (top) above their reconstructions (bottom), each with its SSIM."""
    panels, axes = plt.subplots(2, len(originals), figsize=(1.6 * len(originals), 4))
    for column, (face, again, score) in enumerate(zip(originals, restored, scores)):
        axes[0, column].imshow(face[0], cmap="gray", vmin=0, vmax=1)
        axes[1, column].imshow(again[0], cmap="gray", vmin=0, vmax=1)
        axes[1, column].set_title(f"SSIM {score:.2f}", fontsize=8)
        axes[0, column].axis("off")
        axes[1, column].axis("off")
    plt.show()


GARMENTS = ["t-shirt", "jumper / hoody", "jeans"]


def cv_line(run, names):
    """The recipe's grouped cross-validation, where the store held one when this bundle was made."""
    cv = run.get("cv")
    if cv is None:
        return None
    values = ", ".join(f"{name} {cv['metrics'][name + '_mean']:.3f} ± {cv['metrics'][name + '_sd']:.3f}"
                       for name in names if name + "_mean" in cv["metrics"])
    return f"Over {cv['folds']} grouped folds (`{cv['command']}`): {values}."


unmeasured = [question for question, command in MEASURING.items()
              if question in RUNS and measured(RUNS[question]) is None]
for question in unmeasured:
    say(f"**Warning: the model handed in for {question} has no measurement on held-out data in these runs. "
        f"`{MEASURING[question]}` measures its recipe before it refits; then `invoke bundle`.**")

# %% [markdown]
# ## Question 1
#
# Each part is fitted on its `PADL-Q1x-train.csv` and judged by cross-validated R² (5 folds), so that every
# choice is made on data the model did not fit; `invoke evaluate --q 1 --data FOLDER` scores the handed-in models on
# the unseen files.
#
# ### (a) Polynomial features and a regularised linear model
#
# Polynomial features (squares and interactions) are standardised, then fitted by ridge regression. The degree
# (1 to 3) and the ridge strength are chosen together by cross-validation: a higher degree can always fit the
# training rows better, and only held-out folds tell whether the extra terms describe the target or the noise.

# %% tags=["hide-input"]
q1 = shipped("q1_regression", "invoke train --q 1", needs=("a.cv_r2", "b.zero_coefs", "c.cv_r2"))
if q1:
    m = q1["metrics"]
    table(["chosen degree", "ridge alpha", "cross-validated R²"],
          [[f"{m['a.degree']:.0f}", f"{m['a.alpha']:.3g}", f"**{m['a.cv_r2']:.4f}**"]])
    figure(q1, "q1a", width=380)
    say(f"The cross-validated predictions lie on the diagonal: a degree-{m['a.degree']:.0f} polynomial captures the "
        "target, and the penalty keeps the many interaction terms from fitting noise. The model stops working "
        "outside the range of the training inputs, where polynomial terms grow fastest.")

# %% [markdown]
# ### (b) The sparsest Lasso that keeps 90 % of the unregularised fit
#
# The Lasso's solution changes only where its active set changes, so the exact LARS path lists every set of
# non-zero coefficients it can reach. Along it, the model with the most zero coefficients whose cross-validated R²
# is at least nine tenths of that of ordinary least squares is kept (features standardised, so one penalty treats
# every coefficient alike).

# %% tags=["hide-input"]
if q1:
    table(["model", "zero coefficients", "cross-validated R²"],
          [["least squares", "0", f"{m['b.baseline_cv_r2']:.3f}"],
           [f"Lasso, alpha {m['b.alpha']:.3g}", f"**{m['b.zero_coefs']:.0f} of {m['b.n_coefs']:.0f}**",
            f"{m['b.cv_r2']:.3f} ({m['b.cv_r2'] / m['b.baseline_cv_r2']:.0%} of least squares)"]])
    figure(q1, "q1b")
    say("Zeroing a coefficient costs little where a feature is weak or repeats another; the path shows the R² "
        "falling steeply once a strong feature goes. Among correlated features the Lasso keeps one of a group more "
        "or less arbitrarily, so which coefficients are zero says less than how many are.")

# %% [markdown]
# ### (c) A preprocessing that improves a linear model
#
# Nine preprocessings in front of the same ridge regression are compared by the same folds: none, a power
# transform, a quantile transform to normal, degree-2 polynomials, splines (5 or 8 knots) and their combinations.
# The features are skewed and act non-linearly, so a transform that straightens them is what a linear model needs.

# %% tags=["hide-input"]
if q1:
    chosen = q1["tags"].get("c.preprocessing", "the best candidate")
    table(["model", "cross-validated R²"],
          [["plain linear model", f"{m['c.baseline_cv_r2']:.3f}"],
           [f"{chosen} + linear model", f"**{m['c.cv_r2']:.3f}** (+{m['c.gain']:.3f})"]])
    figure(q1, "q1c")
    say("A linear model can only add up its inputs; a transform that makes each input's effect straight lets it "
        "describe a curved response. The most flexible transforms gain little more here, and with few rows they "
        "start to fit noise, which cross-validation penalises.")

# %% [markdown]
# ## Question 2
#
# ### (a) k-means in the full space and on PC1–PC2
#
# The features are standardised (the principal components should not follow the units), then k-means, with k the
# number of classes and 10 seeded restarts, runs on all five features and, separately, on the first two principal
# components. The scatter plots show the data on PC1–PC2, coloured by class and by each clustering.

# %% tags=["hide-input"]
q2 = shipped("q2_clustering", "invoke train --q 2", needs=("accuracy_full", "accuracy_pca2"))
if q2:
    m = q2["metrics"]
    figure(q2, "pca_true_class", width=400)
    figure(q2, "pca_full_clusters", width=400)
    figure(q2, "pca_plane_clusters", width=400)

# %% [markdown]
# ### (b) Explained variance
#
# The share of the standardised features' variance that each of the first two principal components keeps.

# %% tags=["hide-input"]
if q2:
    table(["component", "explained variance"],
          [["PC1", f"{m['explained_variance_pc1']:.3f}"], ["PC2", f"{m['explained_variance_pc2']:.3f}"],
           ["PC1 + PC2", f"**{m['explained_variance_pc1_pc2']:.3f}**"]])
    say(f"Two components keep {m['explained_variance_pc1_pc2']:.0%} of the variance; the other three components "
        f"hold the remaining {m['variance_dropped']:.0%}.")

# %% [markdown]
# ### (c) Clustering accuracy
#
# A cluster is matched to a class one to one, by the assignment that maximises agreement (the Hungarian algorithm on
# the contingency table); accuracy is the share of points whose cluster maps to their class.

# %% tags=["hide-input"]
if q2:
    table(["k-means on", "accuracy"],
          [["all standardised features", f"**{m['accuracy_full']:.3f}**"],
           ["PC1–PC2", f"**{m['accuracy_pca2']:.3f}**"],
           ["all features, unscaled", f"{m['accuracy_full_unscaled']:.3f}"]])
    say(f"Dropping {m['variance_dropped']:.0%} of the variance costs {m['relative_accuracy_lost']:.0%} of the "
        "accuracy: the classes differ mostly along the directions of largest variance, but not only there. k-means "
        "assumes round clusters of similar size; where classes overlap or stretch, no matching can recover them.")

# %% [markdown]
# ## Question 3
#
# ### (a) Skip-gram embeddings and node 5's similarities
#
# Each walk is a sentence and each node a word for gensim's skip-gram word2vec. The embedding size, window and
# epochs are chosen by measurement: every setting is fitted on most of the walks, and the one whose similarity
# rankings agree best with co-occurrence on the walks held out (while two seeds agree on them) is refitted on every
# walk.

# %% tags=["hide-input"]
q3 = shipped("q3_embeddings", "invoke train --q 3", needs=("dim", "agreement"))
if q3:
    m = q3["metrics"]
    table(["size", "window", "epochs", "agreement with held-out co-occurrence", "two-seed stability"],
          [[f"{m['dim']:.0f}", f"{m['window']:.0f}", f"{m['epochs']:.0f}", f"{m['agreement']:.3f}",
            f"{m['stability']:.3f}"]])
    table(["node", "cosine similarity to node 5"],
          [[name.split("_")[-1], f"{value:+.4f}"] for name, value in m.items() if name.startswith("sim_5_")])
    figure(q3, "embedding_pca", width=420)
    say("Nodes that appear close together in the walks get similar vectors, so a high similarity means the two "
        "nodes are near each other in the graph. The similarities are estimates from a finite set of walks: nodes "
        "that rarely occur get noisy vectors.")

# %% [markdown]
# ### (b) The result file
#
# `PADL-Q3-result.txt`, beside this notebook: row K lists K, then every other node by falling cosine similarity.

# %% tags=["hide-input"]
result = Path("PADL-Q3-result.txt")
if result.is_file():
    say("```\n" + "\n".join(result.read_text().splitlines()[:3]) + "\n…\n```")

# %% [markdown]
# ## Question 4
#
# An ensemble of five small MLPs (two hidden layers of SiLU units), one per fold of the training rows, trained on
# standardised inputs with the absolute error the question grades, beside linear regression and gradient boosting on
# the same split. A gender-stratified fifth of the people is held out from every model; the model handed in is the
# same recipe refitted on every row.

# %% tags=["hide-input"]
q4 = shipped("q4_waist", "invoke train --q 4", needs=("mae", "baseline_mae_linear_regression"))
if q4:
    m = q4["metrics"]
    table(["model", "held-out MAE (mm)"],
          [["MLP ensemble", f"**{m['mae']:.1f}**"], ["linear regression", f"{m['baseline_mae_linear_regression']:.1f}"],
           ["gradient boosting", f"{m['baseline_mae_gradient_boosting']:.1f}"]])
    table(["held-out people", "MAE (mm)"],
          [["men", f"{m['mae_male']:.1f}"], ["women", f"{m['mae_female']:.1f}"],
           [f"all {m['n_test']:.0f}", f"{m['mae']:.1f}"]])
    say(cv_line(q4, ("mae",)) or "*A single hold-out; `invoke cv --q 4` measures the recipe over every fold.*")
    figure(q4, "predicted_vs_actual", width=400)
    say(f"The coursework's target, an MAE under 15 mm, is out of reach of these five inputs: "
        f"{m['share_within_15mm']:.0%} of held-out predictions fall within 15 mm, every model family lands within a "
        f"few millimetres of the others, and gradient boosting fitted to the held-out residuals explains none of "
        f"them (cross-validated R² {m['residual_r2_explainable']:.2f}). The rest of the waist is body shape that "
        "chest, hip, height, weight and gender do not determine.")

# %%
import torch  # noqa: E402  (the graded files, called as the grader calls them)

SAMPLES = torch.load("samples.pt", weights_only=True) if Path("samples.pt").is_file() else {}
if Path("predict_waist.py").is_file() and "measurements" in SAMPLES:
    import predict_waist

    predicted = predict_waist.predict(SAMPLES["measurements"].float()).squeeze(1)
    table(["chest", "hip", "height", "weight (kg)", "gender", "waist", "predicted"],
          [[*(f"{value:.0f}" for value in row), f"{truth:.0f}", f"{guess:.0f}"]
           for row, truth, guess in zip(SAMPLES["measurements"].tolist(), SAMPLES["waist"].tolist(),
                                        predicted.tolist())])

# %% [markdown]
# ## Question 5
#
# A small residual network trained from scratch on 96-pixel inputs. Each training photo is augmented with what the
# test throws at it: a resized crop, a flip, perspective and affine warps, colour jitter, drawn lines and noise,
# drawn per photo; a share of the photos also get their colour channels reordered or a rectangle of noise, standing
# in for a new shoot's colours and for what a drawn line may hide. Over the last quarter of the run the learning
# rate is held and the weights handed in are their average; `predict` classifies each photo together with its mirror
# image.
#
# Photos come in shoots (one bed, floor or wall, one light, several garments), so a random split would put each
# shoot on both sides and promise too much. The held-out photos are whole shoots (clusters of photos sharing a
# background) that the network never saw, scored clean and with synthetic noise, lines and warps. The model handed
# in is the same recipe refitted on every photo; the numbers below are those of the split run that measured it.

# %% tags=["hide-input"]
q5 = shipped("q5_garments", "invoke train --q 5")
if q5:
    split = measured(q5)
    if split is None:
        say("*No run in this bundle measured the recipe handed in: `invoke train --q 5` measures it (a split run, "
            "then the refit), then `invoke bundle`.*")
    else:
        m = split["metrics"]
        table(["held-out photos", "clean", "with distractors"],
              [["all", f"**{m['accuracy']:.3f}**", f"**{m['accuracy_distorted']:.3f}**"],
               *[[name, f"{m[f'accuracy_class_{label}']:.3f}", f"{m[f'accuracy_distorted_class_{label}']:.3f}"]
                 for label, name in enumerate(GARMENTS) if f"accuracy_class_{label}" in m]])
        say(f"{m['n_val']:.0f} held-out photos from shoots the network never saw, after training on "
            f"{m['n_train']:.0f}. " + (cv_line(q5, ("accuracy", "accuracy_distorted")) or
                                       "One hold-out moves by about a point from fold to fold: `invoke cv --q 5` "
                                       "measures the recipe over every fold."))
        figure(q5, "confusion_clean", width=330)
        figure(q5, "confusion_distorted", width=330)
        figure(q5, "misclassified")
        figure(q5, "curves", width=440)
        say("Most errors are t-shirts and jumpers taken for each other: a short-sleeved knit or a sweatshirt "
            "fabric sits between the two classes, and a crop can hide the sleeves that tell them apart. The "
            "distractors cost little, since the training photos carry the same kinds. A held-out shoot is still "
            "from the same collection, so accuracy on photos taken elsewhere (other cameras, models wearing the "
            "clothes) may be lower than this estimate.")

# %%
if Path("predict_class.py").is_file() and "garments" in SAMPLES:
    import predict_class

    photos = SAMPLES["garments"].float() / 255
    predicted = predict_class.predict(photos).squeeze(1).tolist()
    show_photos(photos, [f"{GARMENTS[guess]}\n(label: {GARMENTS[truth]})"
                         for guess, truth in zip(predicted, SAMPLES["garment_labels"].tolist())])

# %% [markdown]
# ## Question 6
#
# ### (a) The codec
#
# A convolutional autoencoder at half resolution codes a face as 16 numbers. Its decoder adds three paths:
# transposed convolutions for shading, a detail path onto learned whole-face images, and a smooth learned
# deformation. The loss is SSIM in the grader's form mixed with L1; `encode` refines each code by a few gradient
# steps on SSIM. Where a 4×4 thumbnail, refined the same way, scores higher (faces unlike the training faces),
# `encode` sends it instead, marked so that `decode` draws it.
#
# ### (b) Results
#
# SSIM as the grader scores it, on other photos of people seen in training, on people never seen (every photo of
# them held out) and on faces from other cameras, beside two other 16-number codecs fitted on the same faces.

# %% tags=["hide-input"]
q6 = shipped("q6_compression", "invoke train --q 6")
if q6:
    split = measured(q6)
    if split is None:
        say("*No run in this bundle measured the codec's recipe: `invoke train --q 6` measures it (a split run, "
            "then the refit), then `invoke bundle`.*")
    else:
        m = split["metrics"]
        sets = [name for name in ("seen", "unseen", "other_camera") if f"ssim_{name}" in m]
        titles = {"seen": "seen people", "unseen": "unseen people", "other_camera": "other cameras"}
        table(["codec (16 numbers)", *(titles[name] for name in sets)],
              [["autoencoder + refinement", *(f"**{m[f'ssim_{name}']:.3f}**" for name in sets)],
               ["PCA, 16 components", *(f"{m[f'pca_ssim_{name}']:.3f}" for name in sets)],
               ["4×4 thumbnail", *(f"{m[f'thumbnail_ssim_{name}']:.3f}" for name in sets)]])
        say(f"Trained on {m['n_train']:.0f} photos; scored on {m['n_seen']:.0f} other photos of the same people and "
            f"{m['n_unseen']:.0f} photos of people never seen. " + (cv_line(q6, ("ssim_seen", "ssim_unseen")) or
                                                                    "`invoke cv --q 6` measures the recipe with "
                                                                    "each group of people held out in turn."))
        figure(q6, "reconstructions_seen")
        figure(q6, "reconstructions_unseen")
        figure(q6, "curves", width=440)
        say("Sixteen numbers carry the lighting of a face well and a new person's identity poorly: the codec "
            "learns the people it trains on, so other photos of them come back far better than faces it never "
            "saw, while PCA, which knows only an average face, falls behind on both. Faces from another camera "
            "and framing are where the codec stops working, and the refined thumbnail takes over there.")

# %%
if Path("compress_images.py").is_file() and "faces" in SAMPLES:
    import compress_images
    from skimage.metrics import structural_similarity

    faces = SAMPLES["faces"].float() / 255
    codes = compress_images.encode(faces)
    restored = compress_images.decode(codes)
    show_faces(faces, restored, [structural_similarity(face[0].numpy(), again[0].numpy(), data_range=1.0)
                                 for face, again in zip(faces, restored)])
    say(f"`encode` turned {len(faces)} faces into codes of shape {tuple(codes.shape)}; `decode` drew them back "
        "(bottom row). These faces come from the training folder: the handed-in codec has seen these people.")
