"""One delivered CSV file made ready for DuckDB's CSV reader, in one streamed pass.

Source: ../shared/spec/export-format.md (encodings, line ends, "What the pipeline promises
about an export"); issue 18 ("Stream large files: memory must not grow with file size").
The file is read once in blocks of :data:`BLOCK_BYTES`: its sha256 is computed, its bytes are
decoded with the centre's encoding (an undecodable byte fails the file naming its row), and
what DuckDB's reader cannot take as it is gets a UTF-8 copy written block by block:

- an encoding other than UTF-8 (cp1252, latin-1, utf-16, ...) is transcoded to UTF-8;
- mixed line ends (CRLF and LF, or a lone CR, which DuckDB's strict mode refuses) are made
  LF, as pandas' C parser and Python's csv module read them (every CR, CRLF or LF ends a
  record).

The copy lives in a private temporary folder (0700) that the caller removes. No step holds
more than one block in memory, except the header line.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from extraction.errors import DeliveryError
from schemas.dialect import CentreDialect

#: bytes read (and decoded) at a time
BLOCK_BYTES = 1 << 20
_UTF8_NAMES = ("utf-8", "utf-8-sig")


@dataclass(frozen=True)
class CsvFile:
    """A delivered CSV file as DuckDB will read it."""

    delivered: Path
    #: the file DuckDB reads: the delivered one, or its UTF-8 (LF) copy
    path: Path
    sha256: str
    #: the header line's fields, as Python's csv module splits them (BOM removed)
    header: list[str]
    ends_with_line_end: bool
    #: the row of a quoted value that is never closed (DuckDB does not report it), or None
    unclosed_quote_row: int | None
    #: the file holds a quote character (a quoted value may span lines)
    has_quotes: bool = True


def file_sha256(path: Path) -> str:
    """The sha256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(BLOCK_BYTES):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class _Scan:
    """What one streamed pass over a file found."""

    sha256: str
    has_content: bool
    ends_with_line_end: bool
    mixed_line_ends: bool
    odd_quotes: bool
    has_quotes: bool


def _decode_error(dialect: CentreDialect, delivery: str, file: str, exc: UnicodeDecodeError,
                  window: bytes, offset: int, lines_before: int) -> DeliveryError:
    """The undecodable byte at ``window[exc.start]`` (``offset`` in the file), by row."""
    line = lines_before + window[:exc.start].count(b"\n")  # header is line 0 -> data row
    where = "in the header line " if line == 0 else ""
    return DeliveryError(
        dialect.centre_id, delivery, file,
        f"cannot decode byte {window[exc.start:exc.start + 1]!r} at offset {offset} "
        f"{where}as {dialect.encoding}: the file is not in the encoding its centre.yaml "
        f"declares", row=line or None)


def _scan(source: BinaryIO, dialect: CentreDialect, delivery: str, file: str,
          copy: BinaryIO | None) -> _Scan:
    """Hash and decode ``source`` block by block; write its UTF-8 text to ``copy``."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder(dialect.encoding)("strict")
    consumed = lines_before = 0
    first = True
    has_content = False
    last_char = ""
    n_cr = n_crlf = n_lf = n_quotes = 0
    while True:
        block = source.read(BLOCK_BYTES)
        final = not block
        pending = decoder.getstate()[0]
        try:
            text = decoder.decode(block, final=final)
        except UnicodeDecodeError as exc:
            window = pending + block
            raise _decode_error(dialect, delivery, file, exc, window,
                                consumed - len(pending) + exc.start,
                                lines_before - pending.count(b"\n")) from exc
        except UnicodeError as exc:  # e.g. a UTF-16 stream without its byte order mark
            raise DeliveryError(dialect.centre_id, delivery, file,
                                f"cannot decode the file as {dialect.encoding} ({exc}): the "
                                "file is not in the encoding its centre.yaml declares") from exc
        digest.update(block)
        consumed += len(block)
        lines_before += block.count(b"\n")
        if first and text:
            text = text.removeprefix("\ufeff")
            first = False
        if text:
            has_content = has_content or bool(text.strip())
            n_crlf += text.count("\r\n") + (last_char == "\r" and text[0] == "\n")
            n_cr += text.count("\r")
            n_lf += text.count("\n")
            n_quotes += text.count('"')
            last_char = text[-1]
            if copy is not None:
                copy.write(text.encode("utf-8"))
        if final:
            break
    mixed = n_cr > 0 and not n_cr == n_crlf == n_lf
    return _Scan(digest.hexdigest(), has_content, last_char in ("\n", "\r"), mixed,
                 n_quotes % 2 == 1, n_quotes > 0)


def _normalise_line_ends(source: Path, target: Path) -> None:
    """Copy a UTF-8 file with every CRLF and lone CR written as LF, block by block."""
    with open(source, encoding="utf-8", newline="") as src, \
            open(target, "w", encoding="utf-8", newline="") as dst:
        carry = ""
        while block := src.read(BLOCK_BYTES):
            block = carry + block
            carry = "\r" if block.endswith("\r") else ""
            if carry:
                block = block[:-1]
            dst.write(block.replace("\r\n", "\n").replace("\r", "\n"))
        if carry:
            dst.write("\n")


def _blank_record(record: list[str]) -> bool:
    """An empty line or one of spaces and tabs only: skipped like pandas' C parser does."""
    return not record or (len(record) == 1 and record[0].strip(" \t") == "")


def unclosed_quote_row(path: Path, delimiter: str) -> int | None:
    """The data row whose quoted value is never closed (Python's csv module reaches the end
    of the file inside it), or None. Only asked for files with an odd number of quote
    characters: DuckDB's reader ends such a record silently instead of failing."""
    rows = 0
    with open(path, encoding="utf-8-sig", newline="") as fh:
        records = csv.reader(fh, delimiter=delimiter, strict=True)
        try:
            next(records, None)
            for record in records:
                rows += not _blank_record(record)
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                return rows + 1
            return None  # another quoting fault: DuckDB's strict mode judges it
    return None


def read_header(path: Path, dialect: CentreDialect, delivery: str, file: str) -> list[str]:
    """The first record of a UTF-8 CSV file (only that record is read)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        try:
            return next(csv.reader(fh, delimiter=dialect.delimiter), [])
        except csv.Error as exc:
            raise DeliveryError(dialect.centre_id, delivery, file,
                                f"cannot read the header line: {exc}") from exc


def prepare_csv(path: Path, dialect: CentreDialect, delivery: str, workdir: Path) -> CsvFile:
    """Hash, decode and (where needed) copy one delivered CSV for DuckDB, streamed.

    Raises :class:`DeliveryError` for undecodable bytes (naming the row), an empty or blank
    file and an unreadable header line.
    """
    file = path.name
    utf8 = codecs.lookup(dialect.encoding).name in _UTF8_NAMES
    read_path = path
    with open(path, "rb") as source:
        if utf8:
            scan = _scan(source, dialect, delivery, file, None)
        else:
            read_path = workdir / f"{file}.utf-8"
            with open(read_path, "wb") as copy:
                scan = _scan(source, dialect, delivery, file, copy)
    if not scan.has_content:
        raise DeliveryError(dialect.centre_id, delivery, file,
                            "file is empty (0 bytes or blank): a table with no rows must "
                            "still have its header line")
    if scan.mixed_line_ends:
        normalised = workdir / f"{file}.lf"
        _normalise_line_ends(read_path, normalised)
        if read_path != path:
            read_path.unlink()
        read_path = normalised
    header = read_header(read_path, dialect, delivery, file)
    unclosed = unclosed_quote_row(read_path, dialect.delimiter) if scan.odd_quotes else None
    return CsvFile(path, read_path, scan.sha256, header, scan.ends_with_line_end, unclosed,
                   scan.has_quotes)


def private_workdir(parent: Path | None) -> Path:
    """A temporary folder (0700) for the UTF-8 copies, beside the working database."""
    import tempfile

    if parent is not None:
        parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=".csv-copies-", dir=parent))


def remove_workdir(workdir: Path) -> None:
    """Remove a temporary folder of UTF-8 copies (identifiable data: never left behind)."""
    shutil.rmtree(workdir, ignore_errors=True)
