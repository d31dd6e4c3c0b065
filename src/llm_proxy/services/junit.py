"""A validation report as JUnit XML, the test report format every CI system reads.

Each migration file is a test case (plus one per other file with findings, and one for the
folder itself when a finding names no file). Errors are the test case's ``<failure>``: CI
systems list failures with their message, and a file fails as a whole, so all its errors
share one failure element (the schema allows one). Warnings go to ``<system-out>``, which
GitLab, Jenkins and GitHub test reporters show with the test case without marking it
skipped or failed; with ``strict`` they count as failures too, as they fail the run.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from llm_proxy.services.findings import Finding
    from llm_proxy.services.validate import ValidationReport

SUITE = "llm-proxy migrate validate"


def junit_xml(report: ValidationReport, *, strict: bool = False) -> str:
    """The report as a JUnit XML document (UTF-8 text with an XML declaration)."""
    cases = _cases(report)
    suite = ET.Element("testsuite", name=SUITE, tests=str(len(cases)), errors="0", skipped="0", time="0")
    failures = 0
    for name, findings in cases.items():
        case = ET.SubElement(suite, "testcase", name=name, classname=f"validate.{report.folder.name or 'migrations'}", time="0")
        failing = [f for f in findings if f.severity == "error" or strict]
        if failing:
            failures += 1
            first = failing[0]
            more = f" (and {len(failing) - 1} more)" if len(failing) > 1 else ""
            failure = ET.SubElement(case, "failure", message=f"{_where(first)}: {first.message}{more}", type=first.code)
            failure.text = "\n\n".join(str(f) for f in failing)
        quiet = [f for f in findings if f not in failing]
        if quiet:
            ET.SubElement(case, "system-out").text = "\n\n".join(str(f) for f in quiet)
    suite.set("failures", str(failures))
    root = ET.Element("testsuites", name=SUITE, tests=str(len(cases)), failures=str(failures), errors="0")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _cases(report: ValidationReport) -> dict[str, list[Finding]]:
    """Findings grouped by test case name, migrations first, in folder order."""
    cases: dict[str, list[Finding]] = {m.filename: [] for m in report.migrations}
    for finding in report.findings:
        cases.setdefault(_case_name(finding.file, report.folder), []).append(finding)
    return cases


def _case_name(file: Path | None, folder: Path) -> str:
    if file is None or file == folder:
        return "(folder)"
    return file.name


def _where(finding: Finding) -> str:
    line = f":{finding.line}" if finding.line is not None else ""
    return f"{finding.code}{line}"
