# %% [markdown]
# # PADL coursework: answers
#
# Every number and figure below is read from the MLflow runs this bundle ships (`runs.json` and `report/` beside
# this notebook; `manifest.json` names the runs and the git commit), so the document answers for the models handed
# in. It trains nothing. Rerun it in the unzipped bundle: it needs matplotlib and, for the cells that call the
# graded files, torch and numpy.

# %% tags=["setup"]
import json
from pathlib import Path

from IPython.display import Image, Markdown, display

RUNS = json.loads(Path("runs.json").read_text())
display(Markdown(f"Runs read from `runs.json`: {', '.join(sorted(RUNS)) or 'none'}."))


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


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    say("\n".join(lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]))


def figure(run, name):
    """One of the run's figures (its split run's, for a refit that drew none of that name)."""
    for folder in (run["figures"], run.get("validated_by", {}).get("figures")):
        if folder and (Path(folder) / f"{name}.png").is_file():
            return display(Image(filename=str(Path(folder) / f"{name}.png"), width=520))
    say(f"*(figure {name} not in this bundle)*")

# %% [markdown]
# ## Question 1
#
# Each part is fitted on its `PADL-Q1x-train.csv` and judged by 5-fold cross-validated R²; `invoke evaluate --q 1
# --data FOLDER` scores the shipped models on the unseen files.
#
# ### (a) Polynomial features and a regularised linear model
#
# Polynomial features (squares and interactions), standardised, then a ridge regression. The degree (1 to 3) and
# the ridge strength (19 values from 1e-6 to 1e3) are chosen together by 5-fold cross-validation, so the
# regularisation is what keeps the extra features from fitting noise.

# %%
q1 = shipped("q1_regression", "invoke train --q 1", needs=("a.cv_r2", "b.zero_coefs", "c.cv_r2"))
if q1:
    m = q1["metrics"]
    say(f"Chosen: degree {m['a.degree']:.0f}, ridge alpha {m['a.alpha']:.3g}; cross-validated R² "
        f"**{m['a.cv_r2']:.4f}**.")
    figure(q1, "q1a")

# %% [markdown]
# ### (b) The sparsest Lasso that keeps 90 % of the unregularised fit
#
# The Lasso's solution changes only where its active set changes, so the exact LARS path lists every candidate.
# Along it, the model with the most zero coefficients whose cross-validated R² is at least 0.9 × that of ordinary
# least squares is kept (features standardised, so one penalty treats every coefficient alike).

# %%
if q1:
    say(f"Alpha {m['b.alpha']:.3g}: **{m['b.zero_coefs']:.0f} of {m['b.n_coefs']:.0f}** coefficients are zero, with "
        f"cross-validated R² {m['b.cv_r2']:.3f} against {m['b.baseline_cv_r2']:.3f} for least squares "
        f"({m['b.cv_r2'] / m['b.baseline_cv_r2']:.0%} of it).")
    figure(q1, "q1b")

# %% [markdown]
# ### (c) A preprocessing that improves a linear model
#
# Nine preprocessings in front of the same ridge regression are compared by cross-validation: none, a power
# transform, a quantile transform to normal, degree-2 polynomials, splines (5 or 8 knots) and their combinations.
# The features are skewed and act non-linearly, so a transform that straightens them is what a linear model needs.

# %%
if q1:
    say(f"The best preprocessing reaches cross-validated R² **{m['c.cv_r2']:.3f}**, against {m['c.baseline_cv_r2']:.3f}"
        f" for the plain linear model (+{m['c.gain']:.3f}).")
    figure(q1, "q1c")

# %% [markdown]
# ## Question 2
#
# ### (a) k-means in the full space and on PC1–PC2
#
# The features are standardised (the principal components should not follow the units), then k-means with k equal
# to the number of classes and 10 seeded restarts runs on all features and, separately, on the first two principal
# components.

# %%
q2 = shipped("q2_clustering", "invoke train --q 2", needs=("accuracy_full", "accuracy_pca2"))
if q2:
    m = q2["metrics"]
    figure(q2, "pca_true_class")
    figure(q2, "pca_plane_clusters")

# %% [markdown]
# ### (b) Explained variance
#
# ### (c) Clustering accuracy
#
# A cluster is matched to a class one to one, by the assignment that maximises agreement (the Hungarian algorithm on
# the contingency table); accuracy is the share of points whose cluster maps to their class.

# %%
if q2:
    table(["space", "accuracy", "explained variance"],
          [["all standardised features", f"{m['accuracy_full']:.3f}", "1"],
           ["PC1–PC2", f"{m['accuracy_pca2']:.3f}", f"{m['explained_variance_pc1_pc2']:.3f} "
            f"(PC1 {m['explained_variance_pc1']:.3f}, PC2 {m['explained_variance_pc2']:.3f})"]])
    say(f"Dropping {m['variance_dropped']:.0%} of the variance costs {m['relative_accuracy_lost']:.0%} of the "
        f"accuracy. For reference, unscaled features give {m['accuracy_full_unscaled']:.3f}.")

# %% [markdown]
# ## Question 3
#
# ### (a) Skip-gram embeddings and node 5's similarities
#
# Each walk is a sentence and each node a word for gensim's skip-gram word2vec. The embedding size, window and
# epochs are chosen by measurement: 27 settings are fitted on 80 % of the walks, and the one whose similarity
# rankings agree best with co-occurrence on the other 20 % (while two seeds agree on them) is refitted on every walk.

# %%
q3 = shipped("q3_embeddings", "invoke train --q 3", needs=("dim", "agreement"))
if q3:
    m = q3["metrics"]
    say(f"Chosen: size {m['dim']:.0f}, window {m['window']:.0f}, {m['epochs']:.0f} epochs; agreement with "
        f"held-out co-occurrence {m['agreement']:.3f}, two-seed stability {m['stability']:.3f}.")
    table(["node", "cosine similarity to node 5"],
          [[name.split("_")[-1], f"{value:+.4f}"] for name, value in m.items() if name.startswith("sim_5_")])
    figure(q3, "embedding_pca")

# %% [markdown]
# ### (b) The result file
#
# `PADL-Q3-result.txt`, beside this notebook: row K lists K, then every other node by falling cosine similarity.

# %%
result = Path("PADL-Q3-result.txt")
if result.is_file():
    say("```\n" + "\n".join(result.read_text().splitlines()[:3]) + "\n…\n```")

# %% [markdown]
# ## Question 4
#
# An ensemble of five small MLPs (two hidden layers of 32 SiLU units), one per fold of the training split, trained
# on standardised inputs with the absolute error the question grades, beside linear regression and gradient boosting
# on the same split. A gender-stratified 20 % of the people is held out from every model; the deliverable is the same
# recipe refitted on every row.

# %%
q4 = shipped("q4_waist", "invoke train --q 4", needs=("mae", "baseline_mae_linear_regression"))
if q4:
    m = q4["metrics"]
    table(["model", "held-out MAE (mm)"],
          [["MLP ensemble", f"{m['mae']:.1f}"], ["linear regression", f"{m['baseline_mae_linear_regression']:.1f}"],
           ["gradient boosting", f"{m['baseline_mae_gradient_boosting']:.1f}"]])
    say(f"The coursework's target, MAE < 15 mm, is out of reach of these five inputs: "
        f"{m['share_within_15mm']:.0%} of held-out predictions fall within 15 mm, every model family lands within "
        f"a millimetre or two of the others, and gradient boosting fitted to the held-out residuals explains none of "
        f"them (cross-validated R² {m['residual_r2_explainable']:.2f}).")
    figure(q4, "predicted_vs_actual")

# %%
import torch  # noqa: E402  (the graded file, called as the grader calls it)

if Path("predict_waist.py").is_file():
    import predict_waist

    people = torch.tensor([[1000.0, 1000.0, 1750.0, 80.0, 0.0], [900.0, 1000.0, 1620.0, 60.0, 1.0]])
    say(f"`predict_waist.predict` on two people: {predict_waist.predict(people).squeeze(1).round().tolist()} mm.")

# %% [markdown]
# ## Question 5
#
# A small ResNet trained from scratch (first layer stride 2, four residual stages, 1.2 M parameters) on 96 px inputs.
# Each training photo is augmented with what the test throws: a resized crop, a flip, perspective and affine warps,
# colour jitter, drawn lines and noise, drawn per photo; then, for a new shoot's colours and what it may hide, a fifth
# of the photos get their colour channels reordered, and half of them a rectangle of noise. Over the last quarter of
# the run the learning rate is held and the weights handed in are their mean over it; `predict` classifies each
# photo with its mirror image. The held-out photos are
# whole shoots (clusters of photos sharing background and light) the network never saw, scored clean and with
# synthetic distractors. The model handed in (what `invoke train --q 5` trains) is the same recipe refitted on every
# photo; the numbers below are those of the split run (`--holdout`) that measured the recipe.

# %%
q5 = shipped("q5_garments", "invoke train --q 5")
if q5:
    split = q5.get("validated_by", q5)
    m = split["metrics"]
    if "accuracy" in m:
        say(f"Held-out accuracy **{m['accuracy']:.3f}** clean and **{m['accuracy_distorted']:.3f}** with "
            f"distractors (run `{split['run_id']}`).")
    else:
        say("*No split run in this store measured the recipe handed in: `invoke train --q 5 --holdout` does, then "
            "`invoke bundle`.*")
    figure(q5, "confusion_distorted")
    figure(q5, "misclassified")
    figure(q5, "curves")

# %% [markdown]
# **Against the target, honestly.** The goal set for this classifier was 0.97 clean and 0.95 with distractors on new
# photos. A random held-out split promised about that (0.965 / 0.949 over five splits), but 345 new photos from the
# same collection, scored outside the project, gave 0.925 / 0.925 for a split run and 0.939 / 0.928 for the refit: the
# photos come in shoots, and a random split had put each shoot on both sides. The hold-out above keeps shoots apart,
# so that its number comes closer to new photos, though it is still an upper bound. Most remaining errors are t-shirts
# and jumpers confused for each other (three-quarter sleeves, short-sleeved knits, sweatshirt fabric); the distractors
# themselves cost little. Reordering colours and erasing rectangles, measured across five such hold-outs, gained 0.5
# points clean and 0.9 distorted (0.957 ± 0.005 / 0.954 ± 0.013, against 0.952 / 0.945). Trained a second time on
# another machine, the recipe gave 0.957 ± 0.012 / 0.950 ± 0.015, single hold-outs moving by up to 1.8 points: over
# both trainings, 0.957 ± 0.009 / 0.952 ± 0.013. The recipe now holds the learning rate at a quarter of its peak over
# the run's last quarter and ships the mean of the weights over it (stochastic weight averaging): 0.958 ± 0.009 /
# 0.957 ± 0.010 over the same five hold-outs, a gain within one training's noise that costs nothing.
# `predict_class.py` then averages each photo's class probabilities with its mirror image's: 0.963 ± 0.009 / 0.957 ±
# 0.009 there. Five other partitions of the photos into shoots and folds, never used to choose anything, give the
# recipe 0.959 ± 0.011 clean and 0.952 ± 0.013 distorted over their 25 hold-outs: the best forecast here, on the
# distorted goal and a point short of the clean one, and still an upper bound on new photos. More compute would not
# close that point: scoring each photo with one network of each of those five partitions that held it out, softmax
# averaged, gives 0.963 / 0.952 with four networks (the most that fit in 20 MiB, at four times the training time)
# against 0.959 / 0.948 with one (the distractors drawn anew), and that is an upper bound, since each network saw some
# of the photo's shoot-mates as another partition grouped them. Alternatives measured and not kept (wider or deeper
# blocks, squeeze-and-excitation, SGD, other learning rates, larger inputs, photos fed at another size than trained
# on, larger crops, more test-time views, two networks trained for half as long and averaged, a moving average of the
# weights or one over the run's second half or at a higher rate, more erasing, TrivialAugment, stronger weight decay,
# mixing feature statistics between photos, normalising by the test batch's statistics) moved the held-out accuracy by
# no more than a split's scatter, or lost.

# %% [markdown]
# ## Question 6
#
# ### (a) The codec
#
# A convolutional autoencoder at half resolution codes a face as 16 numbers. Its decoder adds three paths: transposed
# convolutions for shading, a detail path onto 512 learned whole-face images, and a smooth learned deformation. The
# loss is SSIM in the grader's form mixed with L1; `encode` refines each code by 30 Adam steps on SSIM. Where a 4×4
# thumbnail, polished the same way, scores higher (faces from other cameras), `encode` sends it instead, marked so
# that `decode` draws it: 0.640 on LFW faces against the codec's 0.536, and no face of this camera's changes.
#
# ### (b) Results
#
# SSIM as the grader scores it, on other photos of people seen in training and on people never seen.

# %%
q6 = shipped("q6_compression", "invoke train --q 6")
if q6:
    split = q6.get("validated_by", q6)
    m = split["metrics"]
    if "ssim_seen" in m:
        table(["codec (16 numbers)", "seen people", "unseen people"],
              [["autoencoder + refinement", f"{m['ssim_seen']:.3f}", f"{m['ssim_unseen']:.3f}"],
               ["PCA, 16 components", f"{m['pca_ssim_seen']:.3f}", f"{m['pca_ssim_unseen']:.3f}"],
               ["4×4 thumbnail", f"{m['thumbnail_ssim_seen']:.3f}", f"{m['thumbnail_ssim_unseen']:.3f}"]])
    else:
        say("*No split run in this store measured the codec's recipe: `invoke train --q 6 --holdout` does, then "
            "`invoke bundle`.*")
    figure(q6, "reconstructions_seen")
    figure(q6, "reconstructions_unseen")
    figure(q6, "curves")

# %% [markdown]
# **Against the target.** The coursework asks for SSIM ≥ 0.9. On other photos of the people it trained on, the codec
# is at or just above it (new faces scored outside the project: 0.900 for a split run, 0.916 for the refit on every
# person); on people it never saw it is far below (0.762 ± 0.012 over seven splits), though well above PCA. Longer
# training, more training people and twenty-odd variations of this design all left unseen people within a few
# thousandths: sixteen numbers carry the lighting well and a new person's identity poorly. A codec that splits the 16
# numbers into 9 for lighting and 7 for identity, combined multiplicatively, did worse on three of those splits (0.895 /
# 0.742 against 0.916 / 0.763, behind on every split, and twice as slow to train): Yale B's harsh light casts shadows
# that no 9-dimensional lighting model holds.

# %%
if Path("compress_images.py").is_file():
    import compress_images

    faces = torch.linspace(0, 1, 192 * 160).view(1, 1, 192, 160).repeat(2, 1, 1, 1)
    codes = compress_images.encode(faces)
    say(f"`encode` turns a batch of {len(faces)} images into codes of shape {tuple(codes.shape)}; `decode` gives "
        f"back {tuple(compress_images.decode(codes).shape)}.")
