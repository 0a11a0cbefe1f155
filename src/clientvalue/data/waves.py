"""Earlier waves and a benchmark file for notebook 50 (comparisons), read through the codebook.

Earlier measurements come in one of two forms (codebook section ``waves``, see docs/codebook.md):

* ``waves.column``: one stacked export with a column that says which wave a row belongs to;
* ``waves.earlier``: separate exports, each with its own codebook. Questions are matched by
  column; ``mapping`` matches a question whose column name changed; a question whose scale
  changed is refused unless ``rescale`` declares it (mapped linearly onto today's scale).

:func:`stack_waves` returns one frame with a ``wave`` column and language-free notes (a question
asked in only some waves, ids that repeat across waves, a rescaled question). Bad input raises a
:class:`~clientvalue.errors.ClientValueError` naming the file, the column, the value and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from clientvalue.data.codebook import Codebook
from clientvalue.data.survey import Survey, code_text, code_texts, map_distinct
from clientvalue.errors import CodebookError, DataError

WAVE = "wave"  # the wave column of the stacked frame
# A benchmark row with this "question" holds the reference's practical share of the explained variance
# (its value profile; `mean` between 0 and 1), shown beside the organisation's own.
VALUE_PROFILE = "practical_share"
BENCHMARK_COLUMNS = ("question", "mean")


@dataclass(frozen=True)
class Waves:
    """Every wave stacked: the current survey's question columns, its group and weight, and ``wave``."""

    data: pd.DataFrame
    order: list[str]  # oldest first; the last is the current wave
    questions: dict[str, list[str]]  # question -> the waves it was asked in
    notes: list[dict] = field(default_factory=list)  # language-free: {"kind": ..., ...}


def questions_of(codebook: Codebook) -> list[str]:
    """The outcome and item columns, in codebook order."""
    return ([codebook.outcome.column] if codebook.outcome else []) + [i.column for i in codebook.items]


def _scales(codebook: Codebook) -> dict[str, tuple[float, float]]:
    out = {i.column: (i.scale.min, i.scale.max) for i in codebook.items}
    if codebook.outcome:
        out[codebook.outcome.column] = (codebook.outcome.scale.min, codebook.outcome.scale.max)
    return out


def _frame(survey, questions: list[str], wave: str, *, group: str | None, rename: dict[str, str]) -> pd.DataFrame:
    data = survey.data
    out = pd.DataFrame({q: data[old] for old, q in rename.items() if q in questions}, index=data.index)
    out["_group"] = data[survey.group].astype(str) if survey.group else "all"
    out["_weight"] = data[survey.weight].astype(float) if survey.weight else 1.0
    out["_id"] = code_texts(data[survey.codebook.id])
    out[WAVE] = wave
    return out.reset_index(drop=True)


def stack_waves(survey) -> Waves | None:
    """Stack the current survey with its earlier waves (``None`` when the codebook names none).

    Parameters
    ----------
    survey : Survey
        The current survey (:func:`clientvalue.data.survey.load_survey`).

    Returns
    -------
    Waves or None
        ``data`` has the current question columns, ``_group``, ``_weight``, ``_id`` and ``wave``.

    Raises
    ------
    DataError
        A wave column with one value or an unknown value in ``order``; an earlier export whose
        questions cannot be matched to today's.
    CodebookError
        A mapping from a column the earlier codebook does not have; a scale that changed without
        a ``rescale`` declaration.
    """
    spec = survey.codebook.waves
    if spec is None:
        return None
    questions = questions_of(survey.codebook)
    if spec.column is not None:
        return _stacked_file(survey, questions)
    frames, present, notes = _earlier_frames(survey, questions)
    frames.append(_frame(survey, questions, spec.current, group=survey.group, rename={q: q for q in questions}))
    present[spec.current] = list(questions)
    order = [w.name for w in spec.earlier] + [spec.current]
    return _finish(frames, order, questions, present, notes, survey)


def _earlier_frames(survey, questions: list[str]) -> tuple[list[pd.DataFrame], dict[str, list[str]], list[dict]]:
    """The earlier waves' exports (``waves.earlier``) read, matched to today's questions and rescaled:
    their frames, the questions each holds and the notes; every refusal of :func:`stack_waves` on
    separate files is made here (today's export is read and checked already)."""
    from clientvalue.data.survey import load_survey  # the same reading and cleaning as the current export

    spec = survey.codebook.waves
    base = survey.codebook_path.parent if survey.codebook_path else Path(".")
    frames, present, notes = [], {}, []
    current_scales = _scales(survey.codebook)
    for wave in spec.earlier:
        path = base / wave.codebook
        if not path.is_file():
            raise CodebookError(
                f"{survey.codebook_path}: waves.earlier {wave.name!r} names codebook {wave.codebook!r}, which does not "
                f"exist at {path}. Give the path of that wave's codebook, relative to this codebook's folder.")
        earlier = load_survey(path)
        rename = _match(earlier, wave, questions, path, survey.codebook_path)
        scales = _scales(earlier.codebook)
        frame = _frame(earlier, questions, wave.name, group=survey.group, rename=rename)
        for old, new in rename.items():
            if scales[old] != current_scales[new]:
                if new not in wave.rescale:
                    raise CodebookError(
                        f"{path}: question {old!r} (today {new!r}) was asked on the scale {list(scales[old])} in wave "
                        f"{wave.name!r} and is asked on {list(current_scales[new])} now: the waves cannot be compared "
                        f"as they are. Declare `rescale: [{new}]` under that wave in {survey.codebook_path} to map it "
                        "linearly onto today's scale, or leave the question out of that wave's codebook.")
                (a, b), (c, d) = scales[old], current_scales[new]
                frame[new] = c + (frame[new] - a) * (d - c) / (b - a)
                notes.append({"kind": "rescaled", "question": new, "wave": wave.name,
                              "from": f"{a:g}-{b:g}", "to": f"{c:g}-{d:g}"})
        frames.append(frame)
        present[wave.name] = [q for q in questions if q in frame.columns]
    return frames, present, notes


def _match(earlier, wave, questions: list[str], path: Path, current_path) -> dict[str, str]:
    """Earlier column -> current question, by name and the wave's ``mapping``."""
    own = questions_of(earlier.codebook)
    bad = [old for old in wave.mapping if old not in own]
    if bad:
        raise CodebookError(
            f"{current_path}: waves.earlier {wave.name!r} maps {bad}, which are not the outcome or an item of "
            f"{path} (it has {own}). Use that wave's column names on the left of the mapping.")
    rename = {old: wave.mapping.get(old, old) for old in own}
    rename = {old: new for old, new in rename.items() if new in questions}
    if not rename:
        raise DataError(
            f"{path}: wave {wave.name!r} cannot be matched to {current_path}: none of its questions {own} is a "
            f"question of today's codebook {questions}. Map the columns whose name changed under "
            f"`waves.earlier[...].mapping` (earlier name: current name).")
    return rename


def _stacked_file(survey, questions: list[str]) -> Waves:
    spec = survey.codebook.waves
    column = spec.column
    values = map_distinct(survey.data[column], code_text)  # a few waves in a million rows
    found = sorted(values.dropna().unique().tolist(), key=lambda v: (len(v), v))
    if len(found) < 2:
        raise DataError(
            f"{survey.path}, column {column!r} (codebook waves.column): it holds {len(found)} value(s) "
            f"{found[:3]!r}, so there is nothing to compare. A stacked file needs rows of at least two waves; "
            "remove `waves` from the codebook for a single measurement.")
    if values.isna().any():
        rows = list(values.index[values.isna()][:5])
        raise DataError(f"{survey.path}, column {column!r}: {int(values.isna().sum())} row(s) have no wave "
                        f"(first rows {rows}); give every row its wave.")
    order = [str(v) for v in spec.order] if spec.order else found
    unknown = [v for v in found if v not in order]
    if unknown or len(set(order)) != len(order):
        raise DataError(f"{survey.path}, column {column!r}: the values {unknown or order} do not match "
                        f"waves.order {order}; list every wave once, oldest first.")
    data = _frame(survey, questions, "", group=survey.group, rename={q: q for q in questions})
    data[WAVE] = values.to_numpy()
    present = {w: [q for q in questions if data.loc[data[WAVE] == w, q].notna().any()] for w in order}
    frames = [data[data[WAVE] == w] for w in order if w in found]
    return _finish(frames, [w for w in order if w in found], questions, present, [], survey)


def _finish(frames, order, questions, present, notes, survey) -> Waves:
    data = pd.concat(frames, ignore_index=True)
    asked = {q: [w for w in order if q in present[w]] for q in questions}
    for q, waves in asked.items():
        if len(waves) < len(order):
            notes.append({"kind": "question_not_in_every_wave", "question": q, "waves": ",".join(waves)})
    ids = data.dropna(subset=["_id"]).groupby("_id")[WAVE].nunique()
    repeated = int((ids > 1).sum())
    if repeated:
        notes.append({"kind": "ids_repeat", "n": repeated})
    return Waves(data=data, order=list(order), questions=asked, notes=notes)


def read_benchmark(survey) -> pd.DataFrame | None:
    """The benchmark reference file named in the codebook (``None`` without one).

    Returns
    -------
    DataFrame or None
        ``question``, ``mean`` and whichever of ``n``, ``sd``, ``se`` the file has (numbers).

    Raises
    ------
    DataError
        A missing file, a missing column, a value that is not a number, or a question that is not the
        outcome or an item of the codebook (the message lists them and the known questions).
    """
    spec = survey.codebook.benchmark
    if spec is None:
        return None
    from clientvalue.data.readers import read_export

    base = survey.codebook_path.parent if survey.codebook_path else Path(".")
    path = base / spec.file
    if not path.is_file():
        raise DataError(f"{survey.codebook_path}: benchmark.file {spec.file!r} does not exist at {path}. "
                        "Give the reference file's path relative to the codebook, or remove `benchmark`.")
    frame = read_export(path).frame
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in BENCHMARK_COLUMNS if c not in frame.columns]
    if missing or not {"n", "sd", "se"} & set(frame.columns):
        raise DataError(f"{path}: a benchmark file needs the columns question, mean and n, sd or se; it has "
                        f"{list(frame.columns)} (missing {missing or ['n, sd or se']}).")
    out = pd.DataFrame({"question": frame["question"].map(code_text)})
    for column in ("mean", "n", "sd", "se"):
        if column in frame.columns:
            values = pd.to_numeric(frame[column], errors="coerce")
            bad = values.isna() & frame[column].notna()
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0])
                raise DataError(f"{path}, column {column!r}: {frame[column].iloc[row]!r} (data row {row + 1}) is not a "
                                "number; use a decimal point and no thousands separator.")
            out[column] = values
    known = questions_of(survey.codebook)
    unknown = [q for q in out["question"] if q not in known and q != VALUE_PROFILE]
    if unknown:
        raise DataError(f"{path}, column 'question': {unknown[:10]} are not questions of the codebook; the "
                        f"benchmark must use the column names of the outcome or the items: {known} (or "
                        f"{VALUE_PROFILE!r} for the reference's practical share).")
    if out["question"].duplicated().any():
        twice = sorted(set(out.loc[out["question"].duplicated(), "question"]))
        raise DataError(f"{path}, column 'question': {twice} appear more than once; give one row per question.")
    share = out.loc[out["question"] == VALUE_PROFILE, "mean"]
    if len(share) and not 0 <= float(share.iloc[0]) <= 1:
        raise DataError(f"{path}: the {VALUE_PROFILE!r} row has mean {float(share.iloc[0])!r}; give the reference's "
                        "practical share of the explained variance as a fraction between 0 and 1.")
    return out


# --------------------------------------------------------------------------- the input check of notebook 50
def check_comparison_inputs(survey: Survey) -> bool:
    """Refuse bad comparison input (notebook 50) before any notebook runs; True (levels always run on an outcome or items).

    Raises
    ------
    DataError, CodebookError
        Earlier waves that cannot be matched, a wave column with one value, a unit column with a
        single unit, a benchmark with unknown questions.
    """
    questions = questions_of(survey.codebook)
    if not questions:
        return False
    spec = survey.codebook.waves
    if spec is not None and spec.column is None:
        _earlier_frames(survey, questions)  # what can be refused; stacking today's rows onto them cannot fail
    else:
        stack_waves(survey)
    read_benchmark(survey)
    unit_values(survey)
    return True


def unit_values(survey: Survey) -> pd.Series | None:
    """Each respondent's unit name as text (None: missing); None without `units` in the codebook.

    Raises
    ------
    DataError
        The unit column holds fewer than two units.
    """
    spec = survey.codebook.units
    if spec is None:
        return None
    column = survey.data[spec.column]
    codes, uniques = pd.factorize(column)  # a unit's name as text (12.0 -> "12", blank -> None), once per unit
    names = np.array([code_text(u) for u in uniques] + [None], dtype=object)
    values = pd.Series(names[codes], index=column.index, dtype=object)  # code -1 (missing) takes the last
    found = values.dropna().unique()
    if len(found) < 2:
        raise DataError(
            f"{survey.path}, column {spec.column!r} (codebook units.column): it holds {len(found)} unit(s) "
            f"{list(found)[:3]!r}; comparing units needs at least two teams, locations or organisations. "
            "Name another column under `units`, or remove `units` from the codebook.")
    return values
