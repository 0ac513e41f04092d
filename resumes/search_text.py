"""Search text for resumes: CJK runs become overlapping character bigrams, as Lucene's CJK analyzer does.

Chinese has no spaces between words, so a word-based index would treat a whole
sentence as one token. Indexing "Python工程师" as "python 工程 程师" lets the
query "工程师" (which becomes "工程 程师") find it, on PostgreSQL and SQLite alike.

Contact details typed into free text (and the seeker's name) never reach the index:
searching for a phone number, an email or a handle must find nobody.
"""

import re
import unicodedata
from collections.abc import Collection

from .contact_text import redact, redact_items

# Han ideographs (with extension A and compatibility), kana, hangul: scripts written without spaces.
_CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+(?:[+#.][^\W_{_CJK}]*)*[+#]*", re.UNICODE)
_CJK_RUN = re.compile(rf"^[{_CJK}]+$")


def tokens(text: str) -> list[str]:
    """Lower-cased tokens: words for spaced scripts, bigrams (or a lone character) for CJK runs."""
    normalised = unicodedata.normalize("NFKC", text or "").lower()
    result: list[str] = []
    for match in _TOKEN.finditer(normalised):
        token = match.group(0).strip(".")
        if not token:
            continue
        if _CJK_RUN.match(token):
            if len(token) == 1:
                result.append(token)
            else:
                result.extend(token[index : index + 2] for index in range(len(token) - 1))
        else:
            result.append(token)
    return result


def search_text(*parts: str, name_index: Collection[str] = ()) -> str:
    """The space-joined tokens of all parts, less contact details and the seeker's name: what the index stores."""
    return " ".join(token for part in parts for token in tokens(redact(part, name_index=name_index, replacement=" ")))


def list_search_text(items: list[str], *, name_index: Collection[str] = ()) -> str:
    """search_text of a list (skills), read as one line so that a detail split across items is left out too."""
    return search_text(*redact_items(items, name_index=name_index, replacement=" "))


# Marks a skill that held contact details; "|" never survives normalise_skill, so no real skill carries it.
_DROPPED = "|"


def normalise_skill(skill: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", skill).lower().replace("|", " ").split())


def skill_keys(skills: list[str], *, name_index: Collection[str] = ()) -> str:
    """Skills between bars ("|python|c++|"), so that one skill matches exactly with a substring test.

    A skill holding contact details or the seeker's name is left out: the skills filter is a search too.
    """
    kept = redact_items(skills, name_index=name_index, replacement=_DROPPED)
    keys = [normalise_skill(skill) for skill in kept if _DROPPED not in skill]
    keys = [key for key in keys if key]
    return f"|{'|'.join(keys)}|" if keys else ""
