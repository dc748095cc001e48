import pytest
from padl_shared.errors import DataError
from padl_shared.tables import check_numbers, read_table


@pytest.mark.parametrize(("text", "message"), [
    ("", "f.csv: empty (expected a header line, then data rows)"),
    ("a,b\n", "f.csv: no data rows (only the header: a, b)"),
    ("a,c\n1,2\n", "f.csv: column 'b' not found (have: a, c)"),
])
def test_unusable_files_are_named(tmp_path, text, message):
    (tmp_path / "f.csv").write_text(text)
    with pytest.raises(DataError) as error:
        read_table(tmp_path / "f.csv", required=("a", "b"))
    assert str(error.value) == message


@pytest.mark.parametrize(("text", "allow_missing", "message"), [
    ("a,b\n1,2\n3,x\n", False, "f.csv: column 'b' is not numeric ('x' on line 3)"),
    ("a,b\n1,2\n3,\n", False, "f.csv: column 'b' has a missing value on line 3 (1 in all)"),
    ("a,b\n1,2\n-inf,4\n", True, "f.csv: column 'a' has a non-finite value (-inf on line 3)"),
])
def test_bad_values_name_the_column_and_the_line(tmp_path, text, allow_missing, message):
    (tmp_path / "f.csv").write_text(text)
    frame = read_table(tmp_path / "f.csv")
    with pytest.raises(DataError) as error:
        check_numbers(frame, tmp_path / "f.csv", frame.columns, allow_missing=allow_missing)
    assert str(error.value) == message


def test_headers_are_folded_and_missing_values_allowed_when_asked(tmp_path):
    (tmp_path / "f.csv").write_text(" Waist  (mm) ,b\n1,\n2,3\n")
    frame = read_table(tmp_path / "f.csv", required=("Waist (mm)",))
    check_numbers(frame, tmp_path / "f.csv", frame.columns, allow_missing=True)
    assert list(frame.columns) == ["Waist (mm)", "b"] and frame["b"].isna().sum() == 1
