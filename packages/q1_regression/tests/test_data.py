import pytest
from padl_shared.errors import DataError
from q1_regression.data import load_xy, part_of


def write(tmp_path, text, name="PADL-Q11-train.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_loads_features_and_target_and_strips_header_whitespace(tmp_path):
    rows = "\n".join(f"{i},{2 * i}" for i in range(12))
    X, y = load_xy(write(tmp_path, " X1 ,out \n" + rows + "\n"))
    assert list(X.columns) == ["X1"]
    assert y.tolist() == [2.0 * i for i in range(12)]


def test_missing_target_column_names_file_and_columns(tmp_path):
    with pytest.raises(DataError, match=r"PADL-Q11-train.csv: column 'out' not found \(have: X1, X2\)"):
        load_xy(write(tmp_path, "X1,X2\n1,2\n"))


def test_non_numeric_column_names_value_and_line(tmp_path):
    rows = "\n".join(f"{i},{i}" for i in range(11))
    with pytest.raises(DataError, match=r"column 'X1' is not numeric \('abc' on line 13\)"):
        load_xy(write(tmp_path, "X1,out\n" + rows + "\nabc,3\n"))


def test_rows_with_missing_values_are_an_error(tmp_path):
    rows = "\n".join(f"{i},{i}" for i in range(11))
    with pytest.raises(DataError, match=r"column 'X1' has a missing value on line 3 \(1 in all\)"):
        load_xy(write(tmp_path, "X1,out\n0,0\n,1\n" + rows + "\n"))


def test_too_few_rows(tmp_path):
    with pytest.raises(DataError, match="need at least one feature column and 10 rows"):
        load_xy(write(tmp_path, "X1,out\n1,2\n"))


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_xy(tmp_path / "nope.csv")


@pytest.mark.parametrize(("name", "part"), [("PADL-Q11-unseen.csv", "a"), ("PADL-Q12-train.csv", "b"),
                                            ("x/PADL-Q13-unseen.csv", "c")])
def test_part_from_file_name(name, part):
    assert part_of(name) == part


def test_unknown_part_name():
    with pytest.raises(DataError, match="cannot tell the part"):
        part_of("other.csv")
