"""The commune gazetteer: every French commune and municipal arrondissement with one point.

Pure and in process: no database. The data is `regions/communes/communes.csv` (derived by
`manage.py build_gazetteer`, sources in `regions/communes/SOURCES.md`), read once on first use.

- `place_resolve(text, department=…)`: what a dispatcher typed (a commune name, a postcode, an
  INSEE code, "Lyon 3e", "45.76, 4.84") → the place searched from, and its alternatives.
- `place_search(q, department=…, limit=8)`: suggestions while typing, best first.
- `commune_for(postcode=…, city=…)`: the commune of a postal address, or None when unsure.

Names are compared folded: case, accents, hyphens and apostrophes do not count, and "St"/"Ste"
read as "Saint"/"Sainte". An ambiguous name (many "Saint-Martin") prefers the caller's
département, then the larger population; the others come back as alternatives.
"""

from __future__ import annotations

import bisect
import csv
import dataclasses
import functools
import heapq
import re
import unicodedata
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "communes" / "communes.csv"
COLUMNS = (
    "insee",
    "name",
    "department",
    "region",
    "postcodes",
    "population",
    "lat",
    "lon",
    "parent",
)
MAX_QUERY_LENGTH = 120
MAX_ALTERNATIVES = 10
# While typing, a commune of the caller's département counts as this many times its population:
# nearby villages come first, but "etienne" still offers Saint-Étienne before a hamlet.
LOCAL_WEIGHT = 20

# Départements and overseas collectivities outside `regions.data.DEPARTMENTS` (which holds the
# 101 départements Bedwatch has hospitals in), for labels only.
COLLECTIVITIES: dict[str, str] = {
    "975": "Saint-Pierre-et-Miquelon",
    "977": "Saint-Barthélemy",
    "978": "Saint-Martin",
    "984": "Terres australes et antarctiques françaises",
    "986": "Wallis-et-Futuna",
    "987": "Polynésie française",
    "988": "Nouvelle-Calédonie",
    "989": "Île de Clipperton",
}
# Paris, Lyon, Marseille: the INSEE code of arrondissement n is base + n.
ARRONDISSEMENTS: dict[str, tuple[int, int]] = {
    "paris": (75100, 20),
    "lyon": (69380, 9),
    "marseille": (13200, 16),
}
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_ARRONDISSEMENT = re.compile(
    r"^(paris|lyon|marseille) 0?(\d{1,2}) ?(?:er|e|eme|em|ieme|e me)?(?: arr(?:ondissement)?)?$"
)
_POSTCODE = re.compile(r"^\d{5}$")
_INSEE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$", re.IGNORECASE)
# "Saint-Martin (65)", "Saint-Martin (65140)", "65140 Saint-Martin", "Saint-Martin 65140".
_NAME_CODE = (
    re.compile(r"^(?P<name>.*\S)\s*\(\s*(?P<code>\d{2,3}|2[AB]|\d{5}|2[AB]\d{3})\s*\)$", re.I),
    re.compile(r"^(?P<code>\d{5})[\s,]+(?P<name>\D.*)$"),
    re.compile(r"^(?P<name>.*\D)[\s,]+(?P<code>\d{5})$"),
)
# "45.75, 4.85", "45.75 4.85", "45.75;4.85", or with decimal commas "45,75; 4,85" / "45,75 4,85".
_POINT_DOT = re.compile(r"^\s*(-?\d{1,3}(?:\.\d+)?)\s*[,;\s]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
_POINT_COMMA = re.compile(r"^\s*(-?\d{1,3}(?:,\d+)?)\s*[;\s]\s*(-?\d{1,3}(?:,\d+)?)\s*$")


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    insee: str
    postcode: str
    department: str
    region: str
    lat: float
    lon: float
    population: int
    postcodes: tuple[str, ...] = ()
    parent: str = ""  # the commune of a municipal arrondissement

    @property
    def is_point(self) -> bool:
        """Typed coordinates rather than a commune."""
        return not self.insee

    @property
    def label(self) -> str:
        """What the place field shows once the place is chosen: unique enough to resolve back."""
        if self.is_point:
            return self.name
        return f"{self.name} ({self.postcode})"

    def to_dict(self) -> dict[str, object]:
        """The public fields (`GET /api/v1/places/`)."""
        return {
            "name": self.name,
            "insee": self.insee,
            "postcode": self.postcode,
            "department": self.department,
            "region": self.region,
            "lat": self.lat,
            "lon": self.lon,
        }


@dataclass(frozen=True, slots=True)
class Resolution:
    """The place a text names, how it was read, and the other places it could have meant."""

    place: Place
    how: str  # "point", "postcode", "insee", "arrondissement" or "name"
    alternatives: tuple[Place, ...] = ()


class BadCoordinates(ValueError):
    """The text is a pair of numbers but not a latitude and a longitude."""


def fold(text: str) -> str:
    """`"Saint-Étienne"`, `"ST ETIENNE"`, `"st-étienne"` → `"saint etienne"`."""
    text = unicodedata.normalize("NFKD", text.casefold().replace("œ", "oe").replace("æ", "ae"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    words = _NOT_ALNUM.sub(" ", text).split()
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)


def parse_point(text: str) -> tuple[float, float] | None:
    """Latitude and longitude typed as text, or None when `text` is not a pair of numbers."""
    for pattern in (_POINT_DOT, _POINT_COMMA):
        match = pattern.match(text)
        if match:
            return float(match[1].replace(",", ".")), float(match[2].replace(",", "."))
    return None


def department_name(code: str) -> str:
    """The département's (or overseas collectivity's) name, "" if unknown."""
    return department_names().get(code, "")


@functools.cache
def department_names() -> dict[str, str]:
    """Every département and overseas collectivity code with its name."""
    from regions.data import DEPARTMENTS  # pure data, no models

    return {code: name for code, name, _ in DEPARTMENTS} | COLLECTIVITIES


class _Index:
    """Everything a lookup needs, built once from the data file."""

    def __init__(self, places: Iterable[Place]) -> None:
        self.by_insee: dict[str, Place] = {}
        self.by_name: dict[str, list[Place]] = defaultdict(list)
        self.by_postcode: dict[str, list[Place]] = defaultdict(list)
        for place in places:
            self.by_insee[place.insee] = place
            self.by_name[fold(place.name)].append(place)
            for code in place.postcodes:
                self.by_postcode[code].append(place)
        self.names = sorted(self.by_name)
        # Every later word of a name, for "etienne" → "Saint-Étienne": (from that word, name).
        inner: dict[str, list[str]] = defaultdict(list)
        for name in self.names:
            for i, ch in enumerate(name):
                if ch == " ":
                    inner[name[i + 1 :]].append(name)
        self.inner_names = inner
        self.inner = sorted(inner)


def _load(path: Path) -> list[Place]:
    with path.open(encoding="utf-8", newline="") as f:
        return [
            Place(
                name=row["name"],
                insee=row["insee"],
                postcode=row["postcodes"].split()[0] if row["postcodes"] else "",
                department=row["department"],
                region=row["region"],
                lat=float(row["lat"]),
                lon=float(row["lon"]),
                population=int(row["population"]),
                postcodes=tuple(row["postcodes"].split()),
                parent=row["parent"],
            )
            for row in csv.DictReader(f)
        ]


@functools.cache
def _index() -> _Index:
    return _Index(_load(DATA_FILE))


Departments = str | Collection[str] | None


def _home(department: Departments) -> frozenset[str]:
    """The caller's département(s) as a set: one code, several (a région's), or none."""
    if not department:
        return frozenset()
    return frozenset((department,) if isinstance(department, str) else department)


def _ranked(places: Iterable[Place], department: Departments) -> list[Place]:
    """The caller's département first, then the larger population."""
    home = _home(department)
    return sorted(places, key=lambda p: (p.department not in home, -p.population, p.insee))


def _with_postcode(place: Place, postcode: str) -> Place:
    return place if place.postcode == postcode else dataclasses.replace(place, postcode=postcode)


def _by_postcode(code: str) -> list[Place]:
    """The places a postcode serves; an arrondissement hides its commune (69003 is Lyon 3e)."""
    found = _index().by_postcode.get(code, [])
    parents = {p.parent for p in found if p.parent}
    return [_with_postcode(p, code) for p in found if p.insee not in parents]


def _resolution(places: list[Place], how: str, department: Departments) -> Resolution | None:
    if not places:
        return None
    ranked = _ranked(places, department)
    return Resolution(ranked[0], how, tuple(ranked[1 : 1 + MAX_ALTERNATIVES]))


def _with_code(name: str, code: str) -> list[Place]:
    """The places called `name` that a postcode, INSEE code or département code narrows to."""
    code = code.upper()
    found = _index().by_name.get(fold(name), [])
    if len(code) == 5:
        return [
            _with_postcode(p, code) if code in p.postcodes else p
            for p in found
            if code in p.postcodes or p.insee == code
        ]
    return [p for p in found if p.department == code]


def place_resolve(text: str, *, department: Departments = None) -> Resolution | None:
    """The place `text` names, or None when it names none.

    Read in this order: coordinates ("45.76, 4.84"; out of range raises `BadCoordinates`), a
    postcode (a 5-digit text that is also an INSEE code offers that commune as an alternative),
    an INSEE code, an arrondissement ("Lyon 3e", "Paris 15e"), a name with a code ("Saint-Martin
    (65)", "65140 Saint-Martin"), a name. `department` is the caller's (a code, or several),
    preferred when a name is ambiguous.
    """
    text = " ".join(text.split())[:MAX_QUERY_LENGTH]
    if not text:
        return None
    point = parse_point(text)
    if point is not None:
        lat, lon = point
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise BadCoordinates(text)
        name = f"{lat:.5f}, {lon:.5f}"
        return Resolution(Place(name, "", "", "", "", lat, lon, 0), "point")
    index = _index()
    if _POSTCODE.match(text):
        found = _resolution(_by_postcode(text), "postcode", department)
        same_insee = index.by_insee.get(text)
        if found is None:
            return _resolution([same_insee] if same_insee else [], "insee", department)
        if same_insee is not None and same_insee.insee != found.place.insee:
            found = dataclasses.replace(found, alternatives=(*found.alternatives, same_insee))
        return found
    if _INSEE.match(text):
        place = index.by_insee.get(text.upper())
        return _resolution([place] if place else [], "insee", department)
    folded = fold(text)
    match = _ARRONDISSEMENT.match(folded)
    if match:
        base, count = ARRONDISSEMENTS[match[1]]
        number = int(match[2])
        place = index.by_insee.get(str(base + number)) if 1 <= number <= count else None
        if place is not None:
            return Resolution(place, "arrondissement")
    for pattern in _NAME_CODE:
        named = pattern.match(text)
        if named:
            return _resolution(_with_code(named["name"], named["code"]), "name", department)
    return _resolution(index.by_name.get(folded, []), "name", department)


def _prefixed(keys: list[str], prefix: str) -> Iterable[str]:
    for key in keys[bisect.bisect_left(keys, prefix) :]:
        if not key.startswith(prefix):
            return
        yield key


def place_search(q: str, *, department: Departments = None, limit: int = 8) -> list[Place]:
    """Places for a partly typed text, best first: what `place_resolve` reads it as, then names
    starting with it, then names with a later word starting with it (`"etienne"` finds
    Saint-Étienne); within each, by population, the caller's département weighing
    `LOCAL_WEIGHT` times more."""
    try:
        resolved = place_resolve(q, department=department)
    except BadCoordinates:
        return []
    if resolved is not None and resolved.how == "point":
        return []
    home = _home(department)
    found = [resolved.place, *resolved.alternatives] if resolved else []
    seen = {p.insee for p in found}
    folded = fold(q)
    if len(folded) >= 2 and not folded.isdigit():
        index = _index()
        whole = [p for name in _prefixed(index.names, folded) for p in index.by_name[name]]
        inner = []
        if len(folded) >= 3:
            inner = [
                p
                for rest in _prefixed(index.inner, folded)
                for name in index.inner_names[rest]
                for p in index.by_name[name]
            ]
        candidates = {p.insee: (0, p) for p in inner} | {p.insee: (1, p) for p in whole}
        best = heapq.nlargest(
            limit + len(seen),
            candidates.values(),
            key=lambda c: (
                c[0],
                c[1].population * (LOCAL_WEIGHT if c[1].department in home else 1),
            ),
        )
        found += [p for _, p in best if p.insee not in seen]
    elif folded.isdigit() and 2 <= len(folded) < 5:
        # A postcode being typed: "690" → the communes of 690xx, largest first.
        index = _index()
        codes = [code for code in index.by_postcode if code.startswith(folded)]
        places = {p.insee: p for code in codes for p in _by_postcode(code)}
        found += _ranked(places.values(), department)
    return found[:limit]


def place_close(q: str, *, department: Departments = None, limit: int = 3) -> list[Place]:
    """Places whose names start like `q` when nothing starts with all of it: for "did you mean"
    after a typo ("Saint-Etiene" → Saint-Étienne). The text is shortened from its end, down to
    half its length (and 3 characters)."""
    folded = fold(q)
    for cut in range(len(folded), max(3, (len(folded) + 1) // 2) - 1, -1):
        found = place_search(folded[:cut], department=department, limit=limit)
        if found:
            return found
    return []


def commune_for(*, postcode: str, city: str = "") -> Place | None:
    """The commune of a postal address, or None when the postcode and city do not point to one.

    The city is compared folded ("ST ETIENNE" is Saint-Étienne; a trailing "CEDEX 3" is
    ignored); an arrondissement answers to its commune's name ("69003", "LYON" → Lyon 3e). With
    no matching city the postcode alone decides only when it serves a single commune.
    """
    postcode = postcode.strip()
    city = re.sub(r"\bcedex\b.*$", "", fold(city)).strip()
    index = _index()
    if not _POSTCODE.match(postcode):
        return None
    found = _by_postcode(postcode)
    if city:
        for place in found:
            parent = index.by_insee.get(place.parent)
            if fold(place.name) == city or (parent is not None and fold(parent.name) == city):
                return place
        # A CEDEX or outdated postcode: the city's name within the postcode's département.
        prefix = postcode[:3] if postcode.startswith("97") else postcode[:2]
        departments = ("2A", "2B") if prefix == "20" else (prefix,)
        same = [p for p in index.by_name.get(city, []) if p.department in departments]
        if len(same) == 1:
            return same[0]
        return None
    return found[0] if len(found) == 1 else None
