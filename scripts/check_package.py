#!/usr/bin/env python3
"""Checks a plugin zip against the rules of the QGIS plugin repository (plugins.qgis.org).

    python3 scripts/check_package.py dist/deepfeature-0.1.0.zip [--scan] [--online] [--package NAME]

Prints the broken rules and exits 1 when there is any; warnings (what the upload page only warns about)
do not change the exit status. Standard library only; ``--scan`` also runs the upload's security scan
(Bandit, detect-secrets) when those tools are installed, ``--online`` asks the metadata's URLs as the
repository does. ``scripts/package.sh`` runs it on every zip it builds; ``tests/test_package.py`` uses
:func:`check_package`.

Where each rule comes from (cited on each rule below):

- [validator] qgis/QGIS-Plugins-Website ``qgis-app/plugins/validator.py`` (the code that runs when a zip
  is uploaded; it was qgis/QGIS-Django's ``qgis-app/plugins/validator.py`` until that repository moved),
  read at commit 73c20fa9 (2026-07).
- [models] the same repository's ``qgis-app/plugins/models.py`` (the fields the metadata is saved to).
- [scanner] its ``qgis-app/plugins/security_scanner.py``, ``tasks/run_security_scan.py`` and
  ``management/commands/data/{bandit,secrets,file_analysis}_rules.json``: after the upload, a Bandit or
  detect-secrets finding blocks the version ("BLOCKED ... until re-upload"); the uploader may skip the
  rules marked skippable, never the others.
- [cookbook] QGIS-Documentation ``docs/pyqgis_developer_cookbook/plugins/plugins.rst`` (metadata table,
  LICENSE) and ``releasing.rst`` (validation rules, naming advice).
- [project] deepfeature's own rules (issue 16): only what runs in QGIS, one top folder named like the
  package, no hidden or development files.
"""

from __future__ import annotations

import argparse
import configparser
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

#: [validator] PLUGIN_MAX_UPLOAD_SIZE = 25000000 (25 MB; settings_docker.py and nginx's
#: client_max_body_size 25M say the same).
MAX_SIZE = 25_000_000
#: [validator] PLUGIN_REQUIRED_METADATA.
REQUIRED = ("name", "description", "version", "qgisMinimumVersion", "author", "email", "about",
            "tracker", "repository")
#: [validator] the URLs it checks, each with the template value Plugin Builder leaves in.
URLS = (("tracker", "http://bugs"), ("repository", "http://repo"), ("homepage", "http://homepage"))
#: [validator] PLUGIN_BOOLEAN_METADATA, plus hasProcessingProvider ([cookbook]: a boolean flag).
BOOLEANS = ("experimental", "deprecated", "server", "hasProcessingProvider")
#: [validator] directories it refuses anywhere in the zip.
FORBIDDEN_DIRS = ("__MACOSX", ".git", "__pycache__")
#: [scanner] FILE_SUSPICIOUS (critical, cannot be skipped): these extensions.
SUSPICIOUS = (".exe", ".dll", ".so", ".dylib", ".bat", ".sh", ".ps1", ".cmd")
#: [scanner] hidden files it does not flag: its tools' configuration (it also lets .gitignore and
#: .gitattributes pass, which [cookbook releasing] calls "useless stuff": refused here).
HIDDEN_ALLOWED = (".bandit", ".secrets.baseline", ".flake8")
#: [project] operating-system droppings (besides hidden files such as .DS_Store).
JUNK = ("Thumbs.db", "desktop.ini")
#: [project] development folders that must not ship (tests, benchmarks, scripts, CI, outputs, caches).
DEV_DIRS = ("tests", "bench", "scripts", ".ci", "demo_output", "dist", "build", ".venv", ".qgis-settings")
#: [cookbook] the values of ``category``.
CATEGORIES = ("Raster", "Vector", "Database", "Mesh", "Web")
#: [cookbook] icon: "a web friendly image (PNG, JPEG)"; SVG is what QGIS and the website also show.
ICON_TYPES = (".png", ".jpg", ".jpeg", ".svg")
#: [scanner] bandit_rules.json: enabled rules that cannot be skipped (a finding blocks the version) and
#: those the uploader may skip (a finding blocks it unless skipped at upload or marked ``# nosec``).
BANDIT_MANDATORY = tuple(
    "B102 B103 B105 B106 B107 B111 B201 B202 B301 B302 B304 B305 B306 B307 B312 B321 B323 B401 B402 B412 "
    "B413 B501 B502 B503 B505 B506 B507 B601 B602 B604 B605 B609 B610 B611 B612 B613 B615 B701".split())
BANDIT_SKIPPABLE = tuple(
    "B101 B104 B108 B110 B112 B113 B303 B308 B310 B311 B313 B314 B315 B316 B317 B318 B319 B320 B324 B403 "
    "B405 B406 B407 B408 B409 B504 B508 B509 B603 B606 B607 B608 B614 B702 B703 B704".split())
#: [scanner] secrets_rules.json: every detector is enabled but IPPublicDetector; the high-entropy and
#: keyword detectors are skippable (the types detect-secrets reports for them), the others are not.
SECRETS_SKIPPABLE = ("Base64 High Entropy String", "Hex High Entropy String", "Secret Keyword")
#: The first bytes of a compiled Qt translation (.qm).
QM_MAGIC = bytes.fromhex("3cb86418caef9c95cd211cbf60a1bddd")

VERSION = re.compile(r"^\d+(\.\d+){1,3}([-.]?[A-Za-z]+\d*)?$")
QGIS_VERSION = re.compile(r"^\d+\.\d+(\.\d+)?$")
# Django's EmailValidator ([models] EmailField), in short: a dot-atom user part and a domain with a TLD.
EMAIL = re.compile(r"^[-!#$%&'*+/=?^_`{}|~0-9A-Za-z]+(\.[-!#$%&'*+/=?^_`{}|~0-9A-Za-z]+)*"
                   r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")
HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(\s[^<>]*)?/?>")


@dataclass
class Report:
    """What :func:`check_package` found: ``errors`` (the repository or this project refuses the zip),
    ``warnings`` (the upload page warns), the zip's ``names``, its ``metadata`` and ``package`` folder."""

    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    names: list = field(default_factory=list)
    metadata: dict = field(default_factory=dict)
    package: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors


def check_package(path, package: str = "deepfeature", new: bool = True, scan: bool = False,
                  online: bool = False) -> Report:
    """Checks the zip at ``path``. ``package``: the folder the plugin must be in (``''``: any);
    ``new``: the rules for a plugin's first upload; ``scan``: run the security scan's tools when they are
    installed; ``online``: ask the metadata URLs as the repository does."""
    report = Report()
    path = Path(path)
    # [validator] "File is too big. Max size is 25 Megabytes".
    size = path.stat().st_size
    if size > MAX_SIZE:
        report.errors.append("the zip is {} bytes; the repository takes at most {}".format(size, MAX_SIZE))
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        report.errors.append("Could not unzip file ({})".format(exc))
        return report
    with archive:
        _check_names(archive, report, package)
        if report.package:
            _check_contents(archive, report, new)
    if scan and report.package:
        _security_scan(path, report)
    if online:
        _check_urls_online(report)
    return report


def _check_names(archive: zipfile.ZipFile, report: Report, package: str) -> None:
    names = archive.namelist()
    report.names = names
    for name in names:
        parts = name.split("/")
        # [validator] "zip file cannot contain path information" ('..' anywhere, a leading '/').
        if ".." in name or name.startswith("/"):
            report.errors.append("path information in '{}'".format(name))
        # [validator] "zip file cannot contain .pyc file" (anywhere in the name).
        if ".pyc" in name:
            report.errors.append("a .pyc file: '{}'".format(name))
        # [validator] no __MACOSX, .git or __pycache__ directory at any depth.
        for forbidden in FORBIDDEN_DIRS:
            if forbidden in parts:
                report.errors.append("a '{}' directory: '{}'".format(forbidden, name))
        # [validator] ZIP specification: no backslash, no drive letter.
        if "\\" in name:
            report.errors.append("a backslash in '{}'".format(name))
        if re.match(r"^[A-Za-z]:", name):
            report.errors.append("a drive letter in '{}'".format(name))
        base = parts[-1]
        # [scanner] FILE_SUSPICIOUS: critical, not skippable.
        if base.lower().endswith(SUSPICIOUS):
            report.errors.append("an executable or script file type the scan blocks: '{}'".format(name))
        # [scanner] FILE_HIDDEN (disabled there); [project] no hidden file or folder ships, nor OS droppings.
        hidden = [part for part in parts if part.startswith(".") and part not in HIDDEN_ALLOWED + ("..",)]
        if hidden or base in JUNK:
            report.errors.append("a hidden or junk file: '{}'".format(name))
        if len(parts) > 2 and parts[1] in DEV_DIRS:
            report.errors.append("a development folder ships: '{}'".format(name))
        # [scanner] FILE_EXECUTABLE (warning): a .py file with an executable bit.
        info = archive.getinfo(name)
        if name.endswith(".py") and (info.external_attr >> 16) & 0o111:
            report.warnings.append("'{}' is executable (the security scan reports it)".format(name))
    # [validator] testzip: "Bad zip (maybe a CRC error)".
    bad = archive.testzip()
    if bad:
        report.errors.append("Bad zip (maybe a CRC error) on file {}".format(bad))
    # [validator] multiple parent folders: only the first one is recognized (a warning there; [project]
    # an error here: the zip holds one folder, the plugin).
    parents = sorted({name.split("/")[0] for name in names})
    if len(parents) > 1:
        report.errors.append("more than one top-level entry: {}".format(", ".join(parents)))
    # [validator] package_name = the first entry's folder ("Cannot find a folder inside the compressed
    # package").
    if not names or "/" not in names[0]:
        report.errors.append("Cannot find a folder inside the compressed package")
        return
    name = names[0][: names[0].index("/")]
    report.package = name
    # [validator] "must start with an ASCII letter and can only contain ASCII letters, digits and the signs
    # '-' and '_'"; and for a new plugin, a valid Python identifier (PEP 8).
    if not re.match(r"^[A-Za-z][A-Za-z0-9-_]+$", name):
        report.errors.append("the top folder '{}' is not [A-Za-z][A-Za-z0-9-_]+".format(name))
    if not name.isidentifier():
        report.errors.append("the top folder '{}' is not a Python identifier (new plugins)".format(name))
    # [project] the plugin imports itself as this package (``deepfeature.core`` in the worker).
    if package and name != package:
        report.errors.append("the top folder is '{}', not '{}'".format(name, package))


def _check_contents(archive: zipfile.ZipFile, report: Report, new: bool) -> None:
    names, package = set(report.names), report.package
    # [validator] __init__.py and metadata.txt in the plugin folder.
    for required in ("__init__.py", "metadata.txt"):
        if "{}/{}".format(package, required) not in names:
            report.errors.append("Cannot find {} in plugin package".format(required))
    # [validator] LICENSE in the plugin folder, exactly this name (mandatory since 2024-06-03);
    # [cookbook] "a plain text file with no file extension in the filename".
    license_name = package + "/LICENSE"
    if license_name not in names:
        report.errors.append("Cannot find LICENSE in the plugin package")
    else:
        text = archive.read(license_name).decode("utf-8", "replace")
        # [project] GPL-2.0-or-later, like QGIS: the licence's text and the "any later version" grant.
        if "GNU GENERAL PUBLIC LICENSE" not in text or "Version 2, June 1991" not in text:
            report.errors.append("LICENSE does not hold the GNU GPL version 2 text")
        if "any later version" not in text:
            report.errors.append("LICENSE does not say 'or (at your option) any later version'")
    metadata_name = package + "/metadata.txt"
    if metadata_name not in names:
        return
    # [validator] parsed with configparser.ConfigParser() (its default interpolation: a lone '%' fails),
    # case-sensitive keys, UTF-8, a [general] section.
    parser = configparser.ConfigParser()
    parser.optionxform = str
    try:
        parser.read_file(io.StringIO(archive.read(metadata_name).decode("utf8")))
        if not parser.has_section("general"):
            report.errors.append("Cannot find a section named 'general' in metadata.txt")
            return
        metadata = {key: value.strip() for key, value in parser.items("general")}
    except (configparser.Error, UnicodeDecodeError) as exc:
        report.errors.append("Errors parsing metadata.txt: {}".format(exc).splitlines()[0])
        return
    report.metadata = metadata
    _check_metadata(metadata, report)
    _check_icon(archive, metadata, report)
    _check_translations(archive, report)


def _check_metadata(metadata: dict, report: Report) -> None:
    # [validator] PLUGIN_REQUIRED_METADATA present; [models] and not blank (the fields are blank=False).
    missing = [key for key in REQUIRED if key not in metadata]
    if missing:
        report.errors.append("Cannot find metadata {} in metadata.txt".format(", ".join(missing)))
    for key in REQUIRED:
        if key in metadata and not metadata[key]:
            report.errors.append("metadata {} is empty".format(key))
    # [validator] "Check for deprecated supportsQt6 flag": the upload page warns; QGIS 4 reads only
    # qgisMaximumVersion (the QGIS 3 Qt6 builds still need the flag).
    if "supportsQt6" in metadata:
        report.warnings.append("supportsQt6 is deprecated on plugins.qgis.org (qgisMaximumVersion decides)")
    version = metadata.get("version", "")
    # [models] PluginVersion.clean_version keeps the last word ("version 1.2" -> "1.2"), VersionField
    # max_length 32; [cookbook] "short string with the version dotted notation".
    word = version.rsplit(" ")[-1] if " " in version else version
    if version and (not VERSION.match(word) or len(word) > 32):
        report.errors.append("version '{}' is not a dotted version such as 1.2.0".format(version))
    # [cookbook] "dotted notation of minimum/maximum QGIS version"; [models] QGVersionZeroForcedField
    # (x.y or x.y.z, max_length 32). A maximum below the minimum offers the plugin to no QGIS.
    versions = {}
    for key in ("qgisMinimumVersion", "qgisMaximumVersion"):
        if key in metadata:
            if QGIS_VERSION.match(metadata[key]):
                versions[key] = tuple(int(part) for part in metadata[key].split("."))
            else:
                report.errors.append("{} '{}' is not a dotted QGIS version such as 3.22".format(
                    key, metadata[key]))
    if len(versions) == 2 and versions["qgisMaximumVersion"] < versions["qgisMinimumVersion"]:
        report.errors.append("qgisMaximumVersion is below qgisMinimumVersion")
    # [models] email is an EmailField.
    if metadata.get("email") and not EMAIL.match(metadata["email"]):
        report.errors.append("email '{}' is not an e-mail address".format(metadata["email"]))
    # [validator] "Author name cannot contain slashes."; [models] author and name max_length 256.
    if "/" in metadata.get("author", ""):
        report.errors.append("Author name cannot contain slashes")
    for key in ("name", "author"):
        if len(metadata.get(key, "")) > 256:
            report.errors.append("{} is longer than 256 characters".format(key))
    # [validator] _check_url_link: tracker, repository and homepage each need a scheme and a host and must
    # not be the template value; homepage too: a missing one fails its reachability check (requests.head
    # of None raises, which the validator counts as unreachable).
    for key, template in URLS:
        url = metadata.get(key, "")
        parsed = urllib.parse.urlparse(url)
        if not url or url == template or not (parsed.scheme and parsed.netloc):
            report.errors.append("{} '{}' is not a valid URL".format(key, url))
    # [cookbook] description and about: "no HTML allowed" (changelog too); [cookbook releasing] "use the
    # description field in metadata for a 1 line description"; "avoid repeating 'plugin' in the name".
    for key in ("description", "about", "changelog"):
        if HTML_TAG.search(metadata.get(key, "")):
            report.errors.append("{} holds HTML, which the repository does not allow".format(key))
    if "\n" in metadata.get("description", ""):
        report.errors.append("description is more than one line (use 'about' for details)")
    if "plugin" in metadata.get("name", "").lower():
        report.errors.append("name '{}' repeats 'plugin'".format(metadata["name"]))
    # [cookbook] category: one of Raster, Vector, Database, Mesh, Web.
    if "category" in metadata and metadata["category"] not in CATEGORIES:
        report.errors.append("category '{}' is not one of {}".format(metadata["category"],
                                                                     ", ".join(CATEGORIES)))
    # [validator] booleans are true when "true", "yes" or "1" and false otherwise; [project] anything but
    # true/false/yes/no/1/0 is a typo that silently means False.
    for key in BOOLEANS:
        if key in metadata and metadata[key].lower() not in ("true", "false", "yes", "no", "1", "0"):
            report.errors.append("{}='{}' is not a boolean".format(key, metadata[key]))
    # [project] the changelog (metadata.txt's is the plugin's only one) has an entry for this version.
    changelog = metadata.get("changelog", "")
    if version and not re.search(r"(^|\s){}(\s|:|$)".format(re.escape(version)), changelog):
        report.errors.append("the changelog has no entry for version {}".format(version))


def _check_icon(archive: zipfile.ZipFile, metadata: dict, report: Report) -> None:
    # [validator] reads package/icon (a leading './' stripped) and keeps it as the plugin's icon; a
    # missing one is silently dropped. [cookbook releasing] "add a proper icon": [project] required.
    icon = metadata.get("icon", "")
    if not icon:
        report.errors.append("metadata has no icon")
        return
    name = "{}/{}".format(report.package, icon[2:] if icon.startswith("./") else icon)
    if name not in report.names:
        report.errors.append("the icon '{}' is not in the zip".format(icon))
        return
    data = archive.read(name)
    suffix = Path(icon).suffix.lower()
    if suffix not in ICON_TYPES:
        report.errors.append("the icon '{}' is not a PNG, JPEG or SVG image".format(icon))
    elif suffix == ".png" and not data.startswith(b"\x89PNG\r\n\x1a\n"):
        report.errors.append("the icon '{}' is not a PNG file".format(icon))
    elif suffix in (".jpg", ".jpeg") and not data.startswith(b"\xff\xd8"):
        report.errors.append("the icon '{}' is not a JPEG file".format(icon))
    elif suffix == ".svg":
        import xml.etree.ElementTree as ElementTree  # the package's own icon, not untrusted input

        try:
            root = ElementTree.fromstring(data)
        except ElementTree.ParseError as exc:
            report.errors.append("the icon '{}' is not valid SVG ({})".format(icon, exc))
        else:
            if not root.tag.endswith("svg"):
                report.errors.append("the icon '{}' is not an SVG image".format(icon))


def _check_translations(archive: zipfile.ZipFile, report: Report) -> None:
    # [project] translations ship compiled: every i18n/*.qm is a Qt translation; no sources (.ts).
    prefix = report.package + "/i18n/"
    for name in report.names:
        if name.startswith(prefix) and name.endswith(".qm") and not archive.read(name).startswith(QM_MAGIC):
            report.errors.append("'{}' is not a compiled Qt translation".format(name))
        if name.endswith(".ts"):
            report.errors.append("a translation source ships: '{}' (the .qm is enough)".format(name))


def _tool(name: str):
    """A console script installed beside this Python (a virtual environment) or on PATH, else None."""
    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.exists() else shutil.which(name)


def _security_scan(path: Path, report: Report) -> None:
    """[scanner] PluginSecurityScanner's blocking checks on the extracted zip: Bandit with the enabled
    rules, detect-secrets with the enabled detectors (tools that are not installed are left out, as the
    site does)."""
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(path) as archive:
            archive.extractall(tmp)
        bandit = _tool("bandit")
        if bandit:
            # The site's command: bandit -r DIR -f json --quiet -t <enabled rules>.
            tests = ",".join(sorted(BANDIT_MANDATORY + BANDIT_SKIPPABLE))
            proc = subprocess.run([bandit, "-r", tmp, "-f", "json", "--quiet", "-t", tests],
                                  capture_output=True, text=True, timeout=300)
            for issue in json.loads(proc.stdout or "{}").get("results", []):
                where = "{}:{}".format(issue["filename"].replace(tmp + "/", ""), issue["line_number"])
                text = "Bandit {} at {}: {}".format(issue["test_id"], where, issue["issue_text"])
                if issue["test_id"] in BANDIT_SKIPPABLE:
                    report.warnings.append(text + " (blocks the upload unless skipped there or # nosec)")
                else:
                    report.errors.append(text)
        secrets = _tool("detect-secrets")
        if secrets:
            proc = subprocess.run(
                [secrets, "scan", "--all-files", "--exclude-files", r"metadata\.txt", "--exclude-files",
                 r"\.secrets\.baseline", "--disable-plugin", "IPPublicDetector", "."],
                cwd=tmp, capture_output=True, text=True, timeout=300)
            for file, found in json.loads(proc.stdout or "{}").get("results", {}).items():
                for secret in found:
                    text = "detect-secrets {} at {}:{}".format(secret["type"], file, secret["line_number"])
                    if secret["type"] in SECRETS_SKIPPABLE:
                        report.warnings.append(text + " (blocks the upload unless skipped there)")
                    else:
                        report.errors.append(text)


def _check_urls_online(report: Report) -> None:
    """[validator] each URL must answer a HEAD request (redirects followed) within 10 s with a status
    below 400."""
    for key, _template in URLS:
        url = report.metadata.get(key, "")
        if not url:
            continue
        request = urllib.request.Request(url, method="HEAD", headers={"User-Agent": "Mozilla/5.0"})
        try:  # urllib follows redirects and raises HTTPError for a status of 400 or more
            with urllib.request.urlopen(request, timeout=10):  # the metadata's http(s) URL
                pass
        except Exception as exc:  # any failure is "cannot be reached" there
            report.errors.append("{} {} cannot be reached ({})".format(key, url, exc))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("zip")
    parser.add_argument("--package", default="deepfeature", help="the plugin's folder ('' for any)")
    parser.add_argument("--scan", action="store_true", help="run Bandit and detect-secrets when installed")
    parser.add_argument("--online", action="store_true", help="ask the metadata's URLs")
    args = parser.parse_args(argv)
    report = check_package(args.zip, package=args.package, scan=args.scan, online=args.online)
    for warning in report.warnings:
        print("warning: " + warning)
    for error in report.errors:
        print("error: " + error)
    print("{}: {} files, {} bytes, {} error(s), {} warning(s)".format(
        args.zip, sum(not n.endswith("/") for n in report.names), Path(args.zip).stat().st_size,
        len(report.errors), len(report.warnings)))
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
