"""Scoring policies: a readable TOML file, parsed and checked here.

See `policies/default.toml` for the format and the reasoning behind each
number. A policy that does not parse or breaks a rule is refused with the
place and the reason ("factor[3].points_each: must be a number").
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chengxin.core.errors import ValidationFailed

DEFAULT_PATH = Path(__file__).with_name("policies") / "default.toml"
FACTOR_TYPES = ("presence", "count", "rate", "volume", "tenure", "contact")
SIZES = ("micro", "small", "medium", "large", "unknown")


@dataclass(frozen=True)
class Factor:
    code: str
    type: str
    label: str
    label_en: str
    explain: str
    explain_en: str
    kinds: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()  # rate: a record is a hit if its tag is one of these
    hit_kinds: tuple[str, ...] = ()  # rate: ... or its kind is one of these
    window_days: int | None = None
    decay: bool = True
    points: float = 0.0  # presence, contact
    points_each: float = 0.0  # count
    points_per_year: float = 0.0  # tenure
    points_per_excess: float = 0.0  # volume
    normal: dict[str, float] = field(default_factory=dict)  # volume
    prior: float = 0.5  # rate
    prior_weight: float = 0.0
    points_above: float = 0.0
    points_below: float = 0.0
    min_points: float | None = None
    max_points: float | None = None


@dataclass(frozen=True)
class Cap:
    kinds: tuple[str, ...]
    grade: str
    label: str
    label_en: str


@dataclass(frozen=True)
class Policy:
    version: str
    name: str
    name_en: str
    base: float
    min: float
    max: float
    half_life_days: float
    min_evidence: int
    grades: tuple[tuple[str, float], ...]  # (grade, min score), best first
    factors: tuple[Factor, ...]
    caps: tuple[Cap, ...]
    ranking_min_evidence: int
    ranking_min_tenure_days: int
    ranking_size: int
    text: str
    sha256: str

    def kinds(self) -> set[str]:
        out: set[str] = set()
        for f in self.factors:
            out.update(f.kinds)
            out.update(f.hit_kinds)
        for c in self.caps:
            out.update(c.kinds)
        return out

    def grade_for(self, score: float) -> str:
        for grade, low in self.grades:
            if score >= low:
                return grade
        return self.grades[-1][0]

    def grade_rank(self, grade: str) -> int:
        """0 for the best grade; len(grades) for "not rated"."""
        for i, (g, _low) in enumerate(self.grades):
            if g == grade:
                return i
        return len(self.grades)


class _Reader:
    """Reads typed values out of the parsed TOML, collecting errors with
    their place."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def get(self, d: dict[str, Any], key: str, where: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        if key not in d:
            if default is ...:
                self.errors.append(f"{where}{key}: missing")
                return None
            return default
        value = d[key]
        if kind in (float, (int, float)):
            if isinstance(value, bool) or not isinstance(value, int | float):
                self.errors.append(f"{where}{key}: must be a number")
                return None
            return float(value)
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            self.errors.append(f"{where}{key}: must be a whole number")
            return None
        if kind is str and not (isinstance(value, str) and value.strip()):
            self.errors.append(f"{where}{key}: must be a non-empty text")
            return None
        if kind is bool and not isinstance(value, bool):
            self.errors.append(f"{where}{key}: must be true or false")
            return None
        if kind is list and not (isinstance(value, list) and all(isinstance(v, str) and v for v in value)):
            self.errors.append(f"{where}{key}: must be a list of texts")
            return None
        return value


def parse(text: str, *, kinds: dict[str, tuple[int, bool]] | None = None) -> Policy:
    """Parse and check a policy. `kinds` (record kind -> (polarity, conduct),
    from the database) lets the check refuse unknown kinds, points on kinds
    that are not evidence about conduct, and points against a kind's sign."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ValidationFailed(f"policy: not valid TOML ({e})", field="policy", code="invalid_policy") from None
    r = _Reader()
    version = r.get(data, "version", "", str)
    grades_raw = data.get("grades")
    grades: list[tuple[str, float]] = []
    if not isinstance(grades_raw, list) or not grades_raw:
        r.errors.append("grades: give at least one grade")
    else:
        for i, g in enumerate(grades_raw):
            if not isinstance(g, dict):
                r.errors.append(f"grades[{i}]: must be a table")
                continue
            name, low = r.get(g, "grade", f"grades[{i}].", str), r.get(g, "min", f"grades[{i}].", float)
            if name is not None and low is not None:
                grades.append((name, low))
        if len(grades) == len(grades_raw):
            if [low for _g, low in grades] != sorted((low for _g, low in grades), reverse=True) or len({g for g, _ in grades}) != len(grades):
                r.errors.append("grades: list each grade once, best first, with falling minimum scores")
    factors: list[Factor] = []
    seen: set[str] = set()
    for i, f in enumerate(data.get("factor", [])):
        where = f"factor[{i}]."
        errors_before = len(r.errors)
        code = r.get(f, "code", where, str)
        ftype = r.get(f, "type", where, str)
        if code in seen:
            r.errors.append(f"{where}code: {code!r} is used twice")
        seen.add(code)
        if ftype is not None and ftype not in FACTOR_TYPES:
            r.errors.append(f"{where}type: must be one of {', '.join(FACTOR_TYPES)}")
            continue
        needs_kinds = ftype in ("presence", "count", "rate", "volume")
        fkinds = tuple(r.get(f, "kinds", where, list, [] if not needs_kinds else ...) or ())
        kw: dict[str, Any] = {
            "code": code, "type": ftype, "kinds": fkinds,
            "label": r.get(f, "label", where, str), "label_en": r.get(f, "label_en", where, str),
            "explain": r.get(f, "explain", where, str), "explain_en": r.get(f, "explain_en", where, str),
            "tags": tuple(r.get(f, "tags", where, list, []) or ()),
            "hit_kinds": tuple(r.get(f, "hit_kinds", where, list, []) or ()),
            "window_days": r.get(f, "window_days", where, int, None),
            "decay": r.get(f, "decay", where, bool, True),
            "min_points": r.get(f, "min_points", where, float, None),
            "max_points": r.get(f, "max_points", where, float, None),
        }
        if ftype in ("presence", "contact"):
            kw["points"] = r.get(f, "points", where, float)
        elif ftype == "count":
            kw["points_each"] = r.get(f, "points_each", where, float)
        elif ftype == "tenure":
            kw["points_per_year"] = r.get(f, "points_per_year", where, float)
        elif ftype == "volume":
            kw["points_per_excess"] = r.get(f, "points_per_excess", where, float)
            normal = f.get("normal")
            if not isinstance(normal, dict) or set(normal) != set(SIZES) or not all(
                isinstance(v, int | float) and not isinstance(v, bool) and v > 0 for v in normal.values()
            ):
                r.errors.append(f"{where}normal: give a positive number for each size: {', '.join(SIZES)}")
            else:
                kw["normal"] = {k: float(v) for k, v in normal.items()}
        elif ftype == "rate":
            kw["prior"] = r.get(f, "prior", where, float)
            kw["prior_weight"] = r.get(f, "prior_weight", where, float)
            kw["points_above"] = r.get(f, "points_above", where, float)
            kw["points_below"] = r.get(f, "points_below", where, float)
            if kw["prior"] is not None and not 0 < kw["prior"] < 1:
                r.errors.append(f"{where}prior: must lie strictly between 0 and 1")
            if kw["prior_weight"] is not None and kw["prior_weight"] < 0:
                r.errors.append(f"{where}prior_weight: must not be negative")
            if not kw["tags"] and not kw["hit_kinds"]:
                r.errors.append(f"{where}: a rate needs `tags` or `hit_kinds` to say what a hit is")
            if kw["points_above"] is not None and kw["points_above"] < 0 or kw["points_below"] is not None and kw["points_below"] > 0:
                r.errors.append(f"{where}: points_above must be ≥ 0 and points_below ≤ 0 (a better rate never costs points)")
        if kw["window_days"] is not None and kw["window_days"] <= 0:
            r.errors.append(f"{where}window_days: must be positive")
        for k in (*fkinds, *kw["hit_kinds"]):
            if kinds is not None and k not in kinds:
                r.errors.append(f"{where}kinds: unknown record kind {k!r}")
            elif kinds is not None and not kinds[k][1]:
                r.errors.append(f"{where}kinds: {k!r} is not evidence about conduct and cannot give points")
            elif kinds is not None and ftype == "count" and kw.get("points_each") is not None and (
                (kinds[k][0] > 0 > kw["points_each"]) or (kinds[k][0] < 0 < kw["points_each"])
            ):
                r.errors.append(f"{where}points_each: the sign does not fit the record kind {k!r}")
        if len(r.errors) == errors_before:
            factors.append(Factor(**{k: v for k, v in kw.items() if v is not None}))
    caps: list[Cap] = []
    for i, c in enumerate(data.get("cap", [])):
        where = f"cap[{i}]."
        cap_grade = r.get(c, "grade", where, str)
        if cap_grade is not None and grades and cap_grade not in {g for g, _ in grades}:
            r.errors.append(f"{where}grade: {cap_grade!r} is not one of the grades")
        cap_kinds = tuple(r.get(c, "kinds", where, list) or ())
        for k in cap_kinds:
            if kinds is not None and k not in kinds:
                r.errors.append(f"{where}kinds: unknown record kind {k!r}")
        caps.append(Cap(cap_kinds, cap_grade or "",
                        r.get(c, "label", where, str) or "", r.get(c, "label_en", where, str) or ""))
    ranking = data.get("ranking", {})
    policy_kw = {
        "version": version, "name": r.get(data, "name", "", str), "name_en": r.get(data, "name_en", "", str),
        "base": r.get(data, "base", "", float), "min": r.get(data, "min", "", float), "max": r.get(data, "max", "", float),
        "half_life_days": r.get(data, "half_life_days", "", float),
        "min_evidence": r.get(data, "min_evidence", "", int, 1),
        "ranking_min_evidence": r.get(ranking, "min_evidence", "ranking.", int, 3),
        "ranking_min_tenure_days": r.get(ranking, "min_tenure_days", "ranking.", int, 180),
        "ranking_size": r.get(ranking, "size", "ranking.", int, 50),
    }
    if policy_kw["half_life_days"] is not None and policy_kw["half_life_days"] <= 0:
        r.errors.append("half_life_days: must be positive")
    if None not in (policy_kw["min"], policy_kw["max"], policy_kw["base"]) and not policy_kw["min"] <= policy_kw["base"] <= policy_kw["max"]:
        r.errors.append("base: must lie between min and max")
    if r.errors:
        raise ValidationFailed("; ".join(r.errors), field="policy", code="invalid_policy")
    return Policy(grades=tuple(grades), factors=tuple(factors), caps=tuple(caps), text=text,
                  sha256=hashlib.sha256(text.encode()).hexdigest(), **policy_kw)


def default_text() -> str:
    return DEFAULT_PATH.read_text(encoding="utf-8")
