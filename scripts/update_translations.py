#!/usr/bin/env python3
"""Generate or update the translation files ``i18n/deepfeature_<lang>.ts`` and compile them to ``.qm``.

    python3 scripts/update_translations.py            # every i18n/deepfeature_*.ts (fr when there is none)
    python3 scripts/update_translations.py fr de      # these languages (a new one starts untranslated)
    python3 scripts/update_translations.py --check    # exit 1 when a .ts misses or keeps strings that the
                                                      # sources do not (locations are not compared)

One ``.ts`` per language holds every user-visible string:

- the plugin's strings, extracted by ``pylupdate5`` (Debian: pyqt5-dev-tools) from ``plugin.py``,
  ``algorithms/`` and ``ui/``, with the context each is looked up in at run time;
- the engine's texts (errors, log lines, report headings) under the context ``core``, extracted from
  ``core/`` by ``algorithms/i18n.py`` (``core_templates``; no Qt, no import of the engine).

Existing translations are kept (a string that moved to another context keeps its translation, marked
unfinished for a check); strings that are gone from the sources are dropped. Then ``lrelease``
(Debian: qttools5-dev-tools) compiles each ``.ts`` to the ``.qm`` that the plugin loads. The numbers of
strings and of translated strings are printed per language and per context group.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "i18n"
#: The plugin's Python sources that hold user-visible strings (core/ is read by core_templates()).
PYTHON_SOURCES = ("plugin.py", "algorithms", "ui")
DEFAULT_LANGUAGES = ("fr",)


def _i18n_module():
    """algorithms/i18n.py loaded on its own (its Qt imports are inside functions; the package is not
    imported, so no QGIS is needed)."""
    spec = importlib.util.spec_from_file_location("deepfeature_i18n", ROOT / "algorithms" / "i18n.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def find_tool(names, variable):
    """The first of ``names`` found (``$variable`` first), or None."""
    given = os.environ.get(variable)
    for name in ([given] if given else []) + list(names):
        path = shutil.which(name) or (name if os.path.isfile(name) and os.access(name, os.X_OK) else None)
        if path:
            return path
    return None


def python_files() -> list[str]:
    files = []
    for name in PYTHON_SOURCES:
        path = ROOT / name
        files += [str(p) for p in sorted(path.rglob("*.py"))] if path.is_dir() else [str(path)]
    return [f for f in files if os.path.exists(f)]


class Message:
    """One message of a .ts file."""

    def __init__(self, source, locations=(), translation="", finished=False, comment=""):
        self.source, self.locations, self.translation = source, list(locations), translation
        self.finished, self.comment = finished, comment


def read_ts(path: Path) -> dict[str, dict[str, Message]]:
    """``{context: {source: Message}}`` of a .ts file (obsolete and vanished messages left out)."""
    contexts: dict[str, dict[str, Message]] = {}
    if not path.exists():
        return contexts
    for context in ET.parse(path).getroot().iter("context"):
        name = context.findtext("name") or ""
        messages = contexts.setdefault(name, {})
        for message in context.iter("message"):
            source = message.findtext("source") or ""
            node = message.find("translation")
            kind = node.get("type", "") if node is not None else "unfinished"
            if kind in ("obsolete", "vanished"):
                continue
            locations = [(loc.get("filename", ""), int(loc.get("line", "0") or 0))
                         for loc in message.iter("location")]
            messages[source] = Message(source, locations, (node.text or "") if node is not None else "",
                                       kind != "unfinished", message.findtext("translatorcomment") or "")
    return contexts


def pylupdate_messages(pylupdate: str) -> dict[str, dict[str, Message]]:
    """The plugin's strings as pylupdate5 extracts them (locations relative to i18n/)."""
    with tempfile.TemporaryDirectory(dir=I18N, prefix=".pylupdate-") as tmp:
        ts = Path(tmp) / "python.ts"
        run = subprocess.run([pylupdate, "-noobsolete", *python_files(), "-ts", str(ts)],
                             capture_output=True, text=True)
        if run.returncode != 0 or not ts.exists():
            sys.exit("pylupdate5 failed:\n{}{}".format(run.stdout, run.stderr))
        contexts = read_ts(ts)
    for messages in contexts.values():  # pylupdate wrote the paths relative to the temporary folder
        for message in messages.values():
            message.locations = [(os.path.relpath(os.path.normpath(os.path.join(tmp, f)), I18N), line)
                                 for f, line in message.locations]
    return contexts


def core_messages(i18n) -> dict[str, Message]:
    return {t.source: Message(t.source, [(os.path.relpath(ROOT / t.path, I18N), t.line)])
            for t in i18n.core_templates(ROOT / "core")}


def merge(fresh: dict[str, dict[str, Message]], old: dict[str, dict[str, Message]]) -> tuple[dict, int]:
    """``fresh`` with the translations of ``old``; also the number of old messages dropped."""
    elsewhere = {}
    for messages in old.values():
        for message in messages.values():
            if message.translation:
                elsewhere.setdefault(message.source, message)
    kept = 0
    for context, messages in fresh.items():
        for source, message in messages.items():
            previous = old.get(context, {}).get(source)
            if previous is not None:
                message.translation, message.finished = previous.translation, previous.finished
                message.comment = previous.comment
                kept += 1
            elif source in elsewhere:  # moved: keep the translation, to be checked
                message.translation, message.finished = elsewhere[source].translation, False
    total_old = sum(len(m) for m in old.values())
    return fresh, total_old - kept


def _content(contexts: dict[str, dict[str, Message]]) -> dict:
    return {(c, s): (m.translation, m.finished) for c, ms in contexts.items() for s, m in ms.items()}


def write_ts(path: Path, language: str, contexts: dict[str, dict[str, Message]]) -> str:
    """The .ts text (Qt Linguist's layout); written to ``path`` when it differs."""
    out = ['<?xml version="1.0" encoding="utf-8"?>', "<!DOCTYPE TS>",
           '<TS version="2.1" language={} sourcelanguage="en">'.format(quoteattr(language))]
    for name in sorted(contexts):
        out += ["<context>", "    <name>{}</name>".format(escape(name))]
        for message in contexts[name].values():
            out.append("    <message>")
            for filename, line in message.locations:
                out.append('        <location filename={} line="{}"/>'.format(quoteattr(filename), line))
            out.append("        <source>{}</source>".format(escape(message.source)))
            if message.comment:
                out.append("        <translatorcomment>{}</translatorcomment>".format(
                    escape(message.comment)))
            kind = "" if message.finished and message.translation else ' type="unfinished"'
            out.append("        <translation{}>{}</translation>".format(kind, escape(message.translation)))
            out.append("    </message>")
        out.append("</context>")
    out.append("</TS>")
    return "\n".join(out) + "\n"


#: Context groups of the statistics (other contexts: the algorithms and their shared pieces).
GROUPS = {"core": "engine (core: errors, log lines, reports)", "LayerStyler": "styles (legend labels)",
          "DeepFeatureSettings": "settings and provider", "DeepFeatureProvider": "settings and provider",
          "DeepFeaturePlugin": "plugin (message bar)"}


def statistics(contexts: dict[str, dict[str, Message]]) -> dict[str, tuple[int, int]]:
    """``{group: (strings, translated)}`` by context group."""
    groups: dict[str, list[int]] = {}
    for name, messages in contexts.items():
        group = GROUPS.get(name, "algorithms (titles, groups, help, parameters, outputs, messages)")
        counts = groups.setdefault(group, [0, 0])
        counts[0] += len(messages)
        counts[1] += sum(1 for m in messages.values() if m.finished and m.translation)
    return {g: (c[0], c[1]) for g, c in groups.items()}


def compile_qm(lrelease: str, ts: Path) -> Path:
    qm = ts.with_suffix(".qm")
    run = subprocess.run([lrelease, "-silent", str(ts), "-qm", str(qm)], capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit("lrelease failed on {}:\n{}{}".format(ts, run.stdout, run.stderr))
    return qm


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("languages", nargs="*", help="language codes (default: the existing .ts files)")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a .ts is outdated")
    parser.add_argument("--no-compile", action="store_true", help="do not run lrelease")
    args = parser.parse_args(argv)
    languages = args.languages or sorted(p.stem.split("_", 1)[1] for p in I18N.glob("deepfeature_*.ts")) \
        or list(DEFAULT_LANGUAGES)
    pylupdate = find_tool(["pylupdate5"], "PYLUPDATE")
    if pylupdate is None:
        sys.exit("pylupdate5 is missing (Debian: apt install pyqt5-dev-tools; or set PYLUPDATE).")
    lrelease = None
    if not (args.check or args.no_compile):
        lrelease = find_tool(["lrelease", "lrelease-qt5", "lrelease6", "/usr/lib/qt6/bin/lrelease"],
                             "LRELEASE")
        if lrelease is None:
            sys.exit("lrelease is missing (Debian: apt install qttools5-dev-tools; or set LRELEASE).")
    i18n = _i18n_module()
    outdated = []
    for language in languages:
        ts = I18N / "deepfeature_{}.ts".format(language)
        fresh = pylupdate_messages(pylupdate)
        fresh[i18n.CORE_CONTEXT] = core_messages(i18n)
        merged, dropped = merge(fresh, read_ts(ts))
        text = write_ts(ts, language, merged)
        current = ts.read_text(encoding="utf-8") if ts.exists() else ""
        if args.check:  # the strings and translations, not the line numbers of the locations
            if _content(merged) != _content(read_ts(ts)):
                outdated.append(str(ts))
        elif text != current:
            ts.write_text(text, encoding="utf-8")
        stats = statistics(merged)
        total = sum(s[0] for s in stats.values())
        done = sum(s[1] for s in stats.values())
        print("{}: {} strings, {} translated{}".format(
            ts.relative_to(ROOT), total, done, ", {} dropped".format(dropped) if dropped else ""))
        for group, (count, translated) in sorted(stats.items()):
            print("  {}: {} strings, {} translated".format(group, count, translated))
        if lrelease is not None:
            print("  compiled {}".format(compile_qm(lrelease, ts).relative_to(ROOT)))
    if outdated:
        print("Not up to date (run scripts/update_translations.py): " + ", ".join(outdated))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
