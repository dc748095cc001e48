"""One exception type for problems a user can fix (bad data, missing files, bad arguments)."""


class DataError(ValueError):
    """Raised with a one-line message naming the file, column or tensor and what was expected."""
