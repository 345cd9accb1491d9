"""The contract's status values and tiers (shared/domain.md)."""

CONFIRMED = "confirmed"
SUSPECTED = "suspected"
ABSENT = "absent"
NOT_ASSESSED = "not_assessed"

STATUSES = (CONFIRMED, SUSPECTED, ABSENT, NOT_ASSESSED)
# Each indicator names a risk, so "present" is always bad.
PRESENT = (CONFIRMED, SUSPECTED)

TIERS = ("tier1", "mitigation", "edd", "progression")
TIER_PREFIXES = {"tier1": "t1_", "mitigation": "m_", "edd": "edd_", "progression": "p_"}


def normalise_status(value) -> str | None:
    """The status a cell means, or None when it is not a status.

    Matching ignores case and surrounding spaces; a blank cell means not_assessed.
    """
    if value is None:
        return NOT_ASSESSED
    if isinstance(value, float) and value != value:  # NaN from pandas
        return NOT_ASSESSED
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    if text == "":
        return NOT_ASSESSED
    return text if text in STATUSES else None

# An indicator's evidence note is the column `<indicator id>__note` (confidential to the producer).
NOTE_SUFFIX = "__note"
