"""The error of a delivery file that cannot be loaded (shared by the readers and the loader)."""

from __future__ import annotations


class DeliveryError(RuntimeError):
    """A delivery file that cannot be loaded; the message names centre, file, row and problem."""

    def __init__(self, centre_id: str, delivery: str, file: str, problem: str,
                 row: int | None = None, column: str | None = None) -> None:
        self.centre_id, self.delivery, self.file = centre_id, delivery, file
        self.problem, self.row, self.column = problem, row, column
        #: set by extract_centre: what the extraction loaded before raising this problem
        self.extraction: object | None = None
        where = f"centre {centre_id}, delivery {delivery}, file {file}"
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {problem}")
