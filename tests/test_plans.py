"""`craft plan`: one action plan per assessment and format, an index, and what each plan must say."""
from __future__ import annotations

import re
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from engine.cli import cli
from risk_catalog import load_catalog

PRESENT = ("confirmed", "suspected")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


# --- a small DOM, enough to check structure and read text -----------------------------------


class Node:
    def __init__(self, tag: str, attrs: dict):
        self.tag, self.attrs, self.children = tag, attrs, []

    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return " ".join(" ".join(parts).split())

    def elements(self):
        return [c for c in self.children if isinstance(c, Node)]

    def find_all(self, tag: str, **attrs) -> list["Node"]:
        found = []
        for child in self.elements():
            if child.tag == tag and all(child.attrs.get(k) == v for k, v in attrs.items()):
                found.append(child)
            found += child.find_all(tag, **attrs)
        return found

    def find(self, tag: str, **attrs) -> "Node":
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag} {attrs}>"
        return found[0]


class StrictTreeBuilder(HTMLParser):
    """Builds a Node tree and records every close tag that does not match what is open."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]
        self.mismatched: list[str] = []

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if self.stack[-1].tag == tag:
            self.stack.pop()
        else:
            self.mismatched.append(f"</{tag}> while <{self.stack[-1].tag}> is open")

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse_html(text: str) -> Node:
    builder = StrictTreeBuilder()
    builder.feed(text)
    builder.close()
    assert builder.mismatched == [], builder.mismatched
    unclosed = [n.tag for n in builder.stack[1:]]
    assert unclosed == [], f"unclosed tags: {unclosed}"
    return builder.root


def section(body: Node, h2_id: str) -> list[Node]:
    """The elements after <h2 id=...> up to the next <h2>."""
    elements = body.elements()
    start = next(k for k, n in enumerate(elements) if n.tag == "h2" and n.attrs.get("id") == h2_id)
    out = []
    for node in elements[start + 1:]:
        if node.tag in ("h2", "footer"):
            break
        out.append(node)
    return out


def md_cells(line: str) -> list[str]:
    """Cells of a Markdown table row (escaped pipes stay inside cells)."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


# --- helpers --------------------------------------------------------------------------------


def run_plan(runner, path, out, *args):
    return runner.invoke(cli, ["plan", str(path), "--out", str(out), *args])


def statuses_of(row: dict, catalog) -> dict[str, str]:
    statuses = {i: "absent" for i in catalog.ids}
    statuses.update({k: (v.strip().lower() or "not_assessed") for k, v in row.items() if k in catalog})
    return statuses


def findings_of(row: dict, catalog) -> list[str]:
    statuses = statuses_of(row, catalog)
    return [i for i in catalog.ids if statuses[i] in PRESENT]


def plan_files(out: Path, site_id: str, day: str) -> dict[str, str]:
    return {fmt: (out / f"{site_id}_{day}.{fmt}").read_text(encoding="utf-8") for fmt in ("html", "md")
            if (out / f"{site_id}_{day}.{fmt}").exists()}


CAT = load_catalog()
T1 = [i.id for i in CAT.by_tier("tier1")]
M = [i.id for i in CAT.by_tier("mitigation")]
EDD = [i.id for i in CAT.by_tier("edd")]
P = [i.id for i in CAT.by_tier("progression")]


@pytest.fixture
def three_sites(write_assessments):
    rows = [
        {"site_id": "T1SITE", "assessment_date": "2024-01-31", T1[0]: "confirmed", T1[-1]: "Suspected",
         M[0]: "suspected", P[0]: "confirmed", "site_name": "Mina Alta"},
        {"site_id": "MITSITE", "assessment_date": "2024-02-29", M[1]: "confirmed", M[-1]: "suspected",
         EDD[0]: "confirmed", P[1]: "confirmed"},
        {"site_id": "PROGSITE", "assessment_date": "2023-11-15", P[0]: "confirmed", P[-1]: "suspected",
         EDD[-1]: "", P[2]: ""},
    ]
    return write_assessments(rows), rows


# --- files ----------------------------------------------------------------------------------


@pytest.mark.parametrize("formats, suffixes", [("html", ["html"]), ("md", ["md"]), ("html,md", ["html", "md"]),
                                              (" MD , html ", ["md", "html"])])
def test_one_file_per_assessment_and_format_plus_an_index(craft_runner, three_sites, tmp_path, formats, suffixes):
    path, rows = three_sites
    out = tmp_path / "plans"
    result = run_plan(craft_runner, path, out, "--format", formats)
    assert result.exit_code == 0, result.output
    want = {f"{r['site_id']}_{r['assessment_date']}.{s}" for r in rows for s in suffixes} | {"index.html"}
    assert {p.name for p in out.iterdir()} == want  # no staging folder or temporary file left
    assert f"Wrote {len(rows) * len(suffixes)} plan file(s)" in result.output


def test_two_assessments_of_one_site_get_their_own_plans(craft_runner, write_assessments, tmp_path):
    path = write_assessments([{"site_id": "S1", "assessment_date": "2024-01-01", P[0]: "confirmed"},
                              {"site_id": "S1", "assessment_date": "2024-07-01"}])
    out = tmp_path / "plans"
    assert run_plan(craft_runner, path, out, "--format", "md").exit_code == 0
    first, second = (out / "S1_2024-01-01.md").read_text(), (out / "S1_2024-07-01.md").read_text()
    assert P[0] in first
    assert f"`{P[0]}`" not in second


def test_every_html_file_is_well_formed_and_names_each_finding(craft_runner, three_sites, tmp_path):
    path, rows = three_sites
    out = tmp_path / "plans"
    assert run_plan(craft_runner, path, out, "--format", "html,md").exit_code == 0
    for html_file in out.glob("*.html"):
        parse_html(html_file.read_text(encoding="utf-8"))
    for row in rows:
        texts = plan_files(out, row["site_id"], row["assessment_date"])
        doc = parse_html(texts["html"])
        text = doc.text()
        expected = findings_of(row, CAT)
        assert expected
        for iid in expected:
            assert iid in text
            assert CAT.indicator(iid).title in text
        # a finding of another site does not turn up here
        others = {i for r in rows if r is not row for i in findings_of(r, CAT)} - set(expected)
        for iid in others:
            assert f"<code>{iid}</code> (" not in texts["html"]


def test_the_markdown_plan_contains_every_finding_id(craft_runner, three_sites, tmp_path):
    path, rows = three_sites
    out = tmp_path / "plans"
    assert run_plan(craft_runner, path, out, "--format", "md").exit_code == 0
    for row in rows:
        md = plan_files(out, row["site_id"], row["assessment_date"])["md"]
        for iid in findings_of(row, CAT):
            assert f"`{iid}`" in md
        assert md.startswith("# Action plan:")


def test_a_plan_without_site_name_uses_the_site_id(craft_runner, write_assessments, tmp_path):
    path = write_assessments([{"site_id": "NONAME"}])
    out = tmp_path / "plans"
    result = run_plan(craft_runner, path, out, "--format", "html,md")
    assert result.exit_code == 0, result.output
    texts = plan_files(out, "NONAME", "2024-03-15")
    assert parse_html(texts["html"]).find("h1").text() == "Action plan: NONAME"
    assert texts["md"].splitlines()[0] == "# Action plan: NONAME"


# --- mitigation due dates -------------------------------------------------------------------


def _mitigation_days(deadline: int, check: int):
    def edit(files):
        for ind in files["20_mitigation.yaml"]:
            ind["deadline_days"], ind["progress_check_days"] = deadline, check
    return edit


@pytest.mark.parametrize("edited", [None, (400, 90)], ids=["bundled", "edited-deadlines"])
def test_mitigation_findings_show_their_due_date(craft_runner, write_assessments, catalog_copy, tmp_path, edited):
    args, catalog = [], CAT
    if edited:
        folder = catalog_copy(edit=_mitigation_days(*edited))
        args, catalog = ["--catalog", str(folder)], load_catalog(folder)
    day = date(2024, 1, 31)
    chosen = [M[0], M[3], M[-1]]
    path = write_assessments([{"site_id": "S1", "assessment_date": day.isoformat(),
                               **{m: "confirmed" for m in chosen}}])
    out = tmp_path / "plans"
    result = run_plan(craft_runner, path, out, "--format", "html,md", *args)
    assert result.exit_code == 0, result.output
    texts = plan_files(out, "S1", day.isoformat())

    body = parse_html(texts["html"]).find("body")
    assert body.find("h2", id="mitigation").text() == "Risks that need mitigation"
    [tbl] = [n for n in section(body, "mitigation") if n.tag == "table"]
    headers = [th.text() for th in tbl.find_all("th")]
    due_col, check_col = headers.index("Due"), headers.index("Progress check")
    rows = {}
    for tr in tbl.find("tbody").find_all("tr"):
        cells = [td.text() for td in tr.elements() if td.tag == "td"]
        iid = next(m for m in chosen if m in cells[0])
        rows[iid] = cells
    assert set(rows) == set(chosen)

    md_rows = {}
    lines = texts["md"].splitlines()
    md_header = md_cells(next(line for line in lines if line.startswith("| Risk |")))
    for line in lines:
        for iid in chosen:
            if line.startswith("|") and f"(`{iid}`)" in line:
                md_rows[iid] = md_cells(line)
    assert set(md_rows) == set(chosen)

    for iid in chosen:
        ind = catalog.indicator(iid)
        due = (day + timedelta(days=ind.deadline_days)).isoformat()
        check = (day + timedelta(days=ind.progress_check_days)).isoformat()
        assert rows[iid][due_col] == due
        assert rows[iid][check_col] == check
        assert md_rows[iid][md_header.index("Due")] == due
        assert md_rows[iid][md_header.index("Progress check")] == check
    if edited:
        assert catalog.indicator(chosen[0]).deadline_days == edited[0]


# --- Tier 1, progression, EDD, still to assess ---------------------------------------------


def test_a_tier1_plan_has_a_disengagement_notice_naming_the_risks(craft_runner, three_sites, tmp_path):
    path, rows = three_sites
    out = tmp_path / "plans"
    assert run_plan(craft_runner, path, out, "--format", "html,md").exit_code == 0
    t1_row = rows[0]
    present = [i for i in findings_of(t1_row, CAT) if i in T1]
    absent = [i for i in T1 if i not in present]
    assert len(present) == 2

    texts = plan_files(out, t1_row["site_id"], t1_row["assessment_date"])
    [notice] = [d for d in parse_html(texts["html"]).find_all("div") if d.attrs.get("class") == "notice"]
    assert "Disengagement notice" in notice.text()
    for iid in present:
        assert CAT.indicator(iid).title in notice.text()
    for iid in absent:
        assert CAT.indicator(iid).title not in notice.text()

    [md_notice] = [line for line in texts["md"].splitlines() if "Disengagement notice" in line]
    for iid in present:
        assert CAT.indicator(iid).title in md_notice

    for row in rows[1:]:  # no Tier 1 risk: no disengagement notice
        other = plan_files(out, row["site_id"], row["assessment_date"])
        assert "Disengagement notice" not in other["html"]
        assert "Disengagement notice" not in other["md"]


def test_progression_improvements_are_grouped_by_iso_26000_subject(craft_runner, write_assessments, tmp_path):
    by_subject = {}
    for ind in CAT.by_tier("progression"):
        by_subject.setdefault(ind.subject, []).append(ind.id)
    assert len(by_subject) >= 3
    gaps = {s: ids[:2] for s, ids in by_subject.items()}
    path = write_assessments([{"site_id": "S1", **{i: "confirmed" for ids in gaps.values() for i in ids}}])
    out = tmp_path / "plans"
    assert run_plan(craft_runner, path, out, "--format", "html,md").exit_code == 0
    texts = plan_files(out, "S1", "2024-03-15")

    nodes = section(parse_html(texts["html"]).find("body"), "progression")
    groups, current = {}, None
    for node in nodes:
        if node.tag == "h3":
            current = node.text()
            groups[current] = set()
        elif node.tag == "table":
            groups[current] |= {code.text() for code in node.find_all("code")}
    want = {CAT.subject(s): set(ids) for s, ids in gaps.items()}
    assert len(groups) == len(want)
    for subject, ids in want.items():
        [heading] = [h for h in groups if h.startswith(subject.title)]
        assert subject.iso_clause in heading
        assert groups[heading] == ids

    md_groups, current = {}, None
    for line in texts["md"].split("## Improvements toward best practice", 1)[1].splitlines():
        if line.startswith("## "):
            break
        if line.startswith("### "):
            current = line[4:]
            md_groups[current] = set()
        elif line.startswith("| **"):
            md_groups[current] |= set(re.findall(r"`(p_[a-z0-9_]+)`", line))
    for subject, ids in want.items():
        [heading] = [h for h in md_groups if h.startswith(subject.title)]
        assert md_groups[heading] == ids


def _indicator_with_mixed_actions():
    for ind in CAT.by_tier("progression"):
        if any(a.quick_win for a in ind.actions) and not all(a.quick_win for a in ind.actions):
            return ind
    pytest.skip("no progression indicator has both quick-win and other actions")


def test_progression_plan_marks_quick_wins(craft_runner, write_assessments, tmp_path):
    ind = _indicator_with_mixed_actions()
    path = write_assessments([{"site_id": "S1", ind.id: "confirmed"}])
    out = tmp_path / "plans"
    assert run_plan(craft_runner, path, out, "--format", "html,md").exit_code == 0
    texts = plan_files(out, "S1", "2024-03-15")

    items = {li.text(): li for li in parse_html(texts["html"]).find_all("li")}
    for action in ind.actions:
        if action.quick_win:
            li = items[f"{action.text} (quick win)"]
            assert li.find_all("span", **{"class": "quick-win"})
        else:
            assert action.text in items
            assert not items[action.text].find_all("span", **{"class": "quick-win"})

    [row] = [line for line in texts["md"].splitlines() if f"`{ind.id}`" in line and line.startswith("|")]
    assert row.count("**(quick win)**") == sum(a.quick_win for a in ind.actions)


def test_an_edd_notice_appears_when_edd_indicators_are_present(craft_runner, three_sites, tmp_path):
    path, rows = three_sites
    out = tmp_path / "plans"
    assert run_plan(craft_runner, path, out, "--format", "html,md").exit_code == 0
    for row in rows:
        statuses = statuses_of(row, CAT)
        flags = [i.id for i in CAT.indicators if i.raises_edd and statuses[i.id] in PRESENT]
        texts = plan_files(out, row["site_id"], row["assessment_date"])
        notices = parse_html(texts["html"]).find_all("div", id="edd")
        if flags:
            [notice] = notices
            assert "Enhanced due diligence" in notice.text()
            for iid in flags:
                assert iid in notice.text()
                assert CAT.indicator(iid).title in notice.text()
            assert "## Enhanced due diligence (EDD) needed" in texts["md"]
        else:
            assert notices == []
            assert "Enhanced due diligence" not in texts["md"]
    # the fixture covers both an EDD indicator and the mitigation risk that raises EDD
    assert any(statuses_of(r, CAT)[EDD[0]] == "confirmed" for r in rows)


def test_security_forces_illegal_raises_the_edd_notice(craft_runner, write_assessments, tmp_path):
    assert CAT.indicator("m_security_forces_illegal").raises_edd
    path = write_assessments([{"site_id": "S1", "m_security_forces_illegal": "suspected"}])
    out = tmp_path / "plans"
    assert run_plan(craft_runner, path, out, "--format", "html").exit_code == 0
    [notice] = parse_html((out / "S1_2024-03-15.html").read_text()).find_all("div", id="edd")
    assert "m_security_forces_illegal" in notice.text()


def test_still_to_assess_lists_the_indicators_not_assessed(craft_runner, write_assessments, tmp_path):
    blank = [T1[1], M[2], EDD[0], P[0], P[-1]]
    path = write_assessments([{"site_id": "S1", **{i: "" for i in blank}}], drop=(P[3],))
    not_assessed = blank + [P[3]]
    out = tmp_path / "plans"
    assert run_plan(craft_runner, path, out, "--format", "html,md").exit_code == 0
    texts = plan_files(out, "S1", "2024-03-15")

    [ul] = [n for n in section(parse_html(texts["html"]).find("body"), "to-assess") if n.tag == "ul"]
    listed = {li.find("code").text(): li.text() for li in ul.find_all("li")}
    assert set(listed) == set(not_assessed)
    for iid in not_assessed:
        decides = CAT.indicator(iid).tier in ("tier1", "mitigation")  # contract rules 2 and 4
        assert ("(decides the band)" in listed[iid]) == decides
        assert CAT.indicator(iid).title in listed[iid]

    md_section = texts["md"].split("## Still to assess", 1)[1]
    listed_md = set(re.findall(r"^- `([a-z0-9_]+)`", md_section, flags=re.M))
    assert listed_md == set(not_assessed)


def test_no_still_to_assess_section_when_everything_was_assessed(craft_runner, write_assessments, tmp_path):
    path = write_assessments([{"site_id": "S1"}])
    out = tmp_path / "plans"
    assert run_plan(craft_runner, path, out, "--format", "html,md").exit_code == 0
    texts = plan_files(out, "S1", "2024-03-15")
    assert "Still to assess" not in texts["html"]
    assert "Still to assess" not in texts["md"]


# --- escaping -------------------------------------------------------------------------------


def test_html_is_autoescaped(craft_runner, write_assessments, tmp_path):
    evil_name = "<script>alert(1)</script>"
    evil_producer = '"><img src=x onerror=alert(2)>'
    path = write_assessments([{"site_id": "S1", "site_name": evil_name, "producer": evil_producer,
                               P[0]: "confirmed", f"{P[0]}__note": "<b>bold</b> & co"}])
    out = tmp_path / "plans"
    assert run_plan(craft_runner, path, out, "--format", "html,md").exit_code == 0
    for name in ("S1_2024-03-15.html", "index.html"):
        raw = (out / name).read_text(encoding="utf-8")
        assert "<script>alert" not in raw
        assert "<img src=x" not in raw
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
        doc = parse_html(raw)
        assert doc.find_all("script") == []
        assert doc.find_all("img") == []
        assert evil_name in doc.text()  # shown to the reader as text
    plan_doc = parse_html((out / "S1_2024-03-15.html").read_text(encoding="utf-8"))
    assert plan_doc.find_all("b") == []
    assert "<b>bold</b> & co" in plan_doc.text()
    md = (out / "S1_2024-03-15.md").read_text(encoding="utf-8")
    # Markdown renderers pass raw HTML through: every < of field text must be escaped
    assert re.search(r"(?<!\\)<(script|img)", md) is None
    assert "\\<script\\>" in md


def test_markdown_field_text_cannot_break_the_table(craft_runner, write_assessments, tmp_path):
    path = write_assessments([{"site_id": "S1", P[0]: "confirmed", f"{P[0]}__note": "a | b | c"}])
    out = tmp_path / "plans"
    assert run_plan(craft_runner, path, out, "--format", "md").exit_code == 0
    md = (out / "S1_2024-03-15.md").read_text(encoding="utf-8")
    [row] = [line for line in md.splitlines() if line.startswith("|") and f"`{P[0]}`" in line]
    assert len(md_cells(row)) == 3  # Gap | Possible actions | Our priority


# --- index ----------------------------------------------------------------------------------


def test_index_links_to_every_plan_file(craft_runner, three_sites, tmp_path):
    path, rows = three_sites
    out = tmp_path / "plans"
    assert run_plan(craft_runner, path, out, "--format", "html,md").exit_code == 0
    doc = parse_html((out / "index.html").read_text(encoding="utf-8"))
    links = [a.attrs["href"] for a in doc.find_all("a")]
    assert len(links) == len(set(links))
    plans = {p.name for p in out.iterdir()} - {"index.html"}
    assert set(links) == plans
    for href in links:
        assert (out / href).is_file()
    text = doc.text()
    for row in rows:
        assert row["site_id"] in text
    assert "Mina Alta" in text


def test_plans_with_awkward_site_ids_get_safe_distinct_file_names(craft_runner, write_assessments, tmp_path):
    path = write_assessments([{"site_id": "a/b"}, {"site_id": "a b"}, {"site_id": "../up"}])
    out = tmp_path / "plans"
    result = run_plan(craft_runner, path, out, "--format", "html")
    assert result.exit_code == 0, result.output
    files = [p for p in out.iterdir() if p.name != "index.html"]
    assert len(files) == 3
    assert all(p.parent == out for p in out.rglob("*"))  # nothing escaped the folder or made subfolders
    assert not (tmp_path / "up_2024-03-15.html").exists()
    links = {a.attrs["href"] for a in parse_html((out / "index.html").read_text()).find_all("a")}
    assert links == {p.name for p in files}


# --- failures -------------------------------------------------------------------------------


@pytest.mark.parametrize("formats", ["pdf", "html,pdf", "docx,md", ",", ""])
def test_an_unknown_format_is_refused_clearly(craft_runner, three_sites, tmp_path, formats):
    path, _ = three_sites
    out = tmp_path / "plans"
    result = run_plan(craft_runner, path, out, "--format", formats)
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "--format" in result.output
    assert "html" in result.output and "md" in result.output
    for bad in ("pdf", "docx"):
        if bad in formats:
            assert bad in result.output
    assert not out.exists()


def test_a_failing_input_writes_no_plan_files(craft_runner, write_assessments, tmp_path):
    path = write_assessments([{"site_id": "S1"}, {"site_id": "S2", T1[0]: "maybe"}])
    out = tmp_path / "plans"
    result = run_plan(craft_runner, path, out, "--format", "html,md")
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert "'maybe'" in result.output
    assert not out.exists()


def test_a_failing_input_leaves_an_existing_plan_folder_untouched(craft_runner, write_assessments, tmp_path):
    good = write_assessments([{"site_id": "S1"}], "good.csv")
    out = tmp_path / "plans"
    assert run_plan(craft_runner, good, out, "--format", "html").exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    bad = write_assessments([{"site_id": "S9", "assessment_date": "2024-02-30"}], "bad.csv")
    result = run_plan(craft_runner, bad, out, "--format", "html,md")
    assert result.exit_code == 2
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
