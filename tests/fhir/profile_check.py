"""A profile check written from the ROR IG's FSH sources (../shared/standards/ror-fhir-ig).

It reads the FSH of RORLocation, RORHealthcareService, ROROrganization and the extensions
Bedwatch uses, and checks a resource against what those files say:

- cardinalities: `* path min..max` and `contains … [named] name min..max` (a rule on a child
  applies to each instance of its parent, so `identifier[idLocation].type 1..1` binds only when
  that slice is present);
- required bindings: `* path from $JDV (required)`, met by a coding whose system is the value
  set or a code system the IG itself uses with it (codes.csv);
- fixed values: `* path = $SYSTEM#code`;
- types of extension values: `* value[x] only T`.

Slices are matched by their discriminator: extension slices by url, the others by the few
value discriminators the profiles declare (`SLICES`). Rules on slices it cannot discriminate
(none of which Bedwatch emits) are skipped and listed in `skipped`. The parents of the ROR
profiles (FR Core, Annuaire) are not in the bundle: R4 core structure is checked separately.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROR_SD = "https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition"
TRE_R355 = "https://mos.esante.gouv.fr/NOS/TRE_R355-TypeIdentifiantOffre/FHIR/TRE-R355-TypeIdentifiantOffre"

PROFILES = {
    "Location": "profiles/RORLocation.fsh",
    "HealthcareService": "profiles/RORHealthcareService.fsh",
    "Organization": "profiles/ROROrganization.fsh",
}
EXTENSIONS = {
    f"{ROR_SD}/ror-location-supported-capacity": "extensions/RORLocationSupportedCapacity.fsh",
    f"{ROR_SD}/ror-commune-cog": "extensions/RORCommuneCog.fsh",
    f"{ROR_SD}/ror-meta-creation-date": "extensions/RORMetaCreationDate.fsh",
    f"{ROR_SD}/ror-comment": "extensions/RORComment.fsh",
    f"{ROR_SD}/ror-coordinate-reliability": "extensions/RORCoordinateReliability.fsh",
}
# Value-discriminated slices of the profiles (`^slicing.discriminator` in the FSH).
SLICES = {
    ("identifier", "idExterneSynchro"): ("type.coding.code", "26"),
    ("identifier", "idLocation"): ("type.coding.code", "25"),
    ("specialty", "operationalActivity"): (
        "coding.system",
        "https://mos.esante.gouv.fr/NOS/TRE_R211-ActiviteOperationnelle/FHIR/TRE-R211-ActiviteOperationnelle",
    ),
    ("characteristic", "careMode"): (
        "coding.system",
        "https://mos.esante.gouv.fr/NOS/TRE_R213-ModePriseEnCharge/FHIR/TRE-R213-ModePriseEnCharge",
    ),
    ("tag", "codeRegion"): (
        "system",
        "https://mos.esante.gouv.fr/NOS/TRE_R30-RegionOM/FHIR/TRE-R30-RegionOM",
    ),
}

_CARD = re.compile(r"^\* (\S+) (\d+)\.\.(\d+|\*)")
_CONTAINS = re.compile(r"^\* (\S+) contains\s*$")
_MEMBER = re.compile(r"^\s+(?:(\S+) named )?(\S+) (\d+)\.\.(\d+|\*)")
_FROM = re.compile(r"^\* (\S+) from (\$\S+)(?: \((\w+)\))?")
_FIXED = re.compile(r"^\* (\S+) = (\$[^#\s]+|https?://[^#\s]+)#(\S+)")
_ONLY = re.compile(r"^\* (\S*value\[x\]) only (\w+)\s*$")


@dataclass
class Rules:
    cards: list[tuple[str, int, int | None]] = field(default_factory=list)
    bindings: list[tuple[str, str]] = field(default_factory=list)
    fixed: list[tuple[str, str, str]] = field(default_factory=list)
    types: list[tuple[str, str]] = field(default_factory=list)


def _strip_comments(text: str) -> list[str]:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)
    return [line.split(" //")[0].rstrip() for line in text.splitlines()]


class IG:
    def __init__(self, root: Path) -> None:
        self.root = root / "input" / "fsh"
        self.aliases = {"$TRE-R355-TypeIdentifiantOffre": TRE_R355}  # README: missing alias
        for line in _strip_comments((self.root / "aliases.fsh").read_text(encoding="utf-8")):
            match = re.match(r"^Alias:\s*(\$\S+)\s*=\s*(\S+)", line)
            if match:
                self.aliases[match.group(1)] = match.group(2)
        # Value set → the code systems the IG's own files use with it.
        self.systems: dict[str, set[str]] = {}
        with (root / "codes.csv").open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row["canonical_url"]:
                    self.systems.setdefault(row["canonical_url"], set()).add(
                        row["code_system_url"].rstrip("/")
                    )
        self.profiles = {name: self._rules(path) for name, path in PROFILES.items()}
        self.extensions = {url: self._rules(path) for url, path in EXTENSIONS.items()}

    def _rules(self, relative: str) -> Rules:
        rules = Rules()
        lines = _strip_comments((self.root / relative).read_text(encoding="utf-8"))
        contains: str | None = None
        for line in lines:
            if contains is not None:
                member = _MEMBER.match(line)
                if member:
                    _type, name, low, high = member.groups()
                    rules.cards.append((f"{contains}[{name}]", int(low), _max(high)))
                    continue
                contains = None
            if match := _CONTAINS.match(line):
                contains = match.group(1)
            elif match := _CARD.match(line):
                rules.cards.append((match.group(1), int(match.group(2)), _max(match.group(3))))
            elif match := _FROM.match(line):
                if (match.group(3) or "required") == "required":
                    rules.bindings.append(
                        (match.group(1), self.aliases.get(match.group(2), match.group(2)))
                    )
            elif match := _FIXED.match(line):
                system = self.aliases.get(match.group(2), match.group(2))
                rules.fixed.append((match.group(1), system, match.group(3)))
            elif match := _ONLY.match(line):
                rules.types.append((match.group(1), match.group(2)))
        return rules


def _max(raw: str) -> int | None:
    return None if raw == "*" else int(raw)


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _get(node: Any, dotted: str) -> list:
    values = [node]
    for part in dotted.split("."):
        values = [v for item in values if isinstance(item, dict) for v in _as_list(item.get(part))]
    return values


class Checker:
    def __init__(self, ig: IG) -> None:
        self.ig = ig
        self.skipped: set[str] = set()

    def _step(self, items: list, segment: str, where: str) -> list | None:
        """Children `segment` (maybe `name[slice]`) of each of `items`; None when a slice
        cannot be discriminated."""
        match = re.fullmatch(r"([\w\[\]x]+?)(?:\[([\w-]+)\])?", segment)
        if match is None:
            return None
        name, slice_name = match.groups()
        if name == "value[x]" or segment == "value[x]":
            return [
                v
                for item in items
                if isinstance(item, dict)
                for k, v in item.items()
                if k.startswith("value")
            ]
        children = [c for item in items if isinstance(item, dict) for c in _as_list(item.get(name))]
        if slice_name is None:
            return children
        if name == "extension":
            return [
                c
                for c in children
                if isinstance(c, dict)
                and (c.get("url") == slice_name or str(c.get("url", "")).endswith("/" + slice_name))
            ]
        discriminator = SLICES.get((name, slice_name))
        if discriminator is None:
            self.skipped.add(f"{where}: {segment}")
            return None
        path, value = discriminator
        return [c for c in children if value in _get(c, path)]

    def resolve(self, root: Any, path: str, where: str) -> list | None:
        items = [root]
        for segment in _segments(path):
            items = self._step(items, segment, where)
            if items is None:
                return None
        return items

    def check(self, resource: dict) -> list[str]:
        kind = resource.get("resourceType")
        problems: list[str] = []
        if kind in self.ig.profiles:
            profile = f"{ROR_SD}/ror-{kind.lower()}"
            if profile not in _get(resource, "meta.profile"):
                problems.append(f"{kind}.meta.profile lacks {profile}")
            problems += self._apply(resource, self.ig.profiles[kind], kind)
        for index, extension in enumerate(_as_list(resource.get("extension"))):
            url = extension.get("url") if isinstance(extension, dict) else None
            if url in self.ig.extensions:
                problems += self._apply(
                    extension, self.ig.extensions[url], f"{kind}.extension[{index}]"
                )
        return problems

    def _apply(self, root: dict, rules: Rules, where: str) -> list[str]:
        problems = []
        for path, low, high in rules.cards:
            segments = _segments(path)
            parents = (
                self.resolve(root, ".".join(segments[:-1]), where) if len(segments) > 1 else [root]
            )
            if parents is None:
                continue
            for parent in parents:
                found = self._step([parent], segments[-1], where)
                if found is None:
                    break
                if len(found) < low or (high is not None and len(found) > high):
                    problems.append(
                        f"{where}.{path}: {len(found)} found, {low}..{high or '*'} allowed"
                    )
        for path, value_set in rules.bindings:
            for element in self.resolve(root, path, where) or []:
                if not isinstance(element, dict):
                    continue
                allowed = {value_set, value_set.rstrip("/")} | self.ig.systems.get(value_set, set())
                codings = _as_list(element.get("coding")) if "coding" in element else [element]
                if not any(
                    isinstance(c, dict) and c.get("system", "").rstrip("/") in allowed
                    for c in codings
                ):
                    problems.append(
                        f"{where}.{path}: no coding from {value_set} (required binding)"
                    )
        for path, system, code in rules.fixed:
            target = path.removesuffix(".coding.code")
            for element in self.resolve(root, target, where) or []:
                codings = _as_list(element.get("coding")) if isinstance(element, dict) else []
                if path.endswith(".coding.code"):
                    ok = code in _as_list(element) or any(c.get("code") == code for c in codings)
                else:
                    ok = any(c.get("system") == system and c.get("code") == code for c in codings)
                if not ok:
                    problems.append(f"{where}.{path}: must be {system}#{code}")
        for path, type_name in rules.types:
            parents = (
                self.resolve(
                    root, path.removesuffix(".value[x]").removesuffix("value[x]").rstrip("."), where
                )
                if path != "value[x]"
                else [root]
            )
            for parent in parents or []:
                keys = (
                    [k for k in parent if k.startswith("value")] if isinstance(parent, dict) else []
                )
                if keys and keys != [f"value{type_name[0].upper()}{type_name[1:]}"]:
                    problems.append(
                        f"{where}.{path}: {keys} is not value{type_name[0].upper()}{type_name[1:]}"
                    )
        return problems


def _segments(path: str) -> list[str]:
    return [s for s in re.split(r"\.(?![^\[]*\])", path) if s]
