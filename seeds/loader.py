"""Loads the reference data in this folder: regions, key groups, occupations.

Idempotent: codes are natural keys, so loading twice changes nothing, and a corrected name
in a file updates the row. A file with a bad row is refused whole, with every bad row named
by its line number; nothing is written.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.errors import DomainError
from core.models import CodedTree
from stations.models import CertificateKind, KeyGroup, Occupation, Region

SEEDS_DIR = Path(__file__).resolve().parent

TreeModel = TypeVar("TreeModel", Region, Occupation)


class SeedFileError(DomainError):
    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("The seed files have bad rows:\n" + "\n".join(problems))
        self.problems = list(problems)


@dataclass
class LoadResult:
    name: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{self.name}: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged"
        )


def read_rows(path: Path, columns: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a CSV file with their line numbers (the header is line 1)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [column for column in columns if column not in (reader.fieldnames or [])]
        if missing:
            raise SeedFileError([f"{path.name}: missing columns {', '.join(missing)}"])
        for row in reader:
            yield reader.line_num, {key: (value or "").strip() for key, value in row.items() if key}


def _optional_float(value: str) -> float | None:
    return float(value) if value else None


def _apply(instance: Any, values: dict[str, Any]) -> bool:
    """Set ``values`` on ``instance``; whether anything changed."""
    changed = False
    for name, value in values.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    return changed


def _save_validated(instance: Any, problems: list[str], where: str) -> bool:
    """Save the row or record why not. Fields are checked in Python; table constraints by the
    database itself (validating them in Python costs a query each), inside a savepoint so
    that a refused row does not poison the rest of the load."""
    try:
        instance.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for field_name, messages in error.message_dict.items():
            problems.extend(f"{where}: {field_name}: {message}" for message in messages)
        return False
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as error:
        problems.append(f"{where}: refused by the database: {error}")
        return False
    return True


def _load_tree(
    model: type[TreeModel],
    path: Path,
    *,
    level_order: Sequence[str],
    extra: dict[str, Any] | None = None,
) -> LoadResult:
    """Create or update the nodes of a coded tree; parents come before their children."""
    columns = ["code", "parent_code", "level", "name_zh_hans", "name_en", *(extra or {})]
    result = LoadResult(str(model._meta.verbose_name_plural))
    nodes: dict[str, TreeModel] = {node.code: node for node in model.objects.all()}
    for line, row in read_rows(path, columns):
        where = f"{path.name} line {line}"
        code, parent_code, level = row["code"], row["parent_code"], row["level"]
        if level not in level_order:
            result.problems.append(f"{where}: unknown level {level!r}")
            continue
        parent = nodes.get(parent_code) if parent_code else None
        if parent_code and parent is None:
            result.problems.append(f"{where}: parent {parent_code} is not defined above")
            continue
        if parent is not None and level_order.index(parent.level) >= level_order.index(level):
            result.problems.append(
                f"{where}: a {level} cannot sit under the {parent.level} {parent.code}"
            )
            continue
        values: dict[str, Any] = {
            "parent": parent,
            "level": level,
            "name_zh_hans": row["name_zh_hans"],
            "name_en": row["name_en"],
            "path": CodedTree.path_for(code=code, parent_path=parent.path if parent else None),
        }
        try:
            for column, convert in (extra or {}).items():
                values[column] = convert(row[column])
        except ValueError as error:
            result.problems.append(f"{where}: {error}")
            continue
        node = nodes.get(code)
        if node is None:
            node = model(code=code)
            _apply(node, values)
            if _save_validated(node, result.problems, where):
                result.created += 1
                nodes[code] = node
        elif _apply(node, values):
            if _save_validated(node, result.problems, where):
                result.updated += 1
        else:
            result.unchanged += 1
    return result


def load_regions(path: Path) -> LoadResult:
    return _load_tree(
        Region,
        path,
        level_order=Region.Level.values,
        extra={"latitude": _optional_float, "longitude": _optional_float},
    )


def load_occupations(path: Path) -> LoadResult:
    return _load_tree(Occupation, path, level_order=Occupation.Level.values)


def load_key_groups(path: Path) -> LoadResult:
    duty_columns = ["duty_job_pushes", "duty_training_recommendations", "duty_guidance_sessions"]
    columns = ["code", "sort_order", "name_zh_hans", "name_en", *duty_columns, "description"]
    result = LoadResult(str(KeyGroup._meta.verbose_name_plural))
    existing = {group.code: group for group in KeyGroup.objects.all()}
    for line, row in read_rows(path, columns):
        where = f"{path.name} line {line}"
        try:
            values: dict[str, Any] = {
                "sort_order": int(row["sort_order"]),
                "name_zh_hans": row["name_zh_hans"],
                "name_en": row["name_en"],
                "description": row["description"],
                **{column: int(row[column]) for column in duty_columns},
            }
        except ValueError as error:
            result.problems.append(f"{where}: {error}")
            continue
        group = existing.get(row["code"])
        if group is None:
            group = KeyGroup(code=row["code"])
            _apply(group, values)
            if _save_validated(group, result.problems, where):
                result.created += 1
        elif _apply(group, values):
            if _save_validated(group, result.problems, where):
                result.updated += 1
        else:
            result.unchanged += 1
    return result


def load_certificate_kinds(path: Path) -> LoadResult:
    result = LoadResult(str(CertificateKind._meta.verbose_name_plural))
    existing = {kind.code: kind for kind in CertificateKind.objects.prefetch_related("occupations")}
    occupations = {o.code: o for o in Occupation.objects.filter(level=Occupation.Level.TRADE)}
    for line, row in read_rows(path, ["code", "name_zh_hans", "name_en", "occupations"]):
        where = f"{path.name} line {line}"
        codes = row["occupations"].split()
        unknown = [code for code in codes if code not in occupations]
        if unknown:
            result.problems.append(f"{where}: unknown trades {', '.join(unknown)}")
            continue
        kind = existing.get(row["code"])
        created = kind is None
        if kind is None:
            kind = CertificateKind(code=row["code"])
        changed = _apply(kind, {"name_zh_hans": row["name_zh_hans"], "name_en": row["name_en"]})
        wanted = {occupations[code].pk for code in codes}
        linked = set() if created else {o.pk for o in kind.occupations.all()}
        if (created or changed) and not _save_validated(kind, result.problems, where):
            continue
        if wanted != linked:
            kind.occupations.set(wanted)
            changed = True
        if created:
            result.created += 1
        elif changed:
            result.updated += 1
        else:
            result.unchanged += 1
    return result


def load_seeds(directory: Path = SEEDS_DIR) -> list[LoadResult]:
    """Load every seed file in one transaction; refuse all of them if any row is bad."""
    with transaction.atomic():
        results = [
            load_regions(directory / "regions.csv"),
            load_key_groups(directory / "key_groups.csv"),
            load_occupations(directory / "occupations.csv"),
            load_certificate_kinds(directory / "certificate_kinds.csv"),
        ]
        problems = [problem for result in results for problem in result.problems]
        if problems:
            # Leaving the block by an exception rolls back whatever the good rows wrote.
            raise SeedFileError(problems)
    return results
