"""Field data collection from the catalog: an XLSForm (KoboToolbox, ODK Collect) and an Excel
template for teams without phones.

Both are built from one list of questions (form_questions), which is also what the reader uses
to map a KoboToolbox export with label headers back to indicator ids. Question names are the
reader's column names, so an export with XML-value headers needs no mapping beyond dropping
group paths. Groups are named after the ISO 26000 core subject ids.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from risk_catalog.messages import N_
from risk_catalog import NOTE_SUFFIX, STATUSES, Catalog
from risk_catalog.mechanisms import load_mechanisms
from risk_catalog.translations import status_labels

from .i18n import gettext_for, xlsform_language




SITE_GROUP = "site"
STATUS_LIST = "status"
MECHANISM_LIST = "upstream_mechanism"
PRIVATE_LIST = "private_fields"
FORM_ID = "craft_mes_assessment"
# Questions the form adds for provenance; exports carry them and the reader sets them aside.
FORM_METADATA = (("start", "start"), ("end", "end"))


@dataclass(frozen=True)
class SiteField:
    type: str
    label: str
    hint: str = ""
    required: bool = False
    constraint: str = ""
    constraint_message: str = ""


# Site metadata questions, by the reader's column name. Every column the reader knows must be here.
SITE_FIELDS = {
    "site_id": SiteField("text", N_("Site identifier"),
                         N_("The site's code, the same at every assessment, e.g. CO-CAU-01."), required=True),
    "assessment_date": SiteField("date", N_("Assessment date"), required=True),
    "site_name": SiteField("text", N_("Site name")),
    "producer": SiteField("text", N_("Producer organisation"),
                          N_("The cooperative, association, company or group of miners.")),
    "country": SiteField("text", N_("Country (two-letter code)"), N_("ISO 3166 code, e.g. CO, PE, CD, RW."),
                         constraint="regex(., '^[A-Za-z]{2}$')",
                         constraint_message=N_("Two letters, e.g. CO.")),
    "region": SiteField("text", N_("Region")),
    "mineral": SiteField("text", N_("Mineral")),
    "organisation_type": SiteField("text", N_("Type of organisation"),
                                   N_("Cooperative, association, company, individual miners, ore selectors...")),
    "assessor": SiteField("text", N_("Assessor"), N_("Confidential: never shown to buyers.")),
    "upstream_mechanism": SiteField(f"select_one {MECHANISM_LIST}", N_("Upstream mechanism")),
    # Two decimal questions rather than a geopoint, so the export's columns are the reader's.
    "latitude": SiteField("decimal", N_("Latitude (decimal degrees, WGS84)"), N_("e.g. 2.4448"),
                          constraint=". >= -90 and . <= 90", constraint_message=N_("Between -90 and 90.")),
    "longitude": SiteField("decimal", N_("Longitude (decimal degrees, WGS84)"), N_("e.g. -76.6147"),
                           constraint=". >= -180 and . <= 180", constraint_message=N_("Between -180 and 180.")),
    "comments": SiteField("text", N_("Comments"), N_("Confidential: never shown to buyers.")),
    "private_fields": SiteField(f"select_multiple {PRIVATE_LIST}", N_("Fields the producer keeps private"),
                                N_("These are hidden from buyers and from the programme.")),
}


@dataclass
class Question:
    name: str  # the reader's column name
    type: str
    labels: dict[str, str]
    hints: dict[str, str] = field(default_factory=dict)
    required: bool = False
    relevant: str = ""
    constraint: str = ""
    constraint_messages: dict[str, str] = field(default_factory=dict)


@dataclass
class Group:
    name: str
    labels: dict[str, str]
    questions: list[Question]


def form_questions(catalogs: dict[str, Catalog], site_columns: list[str]) -> list[Group]:
    """The form, group by group. `catalogs` maps each language to the catalog in it (first one
    is the default language); `site_columns` are the reader's site columns, in order."""
    langs = list(catalogs)
    tr = {lang: gettext_for(lang) for lang in langs}
    unknown = [c for c in site_columns if c not in SITE_FIELDS]
    if unknown:
        raise ValueError(f"no form question for the site column(s) {', '.join(unknown)}")
    site = []
    for name in site_columns:
        f = SITE_FIELDS[name]
        site.append(Question(
            name=name, type=f.type, labels={lang: tr[lang](f.label) for lang in langs},
            hints={lang: tr[lang](f.hint) for lang in langs} if f.hint else {},
            required=f.required, constraint=f.constraint,
            constraint_messages={lang: tr[lang](f.constraint_message) for lang in langs} if f.constraint_message else {},
        ))
    groups = [Group(SITE_GROUP, {lang: tr[lang](N_("Site")) for lang in langs}, site)]
    first = catalogs[langs[0]]
    for subject in first.subjects:
        indicators = first.by_subject(subject.id)
        if not indicators:
            continue  # e.g. consumer issues: nothing is assessed at the mine site
        questions = []
        for ind in indicators:
            localized = {lang: catalogs[lang].indicator(ind.id) for lang in langs}
            questions.append(Question(
                name=ind.id, type=f"select_one {STATUS_LIST}",
                labels={lang: localized[lang].title for lang in langs},
                hints={lang: localized[lang].description for lang in langs},
            ))
            questions.append(Question(
                name=ind.id + NOTE_SUFFIX, type="text",
                labels={lang: tr[lang](N_("Evidence (optional, confidential to the producer): {title}")).format(
                    title=localized[lang].title) for lang in langs},
                relevant=f"${{{ind.id}}} != ''",
            ))
        groups.append(Group(subject.id, {
            lang: tr[lang](N_("{subject} (ISO 26000 clause {clause})")).format(
                subject=catalogs[lang].subject(subject.id).title, clause=subject.iso_clause)
            for lang in langs
        }, questions))
    return groups


def status_choices(langs: list[str]) -> list[tuple[str, dict[str, str]]]:
    labels = {lang: status_labels(lang) for lang in langs}
    return [(status, {lang: labels[lang][status] for lang in langs}) for status in STATUSES]


def write_xlsform(path: str | Path, catalogs: dict[str, Catalog], site_columns: list[str],
                  private_choices: list[str] = ()) -> dict:
    """Write the XLSForm (survey, choices, settings) atomically; returns counts for the user.

    `private_choices` are the site fields a producer may keep private (the reader's list).
    """
    langs = list(catalogs)
    if "private_fields" in site_columns and not private_choices:
        raise ValueError("the form asks for private_fields: pass the fields that may be kept private")
    suffixes = {lang: xlsform_language(lang) for lang in langs}
    groups = form_questions(catalogs, site_columns)
    _ = gettext_for(langs[0])
    catalog = catalogs[langs[0]]

    wb = Workbook()
    survey = wb.active
    survey.title = "survey"
    header = ["type", "name", *(f"label::{suffixes[l]}" for l in langs), *(f"hint::{suffixes[l]}" for l in langs),
              "required", "relevant", "constraint", *(f"constraint_message::{suffixes[l]}" for l in langs),
              "appearance"]
    survey.append(header)
    for qtype, name in FORM_METADATA:
        survey.append([qtype, name])
    n_questions = 0
    for group in groups:
        survey.append(["begin_group", group.name, *(group.labels[l] for l in langs), *([""] * len(langs)),
                       "", "", "", *([""] * len(langs)), "field-list"])
        for q in group.questions:
            survey.append([q.type, q.name, *(q.labels[l] for l in langs), *(q.hints.get(l, "") for l in langs),
                           "yes" if q.required else "", q.relevant, q.constraint,
                           *(q.constraint_messages.get(l, "") for l in langs), ""])
            n_questions += 1
        survey.append(["end_group", group.name])

    choices = wb.create_sheet("choices")
    choices.append(["list_name", "name", *(f"label::{suffixes[l]}" for l in langs)])
    for status, labels in status_choices(langs):
        choices.append([STATUS_LIST, status, *(labels[l] for l in langs)])
    for mechanism in load_mechanisms():
        choices.append([MECHANISM_LIST, mechanism.id, *([mechanism.name] * len(langs))])
    site_labels = {q.name: q.labels for q in groups[0].questions}
    for name in private_choices:
        choices.append([PRIVATE_LIST, name, *(site_labels.get(name, {}).get(l, name) for l in langs)])

    settings = wb.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language", "instance_name", "style"])
    settings.append([_("CRAFT site assessment ({catalog} {version})").format(catalog=catalog.name, version=catalog.version),
                     FORM_ID, catalog.version, suffixes[langs[0]],
                     "concat(${site_id}, ' ', ${assessment_date})", "pages"])

    for sheet in (survey, choices, settings):
        sheet.freeze_panes = "A2"
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    _save(wb, Path(path))
    return {"questions": n_questions, "groups": len(groups), "languages": langs,
            "indicators": len(catalog.indicators)}


def write_template(path: str | Path, catalog: Catalog, lang: str, site_columns: list[str],
                   rows: int = 500) -> dict:
    """An Excel workbook to fill in by hand: one row per assessment, a status dropdown on every
    indicator cell, and sheets that explain the indicators and statuses in `lang`.

    The dropdown offers the canonical status values, which the reader accepts in every
    language; their meaning in `lang` is in the header comments and the Statuses sheet.
    """
    _ = gettext_for(lang)
    labels = status_labels(lang)
    wb = Workbook()
    ws = wb.active
    ws.title = _("Assessments")[:31]
    columns: list[tuple[str, str]] = [(c, gettext_for(lang)(SITE_FIELDS[c].label)) for c in site_columns]
    for ind in catalog.indicators:
        columns.append((ind.id, ind.title))
        columns.append((ind.id + NOTE_SUFFIX, _("Evidence (optional, confidential to the producer): {title}").format(title=ind.title)))
    ws.append([c for c, _ in columns])
    head_fill = PatternFill("solid", fgColor="DDE6F0")
    note_fill = PatternFill("solid", fgColor="F2F2F2")
    last = rows + 1
    status_dv = DataValidation(type="list", formula1='"' + ",".join(STATUSES) + '"', allow_blank=True,
                               showErrorMessage=True, errorTitle=_("Status"),
                               error=_("Choose one of: {statuses}. Leave blank if not assessed.").format(
                                   statuses=", ".join(STATUSES)),
                               promptTitle=_("Status"),
                               prompt="; ".join(f"{s}: {labels[s]}" for s in STATUSES)[:255])
    mechanisms = [m.name for m in load_mechanisms()]
    mech_dv = DataValidation(type="list", formula1='"' + ",".join(mechanisms) + '"', allow_blank=True)
    date_dv = DataValidation(type="date", operator="greaterThan", formula1="DATE(2000,1,1)", allow_blank=True,
                             showErrorMessage=True, error=_("A date, e.g. 2024-03-15."))
    ws.add_data_validation(status_dv)
    ws.add_data_validation(mech_dv)
    ws.add_data_validation(date_dv)
    indicator_ids = set(catalog.ids)
    for n, (name, title) in enumerate(columns, start=1):
        letter = get_column_letter(n)
        cell = ws.cell(row=1, column=n)
        cell.font = Font(bold=True)
        cell.fill = note_fill if name.endswith(NOTE_SUFFIX) else head_fill
        cell.comment = Comment(title, "craft-mes", width=300, height=120)
        ws.column_dimensions[letter].width = 30 if name.endswith(NOTE_SUFFIX) else max(14, min(len(name) + 2, 30))
        if name in indicator_ids:
            status_dv.add(f"{letter}2:{letter}{last}")
        elif name == "upstream_mechanism":
            mech_dv.add(f"{letter}2:{letter}{last}")
        elif name == "assessment_date":
            date_dv.add(f"{letter}2:{letter}{last}")
            for r in range(2, last + 1):
                ws.cell(row=r, column=n).number_format = "yyyy-mm-dd"
    ws.freeze_panes = "C2"  # site_id and date stay in view

    info = wb.create_sheet(_("Indicators")[:31])
    info.append([_("Indicator id"), _("Tier"), _("ISO 26000 core subject"), _("Title"), _("What the assessor looks for")])
    for ind in catalog.indicators:
        info.append([ind.id, ind.tier, catalog.subject(ind.subject).title, ind.title, ind.description])
    for letter, width in zip("ABCDE", (30, 12, 30, 45, 100)):
        info.column_dimensions[letter].width = width
    for row in info.iter_rows(min_row=2):
        row[4].alignment = Alignment(wrap_text=True, vertical="top")
    statuses = wb.create_sheet(_("Statuses")[:31])
    statuses.append([_("Value to enter"), _("Meaning")])
    for s in STATUSES:
        statuses.append([s, labels[s]])
    statuses.append(["", _("A blank cell means not assessed.")])
    statuses.column_dimensions["A"].width = 16
    statuses.column_dimensions["B"].width = 60
    for sheet in (info, statuses):
        sheet.freeze_panes = "A2"
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    _save(wb, Path(path))
    return {"columns": len(columns), "indicators": len(catalog.indicators), "rows": rows}


def _save(workbook: Workbook, path: Path) -> None:
    """Save so that the file appears only when complete (temporary file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        workbook.save(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; a form is meant to be shared
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
