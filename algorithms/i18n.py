"""Translations: the plugin's Qt translator, and the engine's messages translated at the QGIS boundary.

**Plugin strings.** Every user-visible string of ``algorithms/`` and ``plugin.py`` is a literal given to
``self.tr()`` or ``QCoreApplication.translate("Context", ...)``, so ``pylupdate5`` extracts it with the
context it is looked up in at run time: ``DeepFeatureAlgorithm.tr()`` tries the class of the object and
then its base classes, so a string written in a base class or a mixin (``pylupdate5`` records the class
whose body holds the call) is found as well as one written in the algorithm itself. Strings defined
outside a class or method (group names, option lists) are marked with :func:`QT_TRANSLATE_NOOP`, which
``pylupdate5`` reads and which returns its text unchanged (PyQt6 has no such function).

**Engine messages.** ``core/`` never imports Qt: its errors, log lines and report headings are English,
built as ``"template".format(values)``. :func:`core_templates` lists every such template from the core
sources (AST, no import): the receivers of ``.format`` that read as text, the texts given to exceptions,
to ``progress.info/warning/debug`` and to ``count()``, the sentences kept in constants, and the labels and
headings of the report modules (the text between the tags of their HTML). ``scripts/update_translations.py``
writes them into ``i18n/deepfeature_<lang>.ts`` under the context ``core``.

At the boundary (``FeedbackProgress`` for the log lines, ``run_core`` / ``run_worker`` and the algorithms'
``except DeepFeatureError`` for the errors, :func:`translate_html_file` for the reports)
:func:`translate_message` turns a finished English message back into its template and values and returns
the translated template filled with the same values:

- cheap: nothing happens without a translator installed by :func:`install_translator` (English). The
  first message translated after that parses the core sources once (about 0.1 s) and keeps the templates
  that the translation has, as anchored regular expressions (``{}`` → a lazy group, ``{:.3f}`` / ``{:,}``
  → a number, a name repeated in a template repeats its value), each behind a prefix/suffix test;
- the values keep the text they have in the English message (numbers keep their format); a translation
  may reorder them (``{1} … {0}``, names). A value that is itself a core text (a section label, a noun
  such as "model file" put into "The {} '{}' is also an input.", a sentence with words around its own
  values) is translated too, and when the translation moves it to the start of the sentence it gets a
  capital letter ("{} '{}' est aussi une entrée." → "Le fichier de modèle '…' est aussi une entrée.");
- of the templates that match, the one that explains most of the message wins (its fixed text plus what
  its translated values explain); a template of placeholders and punctuation only (``"  {}: {}"``)
  explains nothing itself, so it is used only when its values are known texts (``"  Levels: 3"``) and a
  path such as ``a: b`` is never touched. A value may be a list (``", "``, ``"; "``) of known texts, and
  where two values meet without text between them (``"{}{}"``) the boundary that explains most is taken;
- no matching template, or any error: the English message is returned unchanged. A data value that is
  exactly a one-word report label (a class named "train") is translated in a report; nothing else is.

The reports (HTML) are written by the engine, in the worker; :func:`translate_html_file` rewrites the text
between their tags (not styles, scripts or attributes) once the algorithm has the file back, atomically,
and only when a translation is loaded.
"""

from __future__ import annotations

import ast
import html
import os
import re
import string
from dataclasses import dataclass
from pathlib import Path

PLUGIN_DIR = Path(__file__).resolve().parent.parent
CORE_DIR = PLUGIN_DIR / "core"
I18N_DIR = PLUGIN_DIR / "i18n"
#: The ``.ts`` context of the engine's texts.
CORE_CONTEXT = "core"
#: The translation files: ``deepfeature_<locale>.ts`` / ``.qm``.
FILE_PATTERN = "deepfeature_{}.{}"


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # noqa: N802 - the name pylupdate5 reads
    """Mark ``text`` for translation in ``context`` (``pylupdate5`` extracts it); returns it unchanged."""
    return text


# ------------------------------------------------------------------------------------------------
# The engine's templates (pure Python: also used by scripts/update_translations.py, without Qt)
# ------------------------------------------------------------------------------------------------
#: Calls whose text arguments are messages (the method or function name).
MESSAGE_CALLS = {"info", "warning", "debug", "say"}
#: Keyword arguments (and parameters: their defaults) whose text goes into a message ("the {what} ...")
#: or a page title.
MESSAGE_KEYWORDS = {"what", "title"}
#: Functions whose positional argument at this index is such a text.
WHAT_POSITIONS = {"check_output_path": 2, "atomic_output": 2, "require_file": 1}
#: Core modules whose text constants are report labels and headings (and functions of other modules).
REPORT_MODULES = {"html_pages.py", "training/report.py", "postprocessing/evaluation_report.py",
                  "nn/describe.py"}
#: Functions (and module constants: their dict values) of other modules whose texts are report labels.
REPORT_SCOPES = {("training/loop.py", "write_report"), ("nn/spec.py", "ARCHITECTURE_LABELS")}
#: Texts of the report modules that are CSS classes, not text.
NOT_TEXT = {"best", "epoch best"}
#: Calls whose text arguments are keys or code, never text (``d.get("loss")``, ``s.startswith("x")``).
_KEY_CALLS = {"get", "setdefault", "pop", "startswith", "endswith", "split", "rsplit", "join", "replace",
              "strip", "rstrip", "lstrip", "encode", "decode", "open", "getattr", "hasattr", "format",
              "import_module", "find_spec", "environ", "getenv", "write", "fullmatch", "match", "search",
              "compile", "sub", "index", "count", "with_suffix", "Path", "simplefilter", "filterwarnings"}
_FORMATTER = string.Formatter()
_WORD = re.compile(r"[^\W\d_]{2,}")
_SENTENCE = re.compile(r"^[A-Z][^\n]*\s\S+\s\S.*[.:!?…]$", re.S)
#: Code, not text: CSS rules (``{margin:0;...}``), HTML attributes, colours.
_CODE = re.compile(r"\{[^{}]*[a-z-]+:[^;{}]*;|=\"|^#[0-9a-fA-F]{3,8}$")
#: A format specification of the mini-language (a text with ``{margin: 0 1em}`` is CSS, not a template).
_SPEC = re.compile(r"(.?[<>=^])?[-+ ]?#?0?\d*[,_]?(\.\d+)?[bcdeEfFgGnosxX%]?")


@dataclass(frozen=True)
class CoreText:
    """One engine text: its template and where it is (path relative to the plugin folder, line)."""

    source: str
    path: str
    line: int


def _literal(template: str) -> str:
    """The fixed text of a template (placeholders removed); '' when it is no valid template."""
    try:
        return "".join(part[0] for part in _FORMATTER.parse(template))
    except ValueError:
        return ""


def _is_text(template: str) -> bool:
    """A template reads as text: words in its fixed part (a single token only when it is a plain word),
    or a ``label: value`` pattern; not code, CSS, an attribute, a file name or an identifier."""
    fixed = _literal(template)
    if not fixed or _CODE.search(template) or not _valid_specs(template):
        return False
    if not re.search(r"\s", template.strip()):
        return bool(re.fullmatch(r"[^\W\d_]{2,}:?|\{\}:", template.strip()))
    if _WORD.search(fixed):
        return True
    return bool(re.search(r":(\s|$)", template)) and not fixed.strip(" :")


def _valid_specs(template: str) -> bool:
    try:
        return all(_SPEC.fullmatch(spec or "") for _, field, spec, _ in _FORMATTER.parse(template)
                   if field is not None)
    except ValueError:
        return False


def _html_texts(template: str) -> list[str]:
    """The texts between the tags of an HTML template (not styles, scripts or placeholder-only pieces)."""
    pieces, skip = [], False
    for piece in re.split(r"(<[^<>]*>)", template):
        if piece.startswith("<"):
            if _tag_name(piece) in ("style", "script"):
                skip = not piece.startswith("</")
            continue
        piece = piece.strip()
        if not skip and _WORD.search(_literal(piece)):
            pieces.append(html.unescape(piece))
    return pieces


def _tag_name(tag: str) -> str:
    match = re.match(r"</?\s*([A-Za-z][A-Za-z0-9]*)", tag)
    return match.group(1).lower() if match else ""


def _is_html(text: str) -> bool:
    return bool(re.search(r"<(!DOCTYPE|/?[a-zA-Z][a-zA-Z0-9]*)[\s>/]", text))


def _call_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _inside(node: ast.AST, kind, parents: dict) -> bool:
    while node is not None:
        node = parents.get(id(node))
        if isinstance(node, kind):
            return True
    return False


def _plural(singular: str, plural: str) -> list[str]:
    return ["{} " + singular, "{} " + (plural or singular + "s")]


def _file_texts(tree: ast.AST, relative: str) -> list[tuple[str, int]]:
    """``(template, line)`` of the engine texts of one core module."""
    parents: dict[int, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    docstrings = _docstrings(tree)
    report_module = relative in REPORT_MODULES
    report_lines, report_values = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and (relative, node.name) in REPORT_SCOPES:
            report_lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict) and any(
                isinstance(t, ast.Name) and (relative, t.id) in REPORT_SCOPES for t in node.targets):
            report_values.update(id(v) for v in node.value.values)
    pieces = set()  # texts put into a message: a default ``what``, an argument of a message's .format()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args.posonlyargs + node.args.args
            defaults = list(zip(args[len(args) - len(node.args.defaults):], node.args.defaults))
            defaults += list(zip(node.args.kwonlyargs, node.args.kw_defaults))
            pieces.update(id(d) for a, d in defaults if d is not None and a.arg in MESSAGE_KEYWORDS)
        elif isinstance(node, ast.Call):
            index = WHAT_POSITIONS.get(_call_name(node))
            if index is not None and len(node.args) > index:
                pieces.add(id(node.args[index]))
            func = node.func
            template = isinstance(func, ast.Attribute) and isinstance(func.value, ast.Constant)
            if template and func.attr == "format":
                for arg in node.args + [k.value for k in node.keywords]:
                    for part in ([arg.body, arg.orelse] if isinstance(arg, ast.IfExp) else
                                 arg.values if isinstance(arg, ast.BoolOp) else [arg]):
                        pieces.add(id(part))
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _call_name(node) == "count" and len(node.args) >= 2:
            args = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None
                    for a in node.args[1:3]]
            if args[0]:
                found += [(t, node.lineno) for t in _plural(args[0], args[1] if len(args) > 1 else "")]
            continue
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)) or id(node) in docstrings:
            continue
        text, parent = node.value, parents.get(id(node))
        grand = parents.get(id(parent)) if parent is not None else None
        formatted = (isinstance(parent, ast.Attribute) and parent.attr == "format"
                     and isinstance(grand, ast.Call) and grand.func is parent)
        if formatted:
            outer = parents.get(id(grand))
            if isinstance(outer, ast.Call) and _call_name(outer) in ("write", "write_text", "writelines"):
                continue  # a line of a log file, not a message
        message_arg = isinstance(parent, ast.Call) and node in parent.args and (
            _call_name(parent) in MESSAGE_CALLS or _call_name(parent).endswith(("Error", "Exception")))
        keyword = (isinstance(parent, ast.keyword) and parent.arg in MESSAGE_KEYWORDS) or id(node) in pieces
        in_report = report_module or node.lineno in report_lines or id(node) in report_values
        if in_report and text in NOT_TEXT:
            continue
        if in_report and not (formatted or message_arg or keyword):
            if isinstance(parent, (ast.Subscript, ast.Compare)) or isinstance(parent, ast.keyword):
                continue
            if isinstance(parent, ast.Call) and _call_name(parent) in _KEY_CALLS:
                continue
            if isinstance(parent, (ast.arguments, ast.Lambda)) or _inside(node, ast.Lambda, parents):
                continue  # a default value, a CSS class returned by a lambda
            if isinstance(parent, ast.Dict) and isinstance(grand, ast.Call):
                continue  # the keys of a dict given to a call (json.dumps({"summary": ...}))
            if isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.Add) and parent.left is node \
                    and text.endswith("_"):
                continue  # "iou_" + name: a column key
        elif not (formatted or message_arg or keyword or _SENTENCE.match(text)):
            continue
        if _is_html(text):
            found += [(piece, node.lineno) for piece in _html_texts(text)]
        elif _is_text(text):
            found.append((text, node.lineno))
    return found


def core_templates(core_dir: str | Path = CORE_DIR) -> list[CoreText]:
    """Every engine text of the core sources, once, in file and line order."""
    core_dir = Path(core_dir)
    seen, texts = set(), []
    for path in sorted(core_dir.rglob("*.py")):
        relative = path.relative_to(core_dir).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for template, line in sorted(_file_texts(tree, relative), key=lambda t: t[1]):
            if template not in seen:
                seen.add(template)
                texts.append(CoreText(template, "core/" + relative, line))
    return texts


# ------------------------------------------------------------------------------------------------
# Matching a finished message against the templates
# ------------------------------------------------------------------------------------------------
_NUMBER = r"[-+]?(?:[\d,_]*\.?\d+(?:[eE][-+]?\d+)?%?|nan|inf)"


def _fields(parts):
    """``string.Formatter().parse`` parts with each field named by its key: ``0, 1, ...`` for automatic
    ``{}`` fields, the number of ``{1}``, or the name of ``{name}``; None for the text after the last."""
    auto = 0
    for literal, field, spec, conversion in parts:
        if field is None:
            key = None
        elif field == "":
            key, auto = auto, auto + 1
        else:
            key = int(field) if field.isdigit() else field
        yield literal, key, spec, conversion


def _value_pattern(spec: str, conversion: str | None) -> str:
    if conversion is None and spec:
        kind = spec[-1]
        if kind in "eEfFgG%":
            return _NUMBER
        if kind in "dn" or spec.endswith((",", "_")) or kind.isdigit():
            return r"[-+]?[\d,_]+" if kind in "dn," or spec.endswith(",") else r".*?"
    return r".*?"


class Template:
    """A core template as a regular expression: :meth:`values` of a message, :meth:`fill` a translation."""

    def __init__(self, source: str, translation: str):
        self.source, self.translation = source, translation
        regex, keys, groups = "", [], {}
        #: Pairs of values with no text between them ("{}{}"): where one ends is found by scoring.
        self.adjacent: list[tuple] = []
        previous = None
        parts = list(_FORMATTER.parse(source))
        for literal, key, spec, conversion in _fields(parts):
            regex += re.escape(literal)
            if key is None:
                continue
            if key in groups:
                regex += "(?P={})".format(groups[key])
                previous = None
                continue
            if previous is not None and not literal:
                self.adjacent.append((previous, key))
            groups[key] = "v{}".format(len(groups))
            regex += "(?P<{}>{})".format(groups[key], _value_pattern(spec or "", conversion))
            keys.append(key)
            previous = key
        self.regex = re.compile(regex + r"\Z", re.S)
        self.keys, self.groups = keys, groups
        self.prefix = parts[0][0] if parts else ""
        self.suffix = parts[-1][0] if parts and parts[-1][1] is None else ""
        fixed = _literal(source)
        self.letters = sum(len(w) for w in _WORD.findall(fixed))
        self.fixed = len(fixed)
        self.specificity = (self.letters, len(fixed))
        self.fields = bool(groups)

    def values(self, message: str) -> dict | None:
        """The values of ``message`` by key (``0, 1, ...`` for ``{}``, names), or None if it is not one."""
        if not message.startswith(self.prefix) or not message.endswith(self.suffix):
            return None
        match = self.regex.match(message)
        if match is None:
            return None
        return {key: match.group(self.groups[key]) for key in self.keys}

    def fill(self, values: dict) -> str:
        """The translation with ``values`` (already text) in its placeholders; KeyError if it names a
        value the English template does not have. A value that the translation puts first, where the
        English sentence began with a word ("The {} is ..." → "{} est ..."), gets a capital letter."""
        out = []
        for literal, key, _spec, _conversion in _fields(_FORMATTER.parse(self.translation)):
            out.append(literal)
            if key is None:
                continue
            value = values[key]
            if len(out) == 1 and not literal.strip() and self.prefix.strip():
                value = value[:1].upper() + value[1:]
            out.append(value)
        return "".join(out)


class CoreTranslator:
    """The translated core templates of one translator, matched against finished messages."""

    #: How deep values are translated inside values.
    MAX_DEPTH = 3
    #: Separators of a list of values ("building 0.5 (train 0.6), road 0.4 (train 0.5)").
    SEPARATORS = (", ", "; ")
    #: Longest pair of adjacent values whose boundary is searched.
    MAX_ADJACENT = 200

    def __init__(self, translate):
        """``translate(source) -> translation`` ('' when there is none)."""
        self.exact: dict[str, str] = {}
        self.templates: list[Template] = []
        for text in core_templates():
            translation = translate(text.source)
            if not translation:
                continue  # a text kept as it is ("Dropout", "CSV") still explains its part of a message
            try:
                template = Template(text.source, translation)
            except (ValueError, re.error):
                continue
            if not template.fields:
                self.exact[_FORMATTER.vformat(text.source, (), {}) if "{{" in text.source
                           or "}}" in text.source else text.source] = _unescape_braces(translation)
            else:
                self.templates.append(template)
        self.templates.sort(key=lambda t: t.specificity, reverse=True)

    def __len__(self):
        return len(self.exact) + len(self.templates)

    def translate(self, message: str) -> str:
        """``message`` translated; unchanged when no translated template explains any of it."""
        return self._best(message, 0, {})[1]

    def _best(self, message: str, depth: int, memo: dict) -> tuple[int, str]:
        """``(characters explained, translation)``: of the templates that match ``message``, the one whose
        fixed text plus the explained text of its (recursively translated) values is longest. A template
        of placeholders and punctuation only counts only when one of its values is explained."""
        if message in self.exact:
            return len(message), self.exact[message]
        if depth > self.MAX_DEPTH or not _WORD.search(message):
            return 0, message
        if message in memo:
            return memo[message]
        best = (0, message)
        for template in self.templates:
            values = template.values(message)
            if values is None:
                continue
            explained, filled = 0, {}
            for key, value in values.items():
                score, filled[key] = self._best(value, depth + 1, memo)
                explained += score
            for first, second in template.adjacent:  # "{}{}": the boundary that explains most
                explained += self._split(values, filled, first, second, depth, memo)
            if not template.letters and not explained:
                continue
            # a template of punctuation only explains nothing itself: it wins only by its values
            score = (template.fixed if template.letters else 0) + explained
            if score > best[0]:
                try:
                    best = (score, template.fill(filled))
                except (KeyError, IndexError, ValueError):
                    continue
        if depth:  # a value may be a list of texts
            for separator in self.SEPARATORS:
                items = message.split(separator)
                if len(items) > 1:
                    scored = [self._best(item, depth + 1, memo) for item in items]
                    score = sum(s for s, _ in scored)
                    if score > best[0]:
                        best = (score, separator.join(t for _, t in scored))
        memo[message] = best
        return best

    def _split(self, values: dict, filled: dict, first, second, depth: int, memo: dict) -> int:
        """Move the boundary between two adjacent values (``values``/``filled`` updated) to where their
        translations explain most (at a space or punctuation); the score gained."""
        text = values[first] + values[second]
        if len(text) > self.MAX_ADJACENT:
            return 0
        base = self._best(values[first], depth + 1, memo)[0] + self._best(values[second], depth + 1, memo)[0]
        gain = 0
        for i in range(1, len(text)):
            if text[i].isalnum() and text[i - 1].isalnum():
                continue
            left, right = self._best(text[:i], depth + 1, memo), self._best(text[i:], depth + 1, memo)
            if left[0] + right[0] - base > gain:
                gain = left[0] + right[0] - base
                values[first], values[second] = text[:i], text[i:]
                filled[first], filled[second] = left[1], right[1]
        return gain


def _unescape_braces(text: str) -> str:
    try:
        return _FORMATTER.vformat(text, (), {}) if ("{{" in text or "}}" in text) else text
    except (ValueError, IndexError, KeyError):
        return text


# ------------------------------------------------------------------------------------------------
# The Qt side: translator, locale, boundary functions
# ------------------------------------------------------------------------------------------------
_STATE: dict = {"translator": None, "core": None}


def plugin_locale() -> str:
    """The QGIS user interface locale (``fr``, ``pt_BR``): QGIS's own choice (``locale/overrideFlag`` and
    ``locale/userLocale`` of the profile, else the system locale, as ``QgsApplication.locale()``)."""
    from qgis.core import QgsApplication, QgsSettings

    settings = QgsSettings()
    override = str(settings.value("locale/overrideFlag", False)).lower() in ("true", "1")
    locale = settings.value("locale/userLocale", "") if override else QgsApplication.locale()
    return str(locale or "")


def translation_file(locale: str, folder: str | Path = I18N_DIR) -> Path | None:
    """The compiled translation for ``locale`` (``fr_FR`` falls back to ``fr``), or None."""
    for name in (locale, locale.split("_")[0]):
        path = Path(folder) / FILE_PATTERN.format(name, "qm")
        if name and path.is_file():
            return path
    return None


def install_translator(locale: str | None = None, path: str | Path | None = None):
    """Load and install the translation of ``locale`` (default: :func:`plugin_locale`) or the ``.qm``
    file ``path``; returns the installed ``QTranslator`` or None (English, or no translation). A
    translator installed before by this function is removed first."""
    from qgis.PyQt.QtCore import QCoreApplication, QTranslator

    remove_translator()
    if path is None:
        path = translation_file(locale if locale is not None else plugin_locale())
        if path is None:
            return None
    translator = QTranslator()
    if not translator.load(str(path)):
        return None
    QCoreApplication.installTranslator(translator)
    _STATE["translator"] = translator
    return translator


def remove_translator() -> None:
    """Remove the translator :func:`install_translator` installed (back to English)."""
    from qgis.PyQt.QtCore import QCoreApplication

    translator, _STATE["translator"], _STATE["core"] = _STATE["translator"], None, None
    if translator is not None:
        QCoreApplication.removeTranslator(translator)


def core_translator() -> CoreTranslator | None:
    """The core templates of the installed translation (made on first use), None without one."""
    translator = _STATE["translator"]
    if translator is None:
        return None
    if _STATE["core"] is None:
        _STATE["core"] = CoreTranslator(lambda source: _lookup(translator, source))
    return _STATE["core"]


def _lookup(translator, source: str) -> str:
    """The translation of the core text ``source`` ('' when there is none)."""
    try:
        return translator.translate(CORE_CONTEXT, source) or ""
    except UnicodeEncodeError:  # PyQt5 passes str to ``const char *`` as ASCII: give UTF-8 bytes
        return translator.translate(CORE_CONTEXT.encode(), source.encode("utf-8")) or ""


def translate_message(message: str) -> str:
    """A finished English engine message (log line or error) in the user's language; unchanged
    without a translation or when it matches no translated template."""
    try:
        core = core_translator()
        return core.translate(message) if core is not None and message else message
    except Exception:  # noqa: BLE001 - a translation must never fail the algorithm
        return message


def translate_html(page: str, core: CoreTranslator) -> str:
    """``page`` with the text between its tags translated (not scripts, styles or attributes)."""
    out, skip = [], False
    for piece in re.split(r"(<[^<>]*>)", page):
        if piece.startswith("<"):
            if _tag_name(piece) in ("style", "script"):
                skip = not piece.startswith("</")
            out.append(piece)
        elif skip or not _WORD.search(piece):
            out.append(piece)
        else:
            text = html.unescape(piece)
            stripped = text.strip()
            start = text.index(stripped) if stripped else 0
            translated = core.translate(stripped)
            if translated == stripped:
                out.append(piece)
            else:
                out.append(html.escape(text[:start] + translated + text[start + len(stripped):], False))
    return "".join(out)


def translate_html_file(path: str | Path | None) -> bool:
    """Translate the report ``path`` (written by the engine) in place; False when nothing changed."""
    try:
        core = core_translator()
        if core is None or not path or not os.path.isfile(path):
            return False
        path = Path(path)
        page = path.read_text(encoding="utf-8")
        translated = translate_html(page, core)
        if translated == page:
            return False
        tmp = path.with_name("." + path.name + ".tr")
        tmp.write_text(translated, encoding="utf-8")
        os.replace(tmp, path)
        return True
    except Exception:  # noqa: BLE001 - the English report stays
        return False
