"""Read KoboToolbox and ODK exports as they come: map their headers to the reader's columns.

An export of the form that `craft form` writes has one column per question, named after the
question (the reader's own column names), but:
- KoboToolbox prefixes group paths (`human_rights/t1_torture`, separator '/'), adds its own
  columns (`_id`, `_uuid`, `_submission_time`, `_validation_status`, `_status`,
  `_submitted_by`, `__version__`, `_index`, older `_notes`, `_tags`; `meta/instanceID`,
  `meta/rootUuid`), writes one 0/1 column per option of a select_multiple next to the summary
  column, and can write question and choice labels instead of names ("labels" exports);
- ODK Central and Briefcase join group paths with '-' (`human_rights-t1_torture`) and add
  `SubmissionDate`, `meta-instanceID`, `KEY`, `SubmitterID`, `SubmitterName`,
  `AttachmentsPresent`, `AttachmentsExpected`, `Status`, `ReviewState`, `DeviceID`, `Edits`,
  `FormVersion` (and `isValidated` for encrypted forms).
The export's own columns are set aside as provenance (`ExportMapping.provenance`); a column
that maps to nothing is left as it is, so the reader reports it as an unknown column.
A plain wide table passes through unchanged.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from risk_catalog import Catalog
from risk_catalog.translations import available_languages as catalog_languages
from risk_catalog.translations import localize_catalog, status_labels

PLAIN, KOBO, ODK = "table", "KoboToolbox", "ODK"

# Columns that only the tool adds; any of them in a header says which tool exported it.
KOBO_MARKERS = frozenset({"_id", "_uuid", "_submission_time", "_validation_status", "_status",
                          "_submitted_by", "__version__", "_index", "_notes", "_tags"})
ODK_MARKERS = frozenset({"SubmissionDate", "KEY", "meta-instanceID", "SubmitterID", "SubmitterName",
                         "AttachmentsPresent", "AttachmentsExpected", "ReviewState", "DeviceID", "Edits",
                         "FormVersion", "isValidated"})
ODK_SYSTEM = ODK_MARKERS | {"Status", "instanceID"}
GROUP_SEPARATOR = {KOBO: "/", ODK: "-", PLAIN: "/"}
META_GROUP = "meta"  # XForm metadata group: instanceID, instanceName, rootUuid, deprecatedID
# XLSForm metadata question types; their values are provenance, never assessment data.
FORM_METADATA = frozenset({"start", "end", "today", "deviceid", "phonenumber", "username", "email",
                           "simserial", "subscriberid", "audit"})
SELECT_MULTIPLE = ("private_fields",)  # the form's select_multiple questions
LABEL_SEPARATOR = "/"  # KoboToolbox's separator between group and question labels


@dataclass
class ExportMapping:
    """How one export's header maps to the reader's columns."""

    source: str = PLAIN  # PLAIN, KOBO or ODK
    labels: bool = False  # headers (and choice values) are the form's labels
    renames: dict[str, str] = field(default_factory=dict)  # export header -> reader column
    provenance: list[str] = field(default_factory=list)  # the tool's own columns, set aside
    status_columns: list[str] = field(default_factory=list)  # reader columns whose values are labels
    status_by_label: dict[str, str] = field(default_factory=dict)

    @property
    def changes_anything(self) -> bool:
        return bool(self.provenance or any(k != v for k, v in self.renames.items()))


def _norm(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def detect_source(columns: list[str]) -> str:
    cols = set(columns)
    if cols & ODK_MARKERS:
        return ODK
    if cols & KOBO_MARKERS:
        return KOBO
    return PLAIN


def _is_provenance(col: str, source: str) -> bool:
    sep = GROUP_SEPARATOR[source]
    parts = col.split(sep)
    if source == KOBO and (col.startswith("_") or parts[0] == META_GROUP):
        return True
    if source == ODK and (col in ODK_SYSTEM or parts[0] == META_GROUP):
        return True
    return source != PLAIN and parts[-1] in FORM_METADATA


def _label_index(catalog: Catalog, site_columns: list[str], private_choices: list[str]) -> tuple[dict, dict]:
    """casefolded label -> column, and casefolded status label -> status, over every language."""
    from reports.forms import SITE_FIELDS, form_questions  # engine wires reports; loaded only when needed
    from reports.i18n import available_languages as message_languages

    site_columns = [c for c in site_columns if c in SITE_FIELDS]
    langs = [lang for lang in catalog_languages(catalog.source) if lang in message_languages()]
    catalogs = {lang: localize_catalog(catalog, lang) for lang in langs}
    by_label: dict[str, set[str]] = {}
    for group in form_questions(catalogs, site_columns):
        for q in group.questions:
            for label in q.labels.values():
                by_label.setdefault(_norm(label), set()).add(q.name)
    # a label two questions share cannot say which one it is: leave it to be reported
    columns = {label: next(iter(names)) for label, names in by_label.items() if len(names) == 1}
    statuses: dict[str, set[str]] = {}
    for lang in langs:
        for status, label in status_labels(lang, catalog.source).items():
            statuses.setdefault(_norm(label), set()).add(status)
    return columns, {label: next(iter(s)) for label, s in statuses.items() if len(s) == 1}


def map_header(columns: list[str], catalog: Catalog, known: list[str], site_columns: list[str],
               private_choices: list[str] = ()) -> ExportMapping:
    """Decide what each header of an export is. Pure: the header, the catalog, the known columns."""
    known_set = set(known)
    source = detect_source(columns)
    mapping = ExportMapping(source=source)
    sep = GROUP_SEPARATOR[source]
    unresolved = []
    for col in columns:
        if col in known_set:
            mapping.renames[col] = col
        elif _is_provenance(col, source):
            mapping.provenance.append(col)
        elif sep in col:
            parts = col.split(sep)
            if len(parts) > 2 and parts[-2] in SELECT_MULTIPLE and source == KOBO:
                mapping.provenance.append(col)  # one 0/1 column per option; the summary column has it all
            elif parts[-1] in known_set:
                mapping.renames[col] = parts[-1]
            else:
                unresolved.append(col)
        else:
            unresolved.append(col)
    required_missing = not {"site_id", "assessment_date"} <= set(mapping.renames.values())
    if unresolved and (source == KOBO or required_missing):
        by_label, status_by_label = _label_index(catalog, site_columns, private_choices)
        for col in unresolved:
            name = _match_label(col, by_label)
            if name is not None:
                mapping.renames[col] = name
                mapping.labels = True
        if mapping.labels:
            mapping.status_by_label = status_by_label
            mapping.status_columns = [c for c in mapping.renames.values() if c in catalog]
    return mapping


def _match_label(header: str, by_label: dict[str, str]) -> str | None:
    """The question a label header names, with or without group labels before it."""
    text = _norm(header)
    if text in by_label:
        return by_label[text]
    # "Human rights (ISO 26000 clause 6.3)/Torture, cruel...": try each tail after a separator
    for m in re.finditer(re.escape(LABEL_SEPARATOR), text):
        tail = text[m.end():].strip()
        if tail in by_label:
            return by_label[tail]
    return None


def apply_mapping(frame: pd.DataFrame, mapping: ExportMapping) -> pd.DataFrame:
    """The frame with the reader's column names: provenance set aside, labels turned into values."""
    if not mapping.changes_anything and not mapping.labels and mapping.source == PLAIN:
        return frame
    drop = set(mapping.provenance)
    keep = [i for i, c in enumerate(frame.columns) if c not in drop]
    frame = frame.iloc[:, keep].copy()
    frame.columns = [mapping.renames.get(c, c) for c in frame.columns]
    if mapping.labels:
        for col in mapping.status_columns:
            if col in frame.columns and isinstance(frame[col], pd.Series):
                frame[col] = frame[col].map(lambda v: mapping.status_by_label.get(_norm(v), v))
    if mapping.source != PLAIN:
        # select_multiple answers come space-separated; the reader's lists use ';'
        for col in SELECT_MULTIPLE:
            if col in frame.columns and isinstance(frame[col], pd.Series):
                frame[col] = frame[col].map(lambda v: ";".join(str(v).split()) if v else v)
    return frame


class FieldExportAdapter:
    """Maps each chunk of one input: decides from the first header, applies to every chunk."""

    def __init__(self, catalog: Catalog, known: list[str], site_columns: list[str],
                 private_choices: list[str] = ()):
        self.catalog = catalog
        self.known = list(known)
        self.site_columns = list(site_columns)
        self.private_choices = list(private_choices)
        self.mapping: ExportMapping | None = None

    def __call__(self, frame: pd.DataFrame) -> pd.DataFrame:
        if self.mapping is None:
            self.mapping = map_header([str(c) for c in frame.columns], self.catalog, self.known,
                                      self.site_columns, self.private_choices)
        return apply_mapping(frame, self.mapping)


def csv_separator(path: str | Path) -> str:
    """',' or ';' (KoboToolbox's CSV exports use ';' by default): whichever splits the header
    line into more fields, commas winning a tie."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            line = fh.readline()
    except (OSError, UnicodeDecodeError):
        return ","  # the reader reports the real problem
    counts = {sep: len(next(csv.reader([line], delimiter=sep), [])) for sep in (",", ";")}
    return ";" if counts[";"] > counts[","] else ","
