"""Write a synthetic multicentre ProMISE landing area (see ../shared/spec/export-format.md).

Calibration source: Bone Marrow Transplantation 2026 (AURAML/VENAURA), outcomes.md targets.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from schemas.canonical import TABLE_NAMES
from synthetic_registry.centres import CENTRE_BY_ID, CENTRES, Centre
from synthetic_registry.defects import MANIFEST_COLUMNS, FileTarget, inject_row_defects
from synthetic_registry.model import ChunkTruth, composition, day, ic_pool_chunk, simulate_chunk
from synthetic_registry.render import CsvTableWriter, StreamingXlsxWriter, render

#: Chosen among seeds 2000-2399 as the one whose 75 transplanted AZA/VEN R/R patients come
#: closest to the published outcomes (2-y OS/CIR/NRM/GRFS, GVHD); see README.md.
DEFAULT_SEED = 2139
CHUNK_PATIENTS = 20_000
SUCCESS_MARKER = "_SUCCESS"
SUCCESS_CONTENT = b""
#: file-level defects: (centre, table) that get them when defect_rate > 0
TRUNCATED_TARGET = ("STE", "mutations")       # smallest CSV AZA/VEN centre
ENCODING_TARGET = ("VAL", "mutations")        # utf-8 centre with non-ASCII labels (sí)


@dataclass
class GenerationSummary:
    """What :func:`generate_registry` wrote."""

    landing: Path
    seed: int
    patients: int
    centres: list[str]
    deliveries: dict[str, list[str]]
    rows: dict[tuple[str, str], int]            # (centre, table) -> rows in newest delivery
    defects: int = 0
    manifest: Path | None = None
    paths: list[Path] = field(default_factory=list)   # delivery folders, oldest first


def cutoffs() -> dict[str, float]:
    """Export date (days since 1970) of each centre's newest delivery."""
    return {c.centre_id: day(c.deliveries[-1]) for c in CENTRES}


def _chunk_plan(seed: int, patients: int | None) -> Iterator[tuple[np.random.Generator,
                                                                   dict[str, int], int]]:
    totals = composition(patients)
    if patients is None:
        yield np.random.Generator(np.random.PCG64(seed)), totals, 0
        rng, pool = ic_pool_chunk(seed)
        yield rng, pool, 1
        return
    n_chunks = max(1, math.ceil(patients / CHUNK_PATIENTS))
    for k in range(n_chunks):
        per = {c: t // n_chunks + (1 if k < t % n_chunks else 0) for c, t in totals.items()}
        yield np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, k]))), per, k


def simulate_truth(seed: int = DEFAULT_SEED, patients: int | None = None) -> ChunkTruth:
    """The simulated truth (all chunks concatenated; for tests and moderate N only)."""
    pats, tabs = [], {t: [] for t in TABLE_NAMES}
    offset = 0
    for rng, per, _ in _chunk_plan(seed, patients):
        ch = simulate_chunk(rng, per, cutoffs())
        pats.append(ch.patients)
        for t, f in ch.tables.items():
            f = f.copy()
            f["_row"] += offset
            tabs[t].append(f)
        offset += len(ch.patients)
    return ChunkTruth(pd.concat(pats, ignore_index=True),
                      {t: pd.concat(v, ignore_index=True) for t, v in tabs.items()})


def assign_patient_ids(pat: pd.DataFrame, counters: dict[str, int]) -> tuple[np.ndarray,
                                                                             np.ndarray]:
    """Local ids in order of diagnosis within each centre; returns (ids, rank within centre)."""
    ids = np.empty(len(pat), dtype=object)
    rank = np.zeros(len(pat), dtype=np.int64)
    for cid, idx in pat.groupby("centre_id", sort=True).indices.items():
        order = idx[np.argsort(pat["diagnosis_date"].to_numpy()[idx], kind="stable")]
        start = counters.get(cid, 0)
        fmt = CENTRE_BY_ID[cid].id_format
        ids[order] = [fmt.format(n=start + j + 1) for j in range(len(order))]
        rank[order] = np.arange(len(order))
        counters[cid] = start + len(order)
    return ids, rank


def snapshot(table: str, f: pd.DataFrame, cutoff: float) -> pd.DataFrame:
    """The state of a table as exported on an earlier date (rows dated after it removed)."""
    if table == "patients":
        return f[f["diagnosis_date"] <= cutoff - 14]
    date_col = {"treatment_lines": "start_date", "responses": "assessment_date",
                "mrd": "sample_date", "transplants": "hsct_date", "gvhd": "onset_date"}
    if table in date_col:
        f = f[f[date_col[table]] <= cutoff].copy()
        if table == "treatment_lines":
            late = f["end_date"] > cutoff
            f.loc[late, "end_date"] = np.nan
            f.loc[late, "cycles"] = np.nan
        if table == "transplants":
            f.loc[f["hsct_date"] + 30 > cutoff, "chimerism_d30_recipient_pct"] = np.nan
            f.loc[f["hsct_date"] + 90 > cutoff, "chimerism_d90_recipient_pct"] = np.nan
        return f
    if table == "followup":
        f = f.copy()
        f["last_contact_date"] = np.minimum(f["last_contact_date"], cutoff)
        gone = ~(f["death_date"] <= cutoff)
        f.loc[gone, ["death_date"]] = np.nan
        f.loc[gone, "death_cause"] = None
        f.loc[gone, "vital_status"] = "alive"
        norel = ~(f["relapse_date"] <= cutoff)
        f.loc[norel, "relapse_date"] = np.nan
        f.loc[norel, "relapse_type"] = None
        return f
    return f  # mutations: filtered through the patients kept


class DeliverySink:
    """All files of one delivery of one centre; ``_SUCCESS`` is written last by close()."""

    def __init__(self, folder: Path, centre: Centre, delivery: str, file_defects: set[str]):
        self.folder = folder
        self.centre = centre
        self.delivery = delivery
        self.file_defects = file_defects
        folder.mkdir(parents=True, exist_ok=True)
        marker = folder / SUCCESS_MARKER
        if marker.exists():
            marker.unlink()
        self.csv: dict[str, CsvTableWriter] = {}
        self.xlsx: StreamingXlsxWriter | None = None
        if centre.format == "xlsx":
            self.xlsx = StreamingXlsxWriter(folder / "export.xlsx", centre, list(TABLE_NAMES))
        else:
            for t in TABLE_NAMES:
                enc = "cp1252" if f"wrong_encoding:{t}" in file_defects else None
                self.csv[t] = CsvTableWriter(folder / centre.source_file(t), t, centre, enc)

    def rows(self, table: str) -> int:
        return self.xlsx.rows[table] if self.xlsx else self.csv[table].rows

    def file_label(self, table: str) -> str:
        if self.xlsx:
            return f"export.xlsx#{self.centre.source_file(table)}"
        return self.centre.source_file(table)

    def write(self, table: str, cells: dict[str, np.ndarray],
              short_rows: dict[int, int] | None = None) -> None:
        """Append rows; ``short_rows`` (CSV only): row position -> trailing fields to drop."""
        if self.xlsx:
            self.xlsx.write(table, cells)
        else:
            self.csv[table].write(cells, short_rows)

    def close(self) -> list[tuple]:
        manifest: list[tuple] = []
        if self.xlsx:
            self.xlsx.close()
        for t, w in self.csv.items():
            w.close()
            if f"truncated_file:{t}" in self.file_defects:
                manifest.append(self._truncate(t, w))
            if f"wrong_encoding:{t}" in self.file_defects:
                manifest.append(self._encoding_row(t, w))
        (self.folder / SUCCESS_MARKER).write_bytes(SUCCESS_CONTENT)
        return manifest

    def _truncate(self, table: str, w: CsvTableWriter) -> tuple:
        """Cut the file in the middle of its last row (before that row's last delimiter)."""
        data = w.path.read_bytes()
        term = self.centre.lineterminator.encode()
        body = data[: -len(term)]
        start = body.rfind(term) + len(term)
        last = body[start:]
        cut = last.rfind(self.centre.delimiter.encode())
        cut = max(1, cut - max(1, cut // 3))
        w.path.write_bytes(data[: start + cut])
        partial = last[:cut].decode(w.fh.encoding)
        return (self.centre.centre_id, self.delivery, table, self.file_label(table), w.rows, "",
                "truncated_file", partial, "centre_fails")

    def _encoding_row(self, table: str, w: CsvTableWriter) -> tuple:
        """The first data row holding a non-ASCII character (undecodable as utf-8)."""
        text = w.path.read_bytes().decode("cp1252")
        lines = text.split(self.centre.lineterminator)
        cols = list(csv.reader([lines[0]], delimiter=self.centre.delimiter))[0]
        from schemas.canonical import CANONICAL_TABLES
        canon = CANONICAL_TABLES[table].column_names
        for i, line in enumerate(lines[1:], start=1):
            if any(ord(ch) > 127 for ch in line):
                fields = list(csv.reader([line], delimiter=self.centre.delimiter))[0]
                for j, value in enumerate(fields):
                    if any(ord(ch) > 127 for ch in value):
                        return (self.centre.centre_id, self.delivery, table,
                                self.file_label(table), i, canon[cols.index(cols[j])],
                                "wrong_encoding", value, "centre_fails")
        return (self.centre.centre_id, self.delivery, table, self.file_label(table), 0, "",
                "wrong_encoding", "", "centre_fails")


def write_centre_yaml(folder: Path, centre: Centre) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    text = yaml.dump(centre.yaml_dict(), Dumper=yaml.SafeDumper, sort_keys=False,
                     allow_unicode=True, width=100)
    (folder / "centre.yaml").write_text(text, encoding="utf-8")


def generate_registry(landing: Path, seed: int = DEFAULT_SEED, patients: int | None = None,
                      defect_rate: float = 0.0) -> GenerationSummary:
    """Write the synthetic landing area: ``<landing>/<centre>/centre.yaml`` and deliveries.

    ``patients=None`` writes the study-sized registry (592 AZA/VEN patients in 12 centres and
    a pool of 480 IC-salvaged transplanted comparators from one centre, 2006-2021; LYS, GRE, BDX and PSL deliver an older and a newer full snapshot).
    ``patients=N`` is the scale mode: N patients spread proportionally over the 13 centres,
    one delivery per centre, simulated and written in chunks of 20,000 patients so memory
    does not grow with N. ``defect_rate=R > 0`` injects faults into the NEWEST delivery of
    each centre only (about R per data row, see :mod:`synthetic_registry.defects`) and writes
    ``<landing>/defects_manifest.csv``. Same seed, same arguments -> byte-identical files.
    Calibration source: Bone Marrow Transplantation 2026 (AURAML/VENAURA).
    """
    landing = Path(landing)
    landing.mkdir(parents=True, exist_ok=True)
    scale = patients is not None
    totals = composition(patients)
    centres = [c for c in CENTRES if totals[c.centre_id] > 0]
    deliveries = {c.centre_id: [c.deliveries[-1]] if scale else list(c.deliveries)
                  for c in centres}
    file_defects: dict[str, set[str]] = {c.centre_id: set() for c in centres}
    if defect_rate > 0:
        for kind, (cid, table) in (("truncated_file", TRUNCATED_TARGET),
                                   ("wrong_encoding", ENCODING_TARGET)):
            if cid in file_defects:
                file_defects[cid].add(f"{kind}:{table}")
    sinks: dict[tuple[str, str], DeliverySink] = {}
    for c in centres:
        write_centre_yaml(landing / c.centre_id, c)
        for d in deliveries[c.centre_id]:
            newest = d == deliveries[c.centre_id][-1]
            sinks[(c.centre_id, d)] = DeliverySink(
                landing / c.centre_id / d, c, d, file_defects[c.centre_id] if newest else set())
    counters: dict[str, int] = {}
    manifest_path = landing / "defects_manifest.csv"
    n_defects = 0
    n_patients = 0
    with open(manifest_path if defect_rate > 0 else os.devnull, "w", encoding="utf-8",
              newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")      # streamed: memory stays flat
        out.writerow(MANIFEST_COLUMNS)
        for rng, per, k in _chunk_plan(seed, patients):
            truth = simulate_chunk(rng, per, cutoffs())
            n_patients += len(truth.patients)
            drng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 99, k])))
            found = _write_chunk(truth, centres, deliveries, sinks, counters, drng,
                                 defect_rate, file_defects)
            out.writerows(found)
            n_defects += len(found)
            del truth
        for sink in sinks.values():
            found = sink.close()
            out.writerows(found)
            n_defects += len(found)
    if defect_rate <= 0 and manifest_path.exists():
        manifest_path.unlink()          # a manifest from an earlier defect run is stale
    rows = {(c.centre_id, t): sinks[(c.centre_id, deliveries[c.centre_id][-1])].rows(t)
            for c in centres for t in TABLE_NAMES}
    paths = [landing / cid / d for cid, ds in deliveries.items() for d in ds]
    return GenerationSummary(landing=landing, seed=seed, patients=n_patients,
                             centres=[c.centre_id for c in centres], deliveries=deliveries,
                             rows=rows, defects=n_defects,
                             manifest=manifest_path if defect_rate > 0 else None,
                             paths=paths)


def _write_chunk(truth: ChunkTruth, centres: list[Centre], deliveries: dict[str, list[str]],
                 sinks: dict[tuple[str, str], DeliverySink], counters: dict[str, int],
                 drng: np.random.Generator, rate: float,
                 file_defects: dict[str, set[str]]) -> list[tuple]:
    pat = truth.patients
    ids, rank = assign_patient_ids(pat, counters)
    centre_of = pat["centre_id"].to_numpy()
    manifest: list[tuple] = []
    ctx_all = pd.DataFrame({"birth_date": pat["birth_date"], "diagnosis_date":
                            pat["diagnosis_date"], "hsct_date": pat["hsct_date"]})
    # per table: columns as arrays, rows sorted by (centre, patient rank), split by centre
    split: dict[str, dict[str, dict[str, np.ndarray]]] = {}
    for t, f in truth.tables.items():
        r = f["_row"].to_numpy()
        order = np.lexsort((rank[r], centre_of[r]))
        arrays = {c: f[c].to_numpy()[order] for c in f.columns}
        cen = centre_of[r][order]
        split[t] = {}
        for c in centres:
            lo, hi = np.searchsorted(cen, c.centre_id, "left"), np.searchsorted(
                cen, c.centre_id, "right")
            split[t][c.centre_id] = {k: v[lo:hi] for k, v in arrays.items()}
    for c in centres:
        cid = c.centre_id
        for d in deliveries[cid]:
            newest = d == deliveries[cid][-1]
            sink = sinks[(cid, d)]
            kept = None
            for t in TABLE_NAMES:
                cols = split[t][cid]
                if not newest:
                    f = snapshot(t, pd.DataFrame(cols), day(d))
                    if t == "patients":
                        kept = set(f["_row"].tolist())
                    else:
                        f = f[f["_row"].isin(kept)]
                    cols = {k: f[k].to_numpy() for k in f.columns}
                rows = cols["_row"]
                cells = render(t, cols, ids[rows], c)
                if newest and rate > 0 and not file_defects[cid]:
                    target = FileTarget(c, d, t, sink.file_label(t), c.format == "xlsx")
                    ctx = ctx_all.iloc[rows].reset_index(drop=True)
                    typed = pd.DataFrame(cols)
                    frame, found, short_rows = inject_row_defects(
                        drng, rate, pd.DataFrame(cells), typed, ctx, target, sink.rows(t))
                    cells = {k: frame[k].to_numpy() for k in frame.columns}
                    manifest += found
                    sink.write(t, cells, short_rows)
                else:
                    sink.write(t, cells)
    return manifest
