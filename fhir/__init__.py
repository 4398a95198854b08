"""Bedwatch's FHIR R4 server (`/fhir/`): ROR's Location, HealthcareService and Organization.

`fhir.resources` (a development dependency) also installs a top-level package named `fhir`;
extending `__path__` lets `fhir.resources` resolve to it while this app keeps its own name.
"""

from pkgutil import extend_path

__path__ = extend_path(__path__, __name__)
