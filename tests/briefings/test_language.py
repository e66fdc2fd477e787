from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from briefings.read import language
from briefings.read.language import SAMPLE_CHARS, detect_language
from briefings.read.readers import read_documents

ROOT = Path(__file__).parents[2]
SEEDS = ROOT / "seeds"
CORPUS = ROOT / ".." / "shared" / "corpora" / "erdogan-putin"


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda path: path.name)
def test_detect_language_finds_english_seeds(path: Path) -> None:
    assert detect_language(path.read_text(encoding="utf-8")) == "en"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared development corpus is absent")
def test_detect_language_finds_the_german_corpus_article() -> None:
    assert detect_language((CORPUS / "08.txt").read_text(encoding="utf-8")) == "de"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared development corpus is absent")
@pytest.mark.parametrize(
    "name", ["01.txt", "02.txt", "03.txt", "04.txt", "05.txt", "06.txt", "07.txt"]
)
def test_detect_language_finds_english_corpus_articles(name: str) -> None:
    assert detect_language((CORPUS / name).read_text(encoding="utf-8")) == "en"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # too few letters to tell
        ("", "und"),
        ("12.09.2019 — 14:30", "und"),
        ("Breaking news now", "und"),
        # enough letters
        ("Le président a rencontré son homologue russe à Sotchi mardi soir.", "fr"),
        ("El presidente se reunió con su homólogo ruso en Sochi el martes.", "es"),
        ("The president met his Russian counterpart in Sochi on Tuesday.", "en"),
    ],
)
def test_detect_language_of_short_texts(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_detect_language_reads_only_the_start_of_a_long_text() -> None:
    english = "The president met his Russian counterpart in Sochi on Tuesday. " * 40
    german = "Der Präsident traf seinen russischen Amtskollegen am Dienstag in Sotschi. " * 400
    assert detect_language(english + german) == "en"


def test_the_bot_starts_without_numpy_and_the_model_still_loads() -> None:
    """sqlite-utils is imported without numpy (briefings/index/lean_sqlite_utils.py): a
    process starts without it, and the language model imports it when a text needs it. The
    bot's own storage imports sqlite-utils plainly (it reaches the engine only through its
    facade), after the engine has: its entry point is what is checked."""
    script = (
        "import sys\n"
        "import bot.__main__\n"
        "assert 'numpy' not in sys.modules, 'numpy imported at start'\n"
        "from briefings.read.language import detect_language\n"
        "print(detect_language('Le président a rencontré son homologue russe à Sotchi mardi soir.'))\n"
        "assert 'numpy' in sys.modules\n"
    )
    assert _printed_by(script) == "fr"


def _printed_by(script: str) -> str:
    """What a fresh Python process running the script prints (it must end well)."""
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


# The same news written in several languages (for these tests): close languages among them.
PARAGRAPHS = {
    "de": (
        "Der Außenminister ist am Montag zu Gesprächen nach Ankara gereist, wo er mit "
        "seinem Amtskollegen über die Lage in der Region sprechen wollte. Nach Angaben "
        "des Ministeriums sollen auch die Handelsbeziehungen und die Zusammenarbeit bei "
        "der Energie auf der Tagesordnung stehen. Die Opposition hatte die Reise zuvor "
        "kritisiert, weil die Regierung keine klaren Ziele genannt habe. Ein Sprecher "
        "sagte, man sei zuversichtlich, dass die Gespräche zu Ergebnissen führen würden."
    ),
    "fr": (
        "Le ministre des Affaires étrangères s'est rendu lundi à Ankara pour des "
        "entretiens avec son homologue sur la situation dans la région. Selon le "
        "ministère, les relations commerciales et la coopération dans le domaine de "
        "l'énergie figurent aussi à l'ordre du jour. L'opposition avait critiqué ce "
        "voyage, estimant que le gouvernement n'avait pas fixé d'objectifs clairs. Un "
        "porte-parole a déclaré qu'il était confiant dans l'issue des discussions, qui "
        "doivent se poursuivre mardi."
    ),
    "es": (
        "El ministro de Asuntos Exteriores viajó el lunes a Ankara para mantener "
        "conversaciones con su homólogo sobre la situación en la región. Según el "
        "ministerio, las relaciones comerciales y la cooperación en materia de energía "
        "también están en la agenda. La oposición había criticado el viaje porque el "
        "gobierno no había fijado objetivos claros. Un portavoz dijo que confiaba en que "
        "las conversaciones darían resultados, y que se prolongarán hasta el martes."
    ),
    "pt": (
        "O ministro dos Negócios Estrangeiros viajou na segunda-feira para Ancara para "
        "conversas com o seu homólogo sobre a situação na região. Segundo o ministério, "
        "as relações comerciais e a cooperação na área da energia também estão na agenda."
        " A oposição tinha criticado a viagem porque o governo não definiu objetivos "
        "claros. Um porta-voz disse que estava confiante de que as conversas trariam "
        "resultados, e que devem continuar na terça-feira."
    ),
    "it": (
        "Il ministro degli Esteri si è recato lunedì ad Ankara per colloqui con il suo "
        "omologo sulla situazione nella regione. Secondo il ministero, anche le relazioni"
        " commerciali e la cooperazione nel settore dell'energia sono all'ordine del "
        "giorno. L'opposizione aveva criticato il viaggio perché il governo non avrebbe "
        "indicato obiettivi chiari. Un portavoce ha detto di essere fiducioso che i "
        "colloqui porteranno a risultati, e che proseguiranno martedì."
    ),
    "nl": (
        "De minister van Buitenlandse Zaken is maandag naar Ankara gereisd voor "
        "gesprekken met zijn ambtgenoot over de situatie in de regio. Volgens het "
        "ministerie staan ook de handelsbetrekkingen en de samenwerking op het gebied van"
        " energie op de agenda. De oppositie had de reis eerder bekritiseerd, omdat de "
        "regering geen duidelijke doelen zou hebben gesteld. Een woordvoerder zei dat hij"
        " erop vertrouwt dat de gesprekken tot resultaten zullen leiden."
    ),
    "ca": (
        "El ministre d'Afers Exteriors va viatjar dilluns a Ankara per mantenir converses"
        " amb el seu homòleg sobre la situació a la regió. Segons el ministeri, les "
        "relacions comercials i la cooperació en matèria d'energia també són a l'agenda. "
        "L'oposició havia criticat el viatge perquè el govern no havia fixat objectius "
        "clars. Un portaveu va dir que confiava que les converses donarien resultats, i "
        "que continuaran dimarts."
    ),
    "gl": (
        "O ministro de Asuntos Exteriores viaxou o luns a Ankara para manter conversas co"
        " seu homólogo sobre a situación na rexión. Segundo o ministerio, as relacións "
        "comerciais e a cooperación en materia de enerxía tamén están na axenda. A "
        "oposición criticara a viaxe porque o goberno non fixou obxectivos claros. Un "
        "portavoz dixo que confiaba en que as conversas darían resultados, e que "
        "continuarán o martes."
    ),
    "sv": (
        "Utrikesministern reste på måndagen till Ankara för samtal med sin kollega om "
        "läget i regionen. Enligt ministeriet står också handelsförbindelserna och "
        "samarbetet inom energiområdet på dagordningen. Oppositionen hade kritiserat "
        "resan eftersom regeringen inte har angett några tydliga mål. En talesperson sade"
        " att man var säker på att samtalen skulle leda till resultat, och att de "
        "fortsätter på tisdag."
    ),
    "ro": (
        "Ministrul de externe a călătorit luni la Ankara pentru discuții cu omologul său "
        "despre situația din regiune. Potrivit ministerului, relațiile comerciale și "
        "cooperarea în domeniul energiei se află de asemenea pe agendă. Opoziția "
        "criticase vizita, deoarece guvernul nu ar fi stabilit obiective clare. Un "
        "purtător de cuvânt a spus că este încrezător că discuțiile vor duce la rezultate"
        " și că acestea vor continua marți."
    ),
    "af": (
        "Die minister van buitelandse sake het Maandag na Ankara gereis vir gesprekke met"
        " sy eweknie oor die situasie in die streek. Volgens die ministerie is "
        "handelsbetrekkinge en samewerking op die gebied van energie ook op die agenda. "
        "Die opposisie het die reis vooraf gekritiseer omdat die regering nie duidelike "
        "doelwitte gestel het nie. 'n Woordvoerder het gesê hy is vol vertroue dat die "
        "gesprekke tot resultate sal lei."
    ),
}
# Other news, in some of them.
FLOODS = {
    "es": (
        "Las lluvias torrenciales de los últimos días han obligado a evacuar a miles de "
        "personas en el sur del país, según informaron este domingo las autoridades. El "
        "gobierno regional ha pedido ayuda al ejército para reforzar los diques y para "
        "repartir agua potable entre los vecinos. Los meteorólogos advierten que las "
        "tormentas continuarán durante toda la semana y que el caudal de los ríos podría "
        "seguir subiendo. La alcaldesa dijo que la prioridad es proteger a los mayores."
    ),
    "ca": (
        "Les pluges torrencials dels últims dies han obligat a evacuar milers de persones"
        " al sud del país, segons han informat aquest diumenge les autoritats. El govern "
        "regional ha demanat ajuda a l'exèrcit per reforçar els dics i per repartir aigua"
        " potable entre els veïns. Els meteoròlegs adverteixen que les tempestes "
        "continuaran durant tota la setmana i que el cabal dels rius podria continuar "
        "pujant. L'alcaldessa va dir que la prioritat és protegir la gent gran."
    ),
    "pt": (
        "As chuvas torrenciais dos últimos dias obrigaram à retirada de milhares de "
        "pessoas no sul do país, segundo informaram neste domingo as autoridades. O "
        "governo regional pediu ajuda ao exército para reforçar os diques e para "
        "distribuir água potável pelos moradores. Os meteorologistas avisam que as "
        "tempestades vão continuar durante toda a semana e que o caudal dos rios pode "
        "continuar a subir. A presidente da câmara disse que a prioridade é proteger os "
        "mais velhos, que não podem sair de casa sozinhos."
    ),
    "gl": (
        "As choivas torrenciais dos últimos días obrigaron a evacuar a milleiros de "
        "persoas no sur do país, segundo informaron este domingo as autoridades. O "
        "goberno rexional pediu axuda ao exército para reforzar os diques e para repartir"
        " auga potable entre os veciños. Os meteorólogos advirten que as treboadas "
        "continuarán durante toda a semana e que o caudal dos ríos podería seguir "
        "subindo. A alcaldesa dixo que a prioridade é protexer aos maiores, que non poden"
        " saír da casa sós."
    ),
    "it": (
        "Le piogge torrenziali degli ultimi giorni hanno costretto migliaia di persone a "
        "lasciare le loro case nel sud del paese, secondo quanto hanno riferito domenica "
        "le autorità. Il governo regionale ha chiesto l'aiuto dell'esercito per "
        "rinforzare gli argini e per distribuire acqua potabile agli abitanti. I "
        "meteorologi avvertono che i temporali continueranno per tutta la settimana e che"
        " il livello dei fiumi potrebbe ancora salire."
    ),
    "fr": (
        "Les pluies torrentielles des derniers jours ont contraint des milliers de "
        "personnes à quitter leur domicile dans le sud du pays, ont indiqué dimanche les "
        "autorités. Le gouvernement régional a demandé l'aide de l'armée pour renforcer "
        "les digues et pour distribuer de l'eau potable aux habitants. Les météorologues "
        "préviennent que les orages vont se poursuivre toute la semaine et que le niveau "
        "des rivières pourrait encore monter."
    ),
    "de": (
        "Die heftigen Regenfälle der vergangenen Tage haben Tausende Menschen im Süden "
        "des Landes gezwungen, ihre Häuser zu verlassen, wie die Behörden am Sonntag "
        "mitteilten. Die Regionalregierung hat die Armee um Hilfe gebeten, um die Deiche "
        "zu verstärken und Trinkwasser an die Bewohner zu verteilen. Meteorologen warnen,"
        " dass die Unwetter die ganze Woche anhalten werden und der Pegel der Flüsse "
        "weiter steigen könnte."
    ),
    "nl": (
        "De hevige regenval van de afgelopen dagen heeft duizenden mensen in het zuiden "
        "van het land gedwongen hun huizen te verlaten, zo meldden de autoriteiten "
        "zondag. De regionale regering heeft het leger om hulp gevraagd om de dijken te "
        "versterken en drinkwater onder de bewoners te verdelen. Meteorologen waarschuwen"
        " dat het noodweer de hele week zal aanhouden en dat het water in de rivieren nog"
        " verder kan stijgen."
    ),
}
TOLD = ("de", "fr", "it", "nl", "es", "ca")
"""The languages of these paragraphs that the word tables tell without the model (see
data/languages.txt); Portuguese is told from the 800 characters of a longer text."""


def _texts() -> list[tuple[str, str]]:
    """Each paragraph, and for each language the start of both together, as long as the
    sample the language is told from."""
    texts = [(code, text) for code, text in PARAGRAPHS.items()]
    texts += [(code, text) for code, text in FLOODS.items()]
    texts += [(code, (FLOODS[code] + " " + PARAGRAPHS[code])[:SAMPLE_CHARS]) for code in FLOODS]
    return texts


def _told() -> list[tuple[str, str]]:
    longer_portuguese = (FLOODS["pt"] + " " + PARAGRAPHS["pt"])[:SAMPLE_CHARS]
    return [(c, t) for c, t in _texts() if c in TOLD] + [("pt", longer_portuguese)]


@pytest.mark.parametrize(("code", "text"), _told())
def test_a_text_plainly_in_a_listed_language_is_told_without_the_model(
    code: str, text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_model() -> None:
        raise AssertionError("the language model was asked")

    monkeypatch.setattr(language, "_identifier", no_model)
    assert detect_language(text) == code


@pytest.mark.parametrize(("code", "text"), _texts())
def test_the_tables_tell_a_language_right_or_leave_it_to_the_model(code: str, text: str) -> None:
    """Spanish and Portuguese read much like Catalan and Galician, Dutch like Afrikaans:
    each is told by the words its neighbour does not share, or, with too few of them, left
    to the model, which gets it right. Swedish and Romanian are not listed."""
    assert language._plainly_other(text) in (None, code)
    assert detect_language(text) == code


@pytest.mark.parametrize("code", ["gl", "af", "sv", "ro"])
def test_languages_the_tables_cannot_tell_are_left_to_the_model(code: str) -> None:
    assert language._plainly_other(PARAGRAPHS[code]) is None


def test_a_german_article_leaves_the_model_unloaded() -> None:
    """The model and numpy stay out of a process (a bot's) that reads a German text."""
    script = (
        "import sys\n"
        "from briefings.read.language import detect_language, _identifier\n"
        f"print(detect_language({PARAGRAPHS['de']!r}))\n"
        "assert 'numpy' not in sys.modules, 'numpy imported'\n"
        "assert _identifier.cache_info().currsize == 0, 'model loaded'\n"
    )
    assert _printed_by(script) == "de"


@pytest.mark.skipif(not CORPUS.exists(), reason="the shared corpora are not here")
def test_the_tables_agree_with_the_model_on_every_corpus_article() -> None:
    """Of the shared corpora's articles that are not plainly English, those the tables tell
    are told as the model tells them."""
    told = 0
    for path in sorted(CORPUS.parent.rglob("*.txt")):
        for document in read_documents(path).documents:
            sample = document.text[:SAMPLE_CHARS]
            if language._plainly_english(sample):
                continue
            plainly = language._plainly_other(sample)
            if plainly is not None:
                told += 1
                assert plainly == language._identifier().classify(sample)[0], path
    assert told
