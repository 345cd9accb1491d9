"""The risk catalog: indicators as data, and the loader that validates and fingerprints it."""
from .loader import (
    BUNDLED_CATALOG,
    Action,
    Catalog,
    CatalogError,
    CoreSubject,
    Indicator,
    load_catalog,
)
from .statuses import NOT_ASSESSED, NOTE_SUFFIX, PRESENT, STATUSES, TIERS, normalise_status

__all__ = [
    "BUNDLED_CATALOG", "Action", "Catalog", "CatalogError", "CoreSubject", "Indicator",
    "load_catalog", "NOT_ASSESSED", "NOTE_SUFFIX", "PRESENT", "STATUSES", "TIERS", "normalise_status",
]
