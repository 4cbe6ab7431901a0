"""Why an export was refused: a short stable rule for the ledger, a sentence for people."""

from __future__ import annotations

from dlsei.errors import FileRejected


class InvalidContent(Exception):
    """Something in a file's content is wrong; the caller knows which file and turns it into ExportRejected."""

    def __init__(self, rule: str, detail: str, row: int | None = None) -> None:
        super().__init__(detail)
        self.rule = rule
        self.detail = detail
        self.row = row

    def __reduce__(self) -> tuple[type[InvalidContent], tuple[str, str, int | None]]:
        return type(self), (self.rule, self.detail, self.row)


class ExportRejected(FileRejected):
    """The file cannot be loaded as it is. `row` is the 1-based data record (header excluded), when one is to blame.

    The message names columns and rows, never values: a value may be a learner's name or e-mail address, and the
    message travels into logs, the ledger and e-mails.
    """

    def __init__(self, file_name: str, rule: str, detail: str, row: int | None = None) -> None:
        self.file_name = file_name
        self.detail = detail
        self.row = row
        where = f"{file_name}, row {row}" if row is not None else file_name
        super().__init__(rule, f"{where}: rule '{rule}': {detail}")

    # Rebuilt from its fields, not from the message, so it survives pickling between processes (task runners).
    def __reduce__(self) -> tuple[type[ExportRejected], tuple[str, str, str, int | None]]:
        return type(self), (self.file_name, self.rule, self.detail, self.row)

    @classmethod
    def from_content(cls, file_name: str, problem: InvalidContent) -> ExportRejected:
        return cls(file_name, problem.rule, problem.detail, problem.row)
