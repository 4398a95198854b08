"""Exchange formats (EDXL-HAVE, FHIR with ROR's capacity extension, CSV, full archive).

The format modules are pure functions of plain data (the dicts `beds.selectors` builds), so each
format can be tested without a database; views and commands only gather that data and respond.
"""
