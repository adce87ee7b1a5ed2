"""Translations: every user-visible string is extracted with the context it is looked up in at run time,
the engine's messages and reports are translated at the QGIS boundary, and the shipped French
translation is complete, compiled and used: titles, help, errors, log lines, reports, legend labels."""

from __future__ import annotations

import re
import shutil
import string
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from .conftest import QGIS_PROCESS, ROOT, qgis_process_env
from .helpers_rasters import PIXEL, write_reference_raster

FR_TS = ROOT / "i18n" / "deepfeature_fr.ts"
FR_QM = ROOT / "i18n" / "deepfeature_fr.qm"
#: The pseudo translation's marks: every string it translates comes out between them.
OPEN, CLOSE = "‹", "›"


def ts_messages(path) -> dict[tuple[str, str], tuple[str, bool]]:
    """``{(context, source): (translation, finished)}`` of a .ts file."""
    out = {}
    for context in ET.parse(path).getroot().iter("context"):
        name = context.findtext("name")
        for message in context.iter("message"):
            node = message.find("translation")
            out[(name, message.findtext("source"))] = (node.text or "", node.get("type") != "unfinished")
    return out


def fields(text: str) -> list:
    """The placeholders of a template, auto-numbered ones by position: ``[("0", ".3f", None), ...]``."""
    out, auto = [], 0
    for _, field, spec, conversion in string.Formatter().parse(text):
        if field is not None:
            if field == "":
                field, auto = str(auto), auto + 1
            out.append((field, spec, conversion))
    return sorted(set(out))


def lrelease():
    for name in ("lrelease", "lrelease-qt5", "lrelease6", "/usr/lib/qt6/bin/lrelease"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("lrelease is not installed (Debian: qttools5-dev-tools)")


@pytest.fixture(scope="module")
def french():
    """The shipped French .ts as ``{source: translation}`` of the context ``core``, and its messages."""
    messages = ts_messages(FR_TS)
    return {s: t for (c, s), (t, done) in messages.items() if c == "core" and done}, messages


@pytest.fixture(scope="module")
def core_fr(french):
    from deepfeature.algorithms.i18n import CoreTranslator

    return CoreTranslator(lambda source: french[0].get(source, ""))


# ------------------------------------------------------------------------------------------------
# The .ts: complete, up to date with the sources, compiled
# ------------------------------------------------------------------------------------------------
def test_french_translation_is_complete_with_the_same_placeholders(french):
    messages = french[1]
    contexts = {c for c, _ in messages}
    unfinished = [(c, s[:60]) for (c, s), (t, done) in messages.items() if not done or not t]
    assert unfinished == []
    wrong = [(c, s[:60]) for (c, s), (t, _) in messages.items() if fields(s) != fields(t)]
    assert wrong == []
    from deepfeature.algorithms.provider import ALGORITHM_MODULES

    for module in ALGORITHM_MODULES:  # every algorithm has its own context: title, help, parameters
        source = (ROOT / "algorithms" / (module + ".py")).read_text(encoding="utf-8")
        name = re.search(r"^class (\w+)\(.*DeepFeatureAlgorithm\)", source, re.M).group(1)
        title = re.search(r"def displayName\(self\).*\n\s+return self\.tr\(\"([^\"]+)\"\)", source).group(1)
        assert (name, title) in messages, name
        assert sum(1 for c, s in messages if c == name and "\n\n" in s) == 1, name  # its help text
    groups = {s for c, s in messages if c == "DeepFeatureAlgorithm" and re.match(r"\d · ", s)}
    assert len(groups) == 6
    assert ("ActivationInputMixin", "Automatic (Otsu)") in messages  # an option list of a mixin
    assert ("TrainModelAlgorithm", "Kullback-Leibler divergence (KLD)") in messages  # module-level options
    assert {"LayerStyler", "DeepFeatureSettings", "DeepFeatureProvider", "DeepFeaturePlugin"} <= contexts
    assert sum(1 for c, _ in messages if c == "core") >= 400
    translated = sum(1 for t, done in messages.values() if done and t)
    print("\n{} strings, {} translated".format(len(messages), translated))


def test_ts_is_up_to_date_with_the_sources():
    if not shutil.which("pylupdate5"):
        pytest.skip("pylupdate5 is not installed (Debian: pyqt5-dev-tools)")
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "update_translations.py"), "--check"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "i18n/deepfeature_fr.ts:" in run.stdout


def test_shipped_qm_is_compiled_from_the_ts(tmp_path):
    qm = tmp_path / "fr.qm"
    subprocess.run([lrelease(), "-silent", str(FR_TS), "-qm", str(qm)], check=True, timeout=120)
    assert FR_QM.read_bytes() == qm.read_bytes(), "run scripts/update_translations.py"


# ------------------------------------------------------------------------------------------------
# Engine texts: extraction and the boundary translator (pure Python)
# ------------------------------------------------------------------------------------------------
def test_core_templates_are_the_engines_texts_not_its_code():
    from deepfeature.algorithms.i18n import core_templates
    from deepfeature.core.environment import SETUP_HINT

    texts = {t.source for t in core_templates()}
    for text in (
        "The patch size {} does not fit a {}-level model: it must be a multiple of {} (the model halves it "
        "{} times) between {} and {}. Use for example {} or {}.",  # raise ParameterError("...".format())
        "Description written to {}.",  # progress.info
        "{} epochs", "{} epoch",  # count(n, "epoch")
        "model file",  # check_output_path(..., what="model file")
        SETUP_HINT,  # a sentence in a constant
        "Contextual field of view", "Metrics per epoch", "Loss per epoch",  # report labels and headings
        "Confusion matrix (rows: reference, columns: prediction; pixels)",  # a heading inside HTML
        " in EXTENT",  # a piece put into a message
    ):
        assert text in texts, text
    code = [t for t in texts if re.search(r"font-family|BLOCKXSIZE|partial-|^#[0-9a-f]{6}$|stroke-|^env-|"
                                          r"\.npz$|^python\{\}$", t)]
    assert code == []


def test_messages_are_translated_with_their_values(core_fr):
    from deepfeature.algorithms.i18n import Template

    tr = core_fr.translate
    assert tr("The patch size 33 does not fit a 5-level model: it must be a multiple of 16 (the model "
              "halves it 4 times) between 16 and 8192. Use for example 32 or 48.") == (
        "La taille de patch 33 ne convient pas à un modèle à 5 niveaux : elle doit être un multiple de 16 "
        "(le modèle la divise par deux 4 fois) entre 16 et 8192. Utilisez par exemple 32 ou 48.")
    # a noun put into the sentence is translated too, and starts it with a capital letter
    assert tr("The model file '/d/m.keras' is also an input. Choose another file name: inputs are never "
              "overwritten.") == ("Le fichier de modèle '/d/m.keras' est aussi une entrée. Choisissez un "
                                  "autre nom de fichier : les entrées ne sont jamais écrasées.")
    assert tr("Automatic threshold (Otsu): 0.4321") == "Seuil automatique (Otsu) : 0.4321"
    assert tr("Automatic threshold (Otsu): high") == "Automatic threshold (Otsu): high"  # {:.4f} is a number
    assert tr("  Contextual field of view: 47 pixels") == "  Champ de vue contextuel : 47 pixels"
    # a list of texts in a value, and two values with nothing between them ("IoU {}{} ({:.1f} s)")
    assert tr("Epoch 3/20: loss 0.1234, validation loss 0.2345, IoU building 0.5 (train 0.6), road 0.4 "
              "(train 0.5) - best so far (12.3 s)") == (
        "Époque 3/20 : perte 0.1234, perte de validation 0.2345, IoU building 0.5 (entraînement 0.6), "
        "road 0.4 (entraînement 0.5) - meilleure jusqu'ici (12.3 s)")
    assert tr("Classifying 512 x 512 pixels in 4 tiles of 256 pixels (context margin 46, step 164, batch 4, "
              "8-way TTA; 2 reader threads).") == (
        "Classification de 512 x 512 pixels en 4 tuiles de 256 pixels (marge de contexte 46, pas 164, lot 4, "
        "TTA à 8 orientations ; 2 threads de lecture).")
    worker = "Traceback (most recent call last):\n  File \"x.py\", line 3: in run\nValueError: bad: value"
    assert tr("The worker process stopped unexpectedly (exit code -11). Its last messages:\n" + worker) == (
        "Le processus de travail s'est arrêté de façon inattendue (code de sortie -11). Ses derniers "
        "messages :\n" + worker)  # the worker's own output is data
    # values reordered by a translation ({1} {0} {2}), a name repeated in a template repeats its value
    reordered = Template("Cannot {} the raster '{}': {}.", "Raster '{1}' : {0} impossible ({2}).")
    assert reordered.fill(reordered.values("Cannot write the raster '/d/l.tif': disk full.")) == (
        "Raster '/d/l.tif' : write impossible (disk full).")
    repeated = Template("One pixel per {factor} x {factor} pixels.", "Un pixel pour {factor} x {factor}.")
    assert repeated.values("One pixel per 4 x 4 pixels.") == {"factor": "4"}
    assert repeated.values("One pixel per 4 x 5 pixels.") is None
    # unknown messages, and a path shaped like "label: value", stay as they are
    for text in ("Something the engine never says.", "/data/run: 2024/a.tif", "1: building"):
        assert tr(text) == text
    assert tr("  Classes: 1: building") == "  Classes : 1: building"  # the label is known, the value is data


def test_reports_are_translated_between_their_tags(core_fr, tmp_path):
    import rasterio
    from rasterio.transform import from_origin

    from deepfeature.algorithms.i18n import translate_html
    from deepfeature.core.postprocessing import evaluate
    from deepfeature.core.postprocessing.object_scores import DEFAULT_TOLERANCE
    from deepfeature.core.training.report import write_report

    history = [{"epoch": e, "loss": 0.9 / e, "val_loss": 1.0 / e, "learning_rate": 1e-3, "class_weight": 2.0,
                "blur_distance": 1.0, "seconds": 1.5, "iou": {"building": 0.2 * e},
                "val_iou": {"building": 0.18 * e}, "val_mean_iou": 0.18 * e} for e in (1, 2, 3)]
    page = tmp_path / "training.html"
    write_report(page, history, ["building"], {"best epoch": 3, "classes": "building"},
                 title="Training report: trained.keras")
    french = translate_html(page.read_text(encoding="utf-8"), core_fr)
    for text in ("<title>Rapport d'entraînement : trained.keras</title>", "<h2>Métriques par époque</h2>",
                 "<th>meilleure époque</th>", "Perte par époque", "IoU par classe et par époque",
                 "building entraînement", ">époque</text>"):
        assert text in french, text
    assert "font-family:sans-serif" in french and "<td>building</td>" in french  # style and data unchanged

    ref = np.zeros((40, 50), np.uint8)
    ref[5:20, 5:25] = 1
    pred = np.roll(ref, 3, axis=1)
    label = write_reference_raster(tmp_path / "ref.tif", ref, {1: "building"})
    pred_path = tmp_path / "pred.tif"
    with rasterio.open(pred_path, "w", driver="GTiff", width=50, height=40, count=1, dtype="uint8",
                       nodata=255, crs="EPSG:3857",
                       transform=from_origin(500000, 4000000, PIXEL, PIXEL)) as dst:
        dst.write(pred, 1)
    evaluate(pred_path, reference_path=label, output_html=tmp_path / "eval.html")
    french = translate_html((tmp_path / "eval.html").read_text(encoding="utf-8"), core_fr)
    for text in ("<h1>Rapport d'évaluation</h1>", "<h2>Résumé (moyenne sur les classes d'entités)</h2>",
                 "<h2>Matrice de confusion (lignes : référence, colonnes : prédiction ; pixels)</h2>",
                 "<th>précision</th>", "faux positif", "Référence : {}".format(label),
                 # the object and relaxed scores: headings, labels with their value, column heads
                 "<h2>Objets et contours (toutes les classes d'entités ensemble)</h2>",
                 "<th>Précision par objet (IoU ≥ 0.5)</th>",
                 "<th>F1 relâché ({} px)</th>".format(DEFAULT_TOLERANCE),
                 "<th>objets manqués</th>", "Les scores relâchés tolèrent des contours décalés"):
        assert text in french, text


# ------------------------------------------------------------------------------------------------
# In QGIS: the contexts used at run time, and the plugin in French
# ------------------------------------------------------------------------------------------------
@pytest.fixture()
def pseudo_translation(qgis_app, tmp_path):
    """Every string of the .ts translated as ‹string›, installed; removed afterwards."""
    from deepfeature.algorithms.i18n import install_translator, remove_translator

    text = FR_TS.read_text(encoding="utf-8")
    text = re.sub(r"<source>(.*?)</source>(\s*)<translation[^>]*>.*?</translation>",
                  lambda m: "<source>{0}</source>{1}<translation>{2}{0}{3}</translation>".format(
                      m.group(1), m.group(2), OPEN, CLOSE), text, flags=re.S)
    ts, qm = tmp_path / "pseudo.ts", tmp_path / "pseudo.qm"
    ts.write_text(text, encoding="utf-8")
    subprocess.run([lrelease(), "-silent", str(ts), "-qm", str(qm)], check=True, timeout=120)
    assert install_translator(path=qm) is not None
    yield
    remove_translator()


def _visible_strings(alg) -> dict[str, str]:
    """What the toolbox and the dialog show of an algorithm (a fresh instance: initAlgorithm runs now)."""
    alg = alg.create()
    shown = {"title": alg.displayName(), "group": alg.group(), "help": alg.shortHelpString()}
    for param in alg.parameterDefinitions():
        shown["parameter " + param.name()] = param.description()
        for i, option in enumerate(getattr(param, "options", lambda: [])()):
            shown["option {} {}".format(param.name(), i)] = option
    for output in alg.outputDefinitions():
        if alg.parameterDefinition(output.name()) is None:
            shown["output " + output.name()] = output.description()
    return shown


def test_every_visible_string_is_looked_up_in_the_context_of_the_ts(provider, pseudo_translation, tmp_path):
    from qgis.core import QgsRasterLayer

    from deepfeature.algorithms import settings, styling
    from deepfeature.algorithms.provider import algorithm_classes

    shown = {"provider": provider.name()}
    for cls in algorithm_classes():
        alg = provider.algorithm(cls.NAME)
        shown.update({"{} {}".format(cls.NAME, k): v for k, v in _visible_strings(alg).items()})
    shown.update({"setting " + k: v for k, v in settings.descriptions().items()})
    for name, labels in settings.choice_labels().items():
        shown.update({"setting {} {}".format(name, i): v for i, v in enumerate(labels)})
    raster = write_reference_raster(tmp_path / "classes.tif", np.ones((8, 8), np.uint8), {1: "building"})
    layer = QgsRasterLayer(str(raster), "classes")
    paletted = styling.paletted_renderer(layer, 2, {}, 255)  # kept: the items belong to the renderer
    shown.update({"legend " + item.label: item.label for item in paletted.classes()})
    activation = styling.activation_renderer(layer, 1)
    shader = activation.shader()
    ramp = shader.rasterShaderFunction().colorRampItemList()
    shown.update({"activation legend {}".format(i): item.label for i, item in enumerate(ramp)})
    untranslated = {k: v for k, v in shown.items() if not v.startswith(OPEN)}
    assert untranslated == {}
    assert len(shown) > 180


@pytest.fixture()
def french_ui(qgis_app):
    """The shipped French translation installed as the plugin installs it; English again afterwards."""
    from deepfeature.algorithms.i18n import install_translator, remove_translator

    assert install_translator("fr_FR") is not None
    yield
    remove_translator()


def recording_feedback():
    """A QgsProcessingFeedback that keeps the log lines (``.lines``)."""
    from qgis.core import QgsProcessingFeedback

    class Recording(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.lines = []

        def pushInfo(self, text):  # noqa: N802 - QGIS API
            self.lines.append(text)

    return Recording()


def tiny_model(path):
    """A real, untrained model file (Keras in this process)."""
    pytest.importorskip("keras")
    from deepfeature.core.nn import ModelSpec, initialize_model

    spec = ModelSpec(bands=3, classes=("building", "road"), patch_size=32, base_filters=2, depth=3)
    initialize_model(spec, path, seed=1)
    return path


def test_an_algorithm_speaks_french(provider, run_alg, french_ui, tmp_path):
    from qgis.core import QgsProcessingException

    alg = provider.algorithm("describemodel")
    assert alg.displayName() == "Décrire un modèle" and alg.group() == "2 · Modèle"
    assert "sans charger le modèle (ni Keras ni TensorFlow ne sont nécessaires)" in alg.shortHelpString()
    assert alg.create().parameterDefinition("MODEL").description() == "Fichier du modèle"
    # an engine error (ParameterError) found by the parameter check, and one raised while running
    with pytest.raises(QgsProcessingException) as err:
        run_alg("initializemodel", {"PATCH_SIZE": 33, "BANDS": 3, "OUTPUT": str(tmp_path / "x.keras")})
    assert "La taille de patch 33 ne convient pas à un modèle à 5 niveaux" in str(err.value)
    with pytest.raises(QgsProcessingException) as err:
        run_alg("describemodel", {"MODEL": str(tmp_path / "missing.keras")})
    assert "Le fichier de modèle '{}' n'existe pas.".format(tmp_path / "missing.keras") in str(err.value)
    # the engine's log lines and its HTML page
    model = tiny_model(tmp_path / "m.keras")
    log, page = recording_feedback(), tmp_path / "m.html"
    res = run_alg("describemodel", {"MODEL": str(model), "OUTPUT_HTML": str(page)}, feedback=log)
    lines = log.lines
    assert "  Champ de vue contextuel : {} pixels".format(res["FIELD_OF_VIEW"]) in lines
    assert "Description écrite dans {}.".format(page) in lines
    assert "  Classes : 1: building, 2: road" in lines  # class names are data: unchanged
    html = page.read_text(encoding="utf-8")
    assert "<h2>Modèle</h2>" in html and "<th>Filtres de base</th>" in html
    assert res["CLASSES"] == "1: building, 2: road"  # outputs are values, not text


def test_english_again_once_the_translator_is_removed(provider, french_ui):
    from deepfeature.algorithms.i18n import remove_translator, translate_message

    alg = provider.algorithm("trainmodel")
    assert alg.displayName() == "Entraîner un modèle"
    remove_translator()
    assert alg.displayName() == "Train Model"
    assert translate_message("Description written to /x.html.") == "Description written to /x.html."


@pytest.mark.slow
def test_qgis_process_in_a_french_profile(tmp_path):
    """The plugin follows the profile's locale (locale/overrideFlag, locale/userLocale) under qgis_process."""
    if not shutil.which(QGIS_PROCESS):
        pytest.skip("qgis_process is not installed ({}); run scripts/setup.sh".format(QGIS_PROCESS))
    env = qgis_process_env(tmp_path)
    ini = tmp_path / "profile" / "profiles" / "default" / "QGIS" / "QGIS3.ini"
    ini.write_text(ini.read_text() + "\n[locale]\noverrideFlag=true\nuserLocale=fr\n")

    def qgis_process(*args):
        run = subprocess.run([QGIS_PROCESS, *args], capture_output=True, text=True, timeout=300, env=env)
        return run.stdout + run.stderr

    help_text = qgis_process("help", "deepfeature:classify")
    assert "Classifier un raster avec un modèle" in help_text
    assert "les rasters de plus de 16,384 pixels de large sont traités par panneaux de colonnes" in help_text
    error = qgis_process("run", "deepfeature:initializemodel", "--", "PATCH_SIZE=33", "BANDS=3",
                         "OUTPUT={}".format(tmp_path / "x.keras"))
    assert "La taille de patch 33 ne convient pas à un modèle à 5 niveaux" in error
    missing = tmp_path / "missing.keras"
    log = qgis_process("run", "deepfeature:describemodel", "--", "MODEL={}".format(missing))
    assert "Le fichier de modèle '{}' n'existe pas.".format(missing) in log
    model, page = tiny_model(tmp_path / "m.keras"), tmp_path / "m.html"
    log = qgis_process("run", "deepfeature:describemodel", "--", "MODEL={}".format(model),
                       "OUTPUT_HTML={}".format(page))
    assert "  Filtres de base : 2 (double à chaque niveau)" in log  # the engine's log lines
    assert "Description écrite dans {}.".format(page) in log
    assert "<h2>Résultat de l'entraînement</h2>" not in page.read_text(encoding="utf-8")  # untrained
    assert "<th>Champ de vue contextuel</th>" in page.read_text(encoding="utf-8")
