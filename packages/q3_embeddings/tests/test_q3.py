import os
import subprocess
import sys

import mlflow
import numpy as np
import pytest
from padl_shared.errors import DataError
from padl_shared.tracking import tracked_run
from q3_embeddings.data import load_walks, node_order
from q3_embeddings.evaluate import score
from q3_embeddings.model import cooccurrence, cosine_similarities, embed, mean_row_spearman, ranking
from q3_embeddings.train import TrainConfig, choose, train

SMALL = dict(dims=(8,), windows=(2,), epochs=(10,), query_node="1", query_targets=("2", "9"))


def two_communities(path, n_walks=400, length=8, seed=0):
    """Walks over two 8-node cliques (0-7 and 8-15) joined by the single edge 7-8."""
    rng = np.random.default_rng(seed)
    neighbours = {n: [m for m in range(16) if m != n and (m < 8) == (n < 8)] for n in range(16)}
    neighbours[7].append(8)
    neighbours[8].append(7)
    lines = []
    for _ in range(n_walks):
        walk = [int(rng.integers(16))]
        while len(walk) < length:
            walk.append(int(rng.choice(neighbours[walk[-1]])))
        lines.append(" ".join(map(str, walk)))
    path.write_text("\n".join(lines) + "\n")
    return path



def test_nearest_nodes_share_the_community(tmp_path):
    walks = load_walks(two_communities(tmp_path / "walks.txt"))
    nodes = node_order(walks)
    similarities = cosine_similarities(embed(walks, nodes, dim=8, window=2, epochs=10, seed=0))
    rows = ranking(similarities, nodes)
    same = [int(other) < 8 for row in rows for other in row[1:4] if (int(row[0]) < 8)]
    same += [int(other) >= 8 for row in rows for other in row[1:4] if (int(row[0]) >= 8)]
    assert np.mean(same) >= 0.9
    counts = cooccurrence(walks, nodes)
    assert mean_row_spearman(similarities, counts) > 0.5


def test_train_writes_the_result_file_and_logs_the_run(store):
    path = two_communities(store / "walks.txt")
    config = TrainConfig(**SMALL)
    output = store / "out"
    output.mkdir()
    with tracked_run("q3_test", "t", 0, config, {"walks": path}) as run:
        metrics = train(config, path, output)
    assert metrics["n_nodes"] == 16 and metrics["n_walks"] == 400
    assert set(metrics["sim_1"]) == {"2", "9"} and metrics["sim_1"]["2"] > metrics["sim_1"]["9"]
    rows = [line.split(" ") for line in (output / "PADL-Q3-result.txt").read_text().splitlines()]
    assert [row[0] for row in rows] == [str(n) for n in range(16)]
    assert all(sorted(row, key=int) == [str(n) for n in range(16)] for row in rows)
    artifacts = {a.path for a in mlflow.artifacts.list_artifacts(run_id=run.info.run_id)}
    assert {"PADL-Q3-result.txt", "embeddings.csv", "figures", "tables"} <= artifacts


def test_same_seed_gives_a_byte_identical_file_across_processes(tmp_path):
    path = two_communities(tmp_path / "walks.txt")
    script = ("import sys; from q3_embeddings.data import load_walks, node_order; "
              "from q3_embeddings.model import embed, cosine_similarities, ranking; "
              "w = load_walks(sys.argv[1]); n = node_order(w); "
              "print('\\n'.join(' '.join(r) for r in ranking(cosine_similarities(embed(w, n, 8, 2, 10, 0)), n)))")
    outputs = [subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, check=True,
                              env=dict(os.environ, PYTHONHASHSEED=hash_seed)).stdout for hash_seed in ("1", "2")]
    assert outputs[0] == outputs[1] and len(outputs[0].splitlines()) == 16


def test_missing_query_node_is_a_clear_error(store):
    path = two_communities(store / "walks.txt")
    config = TrainConfig(**{**SMALL, "query_targets": ("2", "40")})
    with pytest.raises(DataError, match=r"walks.txt: node 40 does not occur in the walks \(nodes: 0..15"):
        train(config, path)


def test_blank_lines_and_stray_whitespace_are_tolerated(tmp_path):
    path = tmp_path / "w.txt"
    path.write_text("1 2  3\n\n   \n 07 2\t1 \n")
    assert load_walks(path) == [["1", "2", "3"], ["7", "2", "1"]]


@pytest.mark.parametrize(("text", "message"), [
    ("1 2 3\n4 x 5\n", r"w.txt line 2: expected node ids separated by spaces, got 'x'"),
    ("1,2,3\n", r"line 1: expected node ids separated by spaces, got '1,2,3'"),
    ("\n\n", "no walks found"),
])
def test_bad_walk_files(tmp_path, text, message):
    path = tmp_path / "w.txt"
    path.write_text(text)
    with pytest.raises(DataError, match=message):
        load_walks(path)


def test_choose_prefers_agreement_among_stable_settings():
    import pandas as pd

    candidates = pd.DataFrame({"dim": [8, 16, 32], "window": [2, 2, 2], "epochs": [5, 5, 5],
                               "agreement": [0.9, 0.8, 0.7], "stability": [0.5, 0.95, 0.99]})
    assert choose(candidates, 0.9).dim == 16
    assert choose(candidates, 0.999).dim == 32


def test_evaluate_scores_agreement_on_other_walks(store):
    import pandas as pd

    walks = load_walks(two_communities(store / "walks.txt"))
    nodes = node_order(walks)
    embeddings = pd.DataFrame(embed(walks, nodes, 8, 2, 10, 0), index=nodes)
    result = score(two_communities(store / "other.txt", seed=5), embeddings)
    assert result["n_walks"] == 400 and result["n_nodes"] == 16 and result["agreement"] > 0.5
