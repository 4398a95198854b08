"""Code systems, value sets and profiles Bedwatch's FHIR resources use, in one place.

The ROR IG (ANS, v0.7.0) binds each coded element to a value set (JDV) whose codes come from a
terminology (TRE); ROR's own examples write sometimes the TRE, sometimes the JDV as
`coding.system`, so both are accepted on input (`CAPACITY_SYSTEMS`) and the TRE is written.
"""

from __future__ import annotations

ROR = "https://interop.esante.gouv.fr/ig/fhir/ror"
ROR_SD = f"{ROR}/StructureDefinition"
PROFILE_LOCATION = f"{ROR_SD}/ror-location"
PROFILE_HEALTHCARE_SERVICE = f"{ROR_SD}/ror-healthcareservice"
PROFILE_ORGANIZATION = f"{ROR_SD}/ror-organization"
SUPPORTED_CAPACITY = f"{ROR_SD}/ror-location-supported-capacity"
COMMUNE_COG = f"{ROR_SD}/ror-commune-cog"
META_CREATION_DATE = f"{ROR_SD}/ror-meta-creation-date"
SENSITIVE_UNIT = f"{ROR_SD}/ror-healthcareservice-sensitive-unit"
PATIENT_TYPE = f"{ROR_SD}/ror-healthcareservice-patient-type"

NOS = "https://mos.esante.gouv.fr/NOS"


def tre(name: str) -> str:
    """`TRE_R330-TypeStatutCapacite` → its canonical URL."""
    return f"{NOS}/{name}/FHIR/{name.replace('_', '-')}"


def jdv(name: str) -> str:
    """`JDV_J188-TypeStatutCapacite-ROR` → its canonical URL."""
    return f"{NOS}/{name}/FHIR/{name.replace('_', '-')}"


NATURE_CAPACITE = tre("TRE_R329-NatureCapacite")
STATUT_CAPACITE = tre("TRE_R330-TypeStatutCapacite")
TEMPORALITE = tre("TRE_R331-TemporaliteCapacite")
GENRE = tre("TRE_R332-GenreCapacite")
TYPE_FERMETURE = tre("TRE_R333-TypeFermetureCapacite")
LIT_SUPPLEMENTAIRE = tre("TRE_R334-TypeLitSupplementaire")
SOURCE_CAPACITE = tre("TRE_R335-TypeSourceCapacite")
TYPE_CRISE = tre("TRE_R336-TypeCrise")
AFFECTATION = tre("TRE_R337-AffectationTemporaire")
REGION_OM = tre("TRE_R30-RegionOM")
COMMUNE_OM = tre("TRE_R13-CommuneOM")
FONCTION_LIEU = tre("TRE_R343-FonctionLieu")
TYPE_ID_RESSOURCE = tre("TRE_R354-TypeIdentifiantRessourceOperationnelle")
TYPE_ID_OFFRE = tre("TRE_R355-TypeIdentifiantOffre")
TYPE_ID_STRUCTURE = tre("TRE_G07-TypeIdentifiantStructure")
CHAMP_ACTIVITE = tre("TRE_R227-ChampActivite")
ACTIVITE_OPERATIONNELLE = tre("TRE_R211-ActiviteOperationnelle")
MODE_PRISE_EN_CHARGE = tre("TRE_R213-ModePriseEnCharge")
FINESS_SYSTEM = "https://finess.esante.gouv.fr"

# Each coded sub-extension of ror-location-supported-capacity: the TRE we write, and every
# system accepted on input (the TRE, its JDV, and the JDV with the trailing slash ROR's
# scenario 9 writes).
CAPACITY_CODED: dict[str, tuple[str, str]] = {
    "capacityType": (NATURE_CAPACITE, "JDV_J187-NatureCapacite-ROR"),
    "capacityStatus": (STATUT_CAPACITE, "JDV_J188-TypeStatutCapacite-ROR"),
    "temporalityCapacity": (TEMPORALITE, "JDV_J189-TemporaliteCapacite-ROR"),
    "genderCapacityAvailable": (GENRE, "JDV_J190-GenreCapacite-ROR"),
    "capacityClosingType": (TYPE_FERMETURE, "JDV_J191-TypeFermetureCapacite-ROR"),
    "additionalBedType": (LIT_SUPPLEMENTAIRE, "JDV_J192-TypeLitSupplementaire-ROR"),
    "capacitySourceType": (SOURCE_CAPACITE, "JDV_J193-TypeSourceCapacite-ROR"),
    "crisisType": (TYPE_CRISE, "JDV_J194-TypeCrise-ROR"),
    "temporaryAssignement": (AFFECTATION, "JDV_J195-AffectationTemporaire-ROR"),
}
CAPACITY_SYSTEMS: dict[str, frozenset[str]] = {
    name: frozenset({system, jdv(value_set), jdv(value_set) + "/"})
    for name, (system, value_set) in CAPACITY_CODED.items()
}
# The 1..1 sub-extensions of ror-location-supported-capacity (RORLocationSupportedCapacity.fsh).
CAPACITY_REQUIRED = (
    "capacityType",
    "capacityStatus",
    "temporalityCapacity",
    "nbCapacity",
    "capacitySourceType",
    "capacityUpdateDate",
    "temporaryAssignement",
)
CAPACITY_OPTIONAL = (
    "genderCapacityAvailable",
    "capacityClosingType",
    "additionalBedType",
    "crisisType",
    "comment",
)

# Our figure → ROR capacity status (TRE_R330).
STATUS_CODES: dict[str, tuple[str, str]] = {
    "installed": ("01", "Installé"),
    "available": ("02", "Disponible"),
    "occupied": ("03", "Occupé"),
    "reserved": ("04", "Réservé"),
    "closed": ("05", "Fermé"),
    "extra": ("06", "Supplémentaire"),
}
FIGURE_OF_STATUS = {code: name for name, (code, _display) in STATUS_CODES.items()}
CURRENT = ("01", "Courant")
BED = ("01", "Lit")
PLACE = ("02", "Place")
NO_ASSIGNMENT = ("01", "Aucune")
# Where the figures came from (TRE_R335), when Bedwatch writes the records itself.
SOURCE_TYPES: dict[str, tuple[str, str]] = {
    "web": ("01", "Saisie manuelle"),
    "import": ("01", "Saisie manuelle"),
    "api": ("02", "Bed management"),
    "fhir": ("02", "Bed management"),
}
SOURCE_TYPE_CODES = frozenset({"01", "02", "03", "04"})
TEMPORALITY_CODES = frozenset({"01", "02", "03"})
NATURE_CODES = frozenset({"01", "02"})
GENDER_CODES = frozenset({"01", "02", "03"})

# A unit is where its beds are: ROR's J198 "fonction du lieu" 001 Hébergement (the only code of
# J198 the IG shows, used by its own critical-care Location example).
HOSTING = ("001", "Hébergement")
# Champ d'activité (J20 → TRE_R227): every Bedwatch unit is MCO.
MCO = ("01", "Médecine, Chirurgie, Obstétrique (MCO)")
# Mode de prise en charge (J19 → TRE_R213): critical care is full hospitalisation.
FULL_HOSPITALISATION = ("28", "Hospitalisation complète (HC)")
ID_LOCATION = ("25", "Identifiant du lieu de réalisation de l'offre connu par l'instance ROR")
ID_OFFER = ("35", "Identifiant fonctionnel de l'offre connu par l'instance ROR")
ID_FINESS = ("1", "FINESS")

# Bedwatch's own unit kinds, as a code system with a canonical URL that does not depend on the
# host serving it (every Bedwatch serves it at /fhir/CodeSystem/bedwatch-unit-kind).
BEDWATCH = "https://bedwatch.fr/fhir"
UNIT_KIND_SYSTEM = f"{BEDWATCH}/CodeSystem/bedwatch-unit-kind"
UNIT_KIND_ID = "bedwatch-unit-kind"
# Identifier system of a unit (Location and HealthcareService ids are the unit id).
UNIT_ID_SYSTEM = f"{BEDWATCH}/sid/unit"

# Each kind's ROR activity (TRE_R211 ActiviteOperationnelle, bound through J17), codes and
# labels as the NOS publishes them (CodeSystem TRE-R211-ActiviteOperationnelle in the ANS
# repository ansforge/IG-NOS, ig/allNos2, commit b8b0cc3). docs/interoperability.md explains
# each choice.
ACTIVITY_OF_KIND: dict[str, tuple[str | None, str]] = {
    "REA": ("127", "Réanimation médico-chirurgicale (polyvalente)"),
    "REA_PED": ("130", "Réanimation spécialisée pédiatrique"),
    "REA_NEO": ("128", "Réanimation spécialisée néonatale"),
    "USIP": ("351", "Soins intensifs médico-chirurgicaux (polyvalent)"),
    "USIC": ("354", "Soins intensifs spécialisés cardiologie (USIC)"),
    "USINV": ("356", "Soins intensifs spécialisés neurologie vasculaire (USINV)"),
    "USI_HEMATO": ("361", "Soins intensifs spécialisés hématologie"),
    "USC": ("373", "Surveillance continue médico-chirurgicale (polyvalente)"),
    "BURN": ("121", "Réanimation spécialisée brûlés"),
}
