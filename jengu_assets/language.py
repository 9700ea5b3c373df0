"""The language a text is written in, when it is clear: pure rules, no I/O.

One detector serves the site analysis (the language of a page that declares none) and the
readability gate (which adaptation of the Flesch formula scores a draft). A text is read by its
scripts and its words:

- a script used by one language only (Hangul, Greek, Thai, Hebrew, Georgian, Armenian) names
  the language at once; so do Chinese characters: Japanese when kana run among them, else
  Chinese;
- otherwise each language's commonest function words that its neighbours do not share (plus a
  few words every hotel page uses, "nuit", "notte", "Uhr") are counted. A word two languages
  share counts half for each.

``text_language`` answers only when the evidence is clear: at least ``MIN_EVIDENCE`` words,
at least ``MIN_SHARE`` of all words, and twice the runner-up. Otherwise it says None, and the
caller decides (the readability gate falls back to English, the site analysis says nothing).
Danish and Norwegian, Czech and Slovak, Croatian, Serbian and Bosnian are too close to tell
apart this way and are never answered; their words are known only to keep them from passing for
Swedish, Polish or Bulgarian.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# The words of each language. A word listed under several languages is shared evidence; a
# bucket with "/" in its name is recognised but never answered.
_WORDS = {
    "en": "the and of to is for with our you your are this that from on at we be all by have "
          "will can it its or an please more us here about only would i am",
    "de": "und der die das ist nicht mit sich auf für ein eine einen dem den zu zum zur von vom "
          "im wir ihr ihre ihren ihrem unsere unser unseren auch oder bei nur noch sind wird sie "
          "bis über nach aus am uhr ab gerne bitte ihnen als wie es ich dass haben uns sehr",
    "fr": "le la les et des du une un est pour dans nous vous sur au aux avec ce qui que sont "
          "votre notre vos nos par pas être à très ou nuit chez je il en de",
    "es": "el la los las y del que en un una es para con por su sus nuestro nuestra nuestros se "
          "al más como está muy noche desde también hay usted nosotros me le de",
    "it": "il lo gli le e di che per con del della un una sono nel nella dei delle al alla "
          "nostro nostra nostri è più anche notte sul sulla dal dalla voi vostro vostra noi mi i la "
          "da non questo questa ci",
    "nl": "het een en van is op voor met ons onze zijn u uw niet bij aan ook naar wij we heeft "
          "kunt graag bent wordt ik dat de",
    "pt": "o os e do da dos das em um uma para com não é no na nossa nosso ao seu sua são "
          "muito também noite até que de por",
    "pl": "i w się jest że dla oraz przez są jak od po nie na",
    "sv": "och att är för med av till inte som ett vi har det den om också eller från vår",
    "da/no": "og ikke af til er jeg hvis vores også eller fra med det den som vi har om",
    "cs/sk": "je se na že pro jsou jako také nebo od po sme pre aj",
    "hr/sr/bs": "je u i za su da se od na kao ili smo vam iz što које је у су",
    "fi": "ja on ei että se myös tai kanssa sekä meidän voit ovat olla",
    "tr": "ve bir bu için ile olan çok daha gibi veya olarak sizin bizim",
    "ru": "и в не на что мы вы это как для из все от наш наши ваш или также",
    "uk": "і в не на що ми ви це як для з всі від наш наші ваш або також та",
    "bg": "и в не на за от да се е към са които това",
}
# Scripts used by one language only: (language, characters).
_SCRIPTS = (
    ("ko", re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")),
    ("el", re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]")),
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
    ("he", re.compile(r"[\u0590-\u05ff]")),
    ("ka", re.compile(r"[\u10a0-\u10ff]")),
    ("hy", re.compile(r"[\u0531-\u058f]")),
)
_HAN = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_WORD = re.compile(r"[^\W\d_]+")

MIN_EVIDENCE = 3
"""Function words (shared ones counting in part) the winning language needs at least."""
MIN_SHARE = 0.08
"""Share of all words the winner's function words must reach: a list of names, prices and
addresses with a stray "de" in it says nothing."""
MIN_LEAD = 2.0
"""How many times the runner-up's evidence the winner needs: a page half German, half English
is neither."""
MIN_SCRIPT_CHARS = 20
"""Characters of a script a text needs before the script names its language."""
SCRIPT_SHARE = 0.3
"""Share of a text's letters a script needs: a Japanese restaurant's name on an English page
is not a Japanese page."""
KANA_SHARE = 0.1
"""Share of kana among Chinese characters and kana that makes a text Japanese: Japanese
sentences are a third kana or more, Chinese has none."""
MAX_CHARS = 60_000
MAX_WORDS = 4_000

FUNCTION_WORDS: dict[str, frozenset[str]] = {
    language: frozenset(words.split()) for language, words in _WORDS.items()
}
"""The function words of each language, as :func:`text_language` reads them (lower case, with
their accents); buckets with "/" in the name are never answered."""
LANGUAGES = frozenset(
    [code for code in FUNCTION_WORDS if "/" not in code]
    + [code for code, _ in _SCRIPTS] + ["ja", "zh"]
)
"""Every language :func:`text_language` may answer."""

_WORD_LANGUAGES: dict[str, tuple[str, ...]] = {}
for _language, _words in FUNCTION_WORDS.items():
    for _word in _words:
        _WORD_LANGUAGES[_word] = (*_WORD_LANGUAGES.get(_word, ()), _language)


def function_words(languages: Iterable[str]) -> frozenset[str]:
    """The function words of ``languages`` together (for rules that skip them as noise)."""
    return frozenset().union(*(FUNCTION_WORDS.get(language, ()) for language in languages))


def text_language(text: str) -> str | None:
    """The ISO 639-1 code of the language ``text`` is clearly written in, else None."""
    sample = unicodedata.normalize("NFC", text[:MAX_CHARS])
    return _script_language(sample) or _word_language(sample)


def _script_language(sample: str) -> str | None:
    letters = sum(1 for ch in sample if ch.isalpha())
    if letters < MIN_SCRIPT_CHARS:
        return None
    for language, script in _SCRIPTS:
        count = len(script.findall(sample))
        if count >= MIN_SCRIPT_CHARS and count > letters * SCRIPT_SHARE:
            return language
    kana = len(_KANA.findall(sample))
    chinese = kana + len(_HAN.findall(sample))
    if chinese >= MIN_SCRIPT_CHARS and chinese > letters * SCRIPT_SHARE:
        return "ja" if kana >= chinese * KANA_SHARE else "zh"
    return None


def _word_language(sample: str) -> str | None:
    words = _WORD.findall(sample.lower())[:MAX_WORDS]
    scores: dict[str, float] = {}
    for word in words:
        languages = _WORD_LANGUAGES.get(word)
        if languages:
            for language in languages:
                scores[language] = scores.get(language, 0.0) + 1 / len(languages)
    if not scores:
        return None
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    best, score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if (score < MIN_EVIDENCE or score < MIN_SHARE * len(words) or score < MIN_LEAD * runner_up
            or "/" in best):
        return None
    return best
