"""Contact details typed into free text: phones, emails, messaging handles, personal links and the seeker's name.

Seekers write "call me on 138 1234 5678, WeChat zhang_wx" into a summary, often
on purpose and disguised to get past filters. Everything here works on a
normalised copy of the text that remembers where each character came from:
NFKC (full-width digits, letters and at signs), lower case, Chinese digits
(一二三…, 壹贰叁…, 幺) and English digit words ("one three eight") as digits.
A span found in the copy maps back to the original, so `redact` replaces exactly
what the seeker typed.

Phones: `phonenumbers.PhoneNumberMatcher` (CN by default) on the copy, plus runs
of digit groups joined by separators or one short filler word ("138 abc 1234
5678"); a run counts only when the library calls it a valid mobile, a number
dialled with its trunk or country prefix ("010…", "+44…"). Bare years, salaries,
percentages and version numbers are never valid mobiles, which keeps ordinary
resume text untouched.

The seeker's name is not known here in plain text, and must not be: masked
views may not decrypt it (tests/test_decryption_allow_list.py). Instead, when
the seeker stores their contact details, `name_index_for` keeps keyed hashes
(accounts.crypto's blind-index HMAC) of the full name, the surname and the given
name on the resume; at render time candidate substrings are hashed with the same
key and compared. A given name alone is hidden from three letters, or two
Chinese characters (娜珂 of 欧阳娜珂; the 伟 of 张伟 is any other character). A Chinese
single-character surname is matched only where it is used as a name (张先生, 小张,
张总, or standing alone): as a substring it is an ordinary character (紧张, 扩张). A
Chinese name is also indexed in pinyin (pypinyin): "Zhang Wei", "Wei Zhang",
"Zhangwei", and "Mr. Zhang" after a title.
"""

import functools
import re
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from django.core.signals import setting_changed
from django.dispatch import receiver

from accounts import crypto

from .contact import DEFAULT_PHONE_REGION

REDACTED = "[contact hidden]"
# The CJK ideographs (unified, extension A, compatibility), as a regex class body.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"


class ContactKind(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    HANDLE = "handle"
    LINK = "link"
    NAME = "name"
    BIRTH_DATE = "birth_date"
    ID_NUMBER = "id_number"
    ADDRESS = "address"


@dataclass(frozen=True)
class ContactSpan:
    start: int
    end: int
    kind: ContactKind


# Normalisation

_DIGIT_WORDS = {
    "zero": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
_DIGIT_WORD = re.compile(rf"(?<![a-z])({'|'.join(_DIGIT_WORDS)})(?![a-z])", re.IGNORECASE)
# Simplified and traditional, ordinary and financial forms; 幺 is how "1" is read out in phone numbers.
_HAN_DIGITS = {
    **dict.fromkeys("零〇洞", "0"),
    **dict.fromkeys("一壹幺", "1"),
    **dict.fromkeys("二贰貳", "2"),
    **dict.fromkeys("三叁參叄", "3"),
    **dict.fromkeys("四肆", "4"),
    **dict.fromkeys("五伍", "5"),
    **dict.fromkeys("六陆陸", "6"),
    **dict.fromkeys("七柒", "7"),
    **dict.fromkeys("八捌", "8"),
    **dict.fromkeys("九玖", "9"),
}


@dataclass(frozen=True)
class _Normalised:
    """A normalised copy of a text; character i of `text` came from original[starts[i]:ends[i]]."""

    text: str
    starts: list[int]
    ends: list[int]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        return self.starts[start], self.ends[end - 1]


@functools.lru_cache(maxsize=8192)
def _folded_char(char: str) -> str:
    if unicodedata.category(char) == "Cf":
        return ""  # zero-width and other invisible format characters: "Quill\u200bfeather" is "quillfeather"
    if char.isdecimal() and not char.isascii():
        return str(unicodedata.decimal(char))  # any script's digits: "١٣٩" is "139" (NFKC maps full-width ones only)
    return unicodedata.normalize("NFKC", char).lower()


@functools.lru_cache(maxsize=8192)
def _folded_digit_char(char: str) -> str:
    return _HAN_DIGITS.get(char) or _folded_char(char)


def _normalise(text: str, *, digits: bool) -> _Normalised:
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    position = 0
    for word in _DIGIT_WORD.finditer(text) if digits else ():
        _fold_into(text, position, word.start(), digits, chars, starts, ends)
        chars.append(_DIGIT_WORDS[word.group(1).lower()])
        starts.append(word.start())
        ends.append(word.end())
        position = word.end()
    _fold_into(text, position, len(text), digits, chars, starts, ends)
    return _Normalised("".join(chars), starts, ends)


def _fold_into(text: str, start: int, end: int, digits: bool, chars: list, starts: list, ends: list) -> None:
    """Append text[start:end] folded (NFKC, lower case, Chinese digits as digits) and where each character came from.

    Every masked view folds all its free text twice: a run whose characters each fold to one
    character (nearly all text) goes in at once, with one fold per distinct character.
    """
    chunk = text[start:end]
    if chunk.isascii():  # NFKC leaves ASCII alone; lower() maps it one character for one
        folded = [chunk.lower()]
    elif _COMBINING_MARK.search(chunk):
        _fold_clusters_into(text, start, end, digits, chars, starts, ends)
        return
    else:
        folded = list(map(_folded_digit_char if digits else _folded_char, chunk))
        if any(len(piece) != 1 for piece in folded):
            for index, piece in enumerate(folded, start):
                chars.append(piece)
                starts.extend([index] * len(piece))
                ends.extend([index + 1] * len(piece))
            return
    chars.extend(folded)
    starts.extend(range(start, end))
    ends.extend(range(start + 1, end + 1))


# Accents typed as characters of their own (Unicode's combining diacritical marks), and a letter with those after it.
_COMBINING_MARKS = r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
_COMBINING_MARK = re.compile(_COMBINING_MARKS)
_CLUSTER = re.compile(rf".{_COMBINING_MARKS}*", re.DOTALL)


def _fold_clusters_into(text: str, start: int, end: int, digits: bool, chars: list, starts: list, ends: list) -> None:
    """As `_fold_into`, a letter and the accents typed after it folded as one: "René" with its accent typed
    apart (as text pasted from macOS often is) is the "rené" of a name written with the accented letter."""
    fold = _folded_digit_char if digits else _folded_char
    for cluster in _CLUSTER.finditer(text, start, end):
        piece = (
            fold(cluster.group())
            if len(cluster.group()) == 1
            else unicodedata.normalize("NFKC", cluster.group()).lower()
        )
        chars.append(piece)
        starts.extend([cluster.start()] * len(piece))
        ends.extend([cluster.end()] * len(piece))


# Phones

# What may sit between the groups of one number: separators, and at most one short filler word.
_SEPARATORS = r"[\s\-\u2013\u2014_.。+→·•/\\|()\[\]{}\uff08\uff09【】<>《》,、:;*~\"'=#]"
_GAP = re.compile(rf"{_SEPARATORS}*(?:[^\W\d_]{{1,4}}{_SEPARATORS}*)?")
_DIGIT_GROUP = re.compile(r"\d+")
PHONE_MIN_DIGITS = 8  # the shortest international number
PHONE_MAX_DIGITS = 17  # E.164's 15, with a 00 international prefix
INTERNATIONAL_DIGITS = (8, 15)  # country code and number, as E.164 bounds them
_CN_MOBILE = re.compile(r"1[3-9]\d{9}")
_CN_TRUNK_DIALLED = re.compile(r"0[1-9]\d{8,10}")  # 0, a 2 or 3 digit area code, 7 or 8 digits
# Parsing is the slow part; these bound a text made of thousands of digit groups.
PHONE_PARSES_PER_TEXT = 200
PHONE_MATCHER_MAX_TRIES = 200
_MOBILE_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
# Letters written for digits inside one mobile number ("138OO138OOO", "l39l2347788"), lower-cased by now:
# a run of 11 to 13 such characters with at least LOOKALIKE_MIN_DIGITS real digits that reads as a valid mobile.
_LOOKALIKE_RUN = re.compile(r"(?<![a-z0-9])(?=[0-9oli|]{0,12}[oli|])[0-9oli|]{11,13}(?![a-z0-9])")
_LOOKALIKE_DIGITS = str.maketrans("oli|", "0111")
LOOKALIKE_MIN_DIGITS = 6


def _dialled_form(digits: str, *, international: bool) -> str | None:
    """The number as it would be dialled, if its shape can be a phone at all; cheap, before any parsing."""
    if international or digits.startswith("00"):
        subscriber = digits.removeprefix("00")
        if subscriber[:1] in "123456789" and INTERNATIONAL_DIGITS[0] <= len(subscriber) <= INTERNATIONAL_DIGITS[1]:
            return "+" + subscriber
        return None
    if digits.startswith("86") and _CN_MOBILE.fullmatch(digits[2:]):
        return "+" + digits
    if _CN_MOBILE.fullmatch(digits) or _CN_TRUNK_DIALLED.fullmatch(digits):
        return digits
    return None


def _is_phone(dialled: str) -> bool:
    """A valid mobile, or a valid number written with its trunk or country prefix."""
    try:
        number = phonenumbers.parse(dialled, DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        return False
    if not phonenumbers.is_valid_number(number):
        return False
    return dialled.startswith(("+", "0")) or phonenumbers.number_type(number) in _MOBILE_TYPES


def _phone_spans(normalised: _Normalised) -> Iterable[tuple[int, int]]:
    text = normalised.text
    for match in phonenumbers.PhoneNumberMatcher(text, DEFAULT_PHONE_REGION, max_tries=PHONE_MATCHER_MAX_TRIES):
        raw_digits = re.sub(r"\D", "", match.raw_string)
        dialled = _dialled_form(raw_digits, international=match.raw_string.lstrip().startswith("+"))
        if dialled is not None and _is_phone(dialled):
            yield match.start, match.end
    runs: list[list[re.Match]] = []
    for group in _DIGIT_GROUP.finditer(text):
        if runs and _GAP.fullmatch(text, runs[-1][-1].end(), group.start()):
            runs[-1].append(group)
        else:
            runs.append([group])
    verdicts: dict[str, bool] = {}
    for run in runs:
        for first in range(len(run)):
            digits = ""
            international = run[first].start() > 0 and text[run[first].start() - 1] == "+"
            for last in range(first, len(run)):
                digits += run[last].group()
                if len(digits) > PHONE_MAX_DIGITS:
                    break
                if len(digits) < PHONE_MIN_DIGITS:
                    continue
                dialled = _dialled_form(digits, international=international)
                if dialled is None:
                    continue
                if dialled not in verdicts:
                    # Past the budget, the shape is enough: a pathological text is over-redacted, not slow.
                    verdicts[dialled] = len(verdicts) >= PHONE_PARSES_PER_TEXT or _is_phone(dialled)
                if verdicts[dialled]:
                    yield run[first].start() - (1 if international else 0), run[last].end()
    for lookalike in _LOOKALIKE_RUN.finditer(text):
        if sum(char.isdigit() for char in lookalike.group()) < LOOKALIKE_MIN_DIGITS:
            continue
        dialled = _dialled_form(lookalike.group().translate(_LOOKALIKE_DIGITS), international=False)
        if dialled is not None and _CN_MOBILE.search(dialled) and _is_phone(dialled):
            yield lookalike.span()


# Emails

_TLDS = "com|cn|net|org|edu|gov|io|me|co|info|biz|xyz|top|dev|app|ai|hk|tw|uk|us|de|jp|cc|tv|vip|site|online|tech|email"
# Matches start only where a token starts: tried at every position, a long token would be rescanned each time.
_PLAIN_EMAIL = re.compile(r"(?<![a-z0-9._+%\-])[a-z0-9._+%\-]+@[\w\-]+(?:\.[\w\-]+)*\.[^\W\d_]{2,}")
_AT = r"(?:\s*(?:@|[(\[{<]\s*at\s*[)\]}>]|艾特|圈a|#)\s*|\s+at\s+)"
_DOT = r"(?:\s*(?:\.|。|[(\[{<]\s*dot\s*[)\]}>]|点)\s*|\s+dot\s+)"
_DISGUISED_EMAIL = re.compile(
    rf"(?<![\w.+\-])(?P<local>[a-z0-9][a-z0-9._+\-]*){_AT}(?P<domain>[a-z0-9\-]+(?:{_DOT}[a-z0-9\-]+)*){_DOT}(?:{_TLDS})(?![a-z0-9])"
)
_MAILBOX_LIKE = re.compile(r"[a-z_]|\d{5}")
# "worked at alibaba.com" is a sentence, not an address: these words before " at " are not a mailbox.
_NOT_A_MAILBOX_WORDS = (
    "worked work works working intern interned internship engineer developer manager lead leader senior "
    "junior was am is are be been currently now based located live lived living me us team employed "
    "employee position role job jobs experience project projects studied study student and or then also "
    "later before after consultant analyst designer architect director head staff member researcher "
    "scientist officer"
)
_NOT_A_MAILBOX = frozenset(_NOT_A_MAILBOX_WORDS.split())


def _email_spans(normalised: _Normalised) -> Iterable[tuple[int, int]]:
    text = normalised.text
    for match in _PLAIN_EMAIL.finditer(text):
        yield match.span()
    for match in _DISGUISED_EMAIL.finditer(text):
        plain_at = re.fullmatch(r"\s+at\s+", text[match.end("local") : match.start("domain")]) is not None
        local = match.group("local")
        # "2015-2019 at jd.com": years are not a mailbox either (QQ mailboxes have at least 5 digits).
        if plain_at and (local in _NOT_A_MAILBOX or not _MAILBOX_LIKE.search(local)):
            continue
        yield match.span()


# Messaging handles

_HANDLE_KEYWORDS_LATIN = (
    r"wechat|we\s?chat|weixin|vx|wx|qq|telegram|tg|line|whatsapp|whats\s?app|skype|kakao|instagram|insta|weibo"
    r"|twitter|facebook|github|gitlab|linkedin|douyin|tiktok|dingtalk|xiaohongshu"
)
_HANDLE_KEYWORDS_HAN = r"微信|薇信|威信|维信|v信|扣扣|企鹅|电报|飞机|微博|抖音|小红书|钉钉|领英"
# Ordinary words (English "line", 飞机 "plane", 企鹅 "penguin") that are also nicknames of messengers:
# they introduce a handle only with a ':' or an "id" first.
_AMBIGUOUS_KEYWORDS = frozenset({"line", "tg", "飞机", "企鹅", "电报"})
_HANDLE = re.compile(
    rf"(?:(?<![a-z0-9])(?P<latin>{_HANDLE_KEYWORDS_LATIN})(?![a-z])|(?P<han>{_HANDLE_KEYWORDS_HAN}))"
    r"(?P<label>\s*(?:id|号码|号|帐号|账号|account|number|no\.?|名)?)"
    r"(?P<mark>\s*(?:is\b|[:=\-\u2013\u2014]|是)?\s*)"
    # A comma is a weak separator: "WeChat, zhang_wx1" counts, "WeChat, Alipay" does not.
    r"(?:[,;/|]\s*)?"
    r"(?P<handle>@?[a-z0-9][a-z0-9_\-.:]{4,29})(?![a-z0-9_])"
)
_VERSION = re.compile(r"v?\d+(?:\.\d+)+")


def _handle_spans(normalised: _Normalised) -> Iterable[tuple[int, int]]:
    for match in _HANDLE.finditer(normalised.text):
        handle = match.group("handle").rstrip(".-:")
        if len(handle.lstrip("@")) < 5 or _VERSION.fullmatch(handle):
            continue
        # "telegram @tomsmith": an @ before it makes a word a handle as a ':' would.
        introduced = bool(match.group("label").strip() or match.group("mark").strip() or handle.startswith("@"))
        keyword = (match.group("latin") or match.group("han")).replace(" ", "")
        if keyword in _AMBIGUOUS_KEYWORDS and not introduced:
            continue
        # "WeChat payments", "WhatsApp business": after a bare space only something handle-like counts.
        if match.group("latin") and not introduced and not re.search(r"[\d_]", handle):
            continue
        start = match.start("handle")
        yield start, start + len(handle)


# Links

_URL_CHARS = r"[!-~]"
_LINK = re.compile(
    rf"https?://{_URL_CHARS}+|www\.{_URL_CHARS}+"
    rf"|(?<![\w@.\-])[a-z0-9][a-z0-9\-]*(?:\.[a-z0-9\-]+)*\.(?:{_TLDS})/{_URL_CHARS}*"
)
_URL_TRAILING = ".,;:!?)]}'\""


def _link_spans(normalised: _Normalised) -> Iterable[tuple[int, int]]:
    for match in _LINK.finditer(normalised.text):
        start, end = match.span()
        while end > start and normalised.text[end - 1] in _URL_TRAILING:
            end -= 1
        yield start, end


# Spelled out a character at a time ("z h a n g 8 8 @ q q . c o m", "w e i x i n : zhang88")

_SPACED_RUN = re.compile(r"(?<![a-z0-9])[a-z0-9@._\-:](?: [a-z0-9@._\-:]){5,}(?![a-z0-9])")
_KEYWORD_BEFORE = 16  # how far before a spelled-out run a messaging keyword may stand


def _spaced_spans(normalised: _Normalised) -> Iterable[tuple[int, int]]:
    """A run of single characters that, put together, is an email address or a messaging handle."""
    text = normalised.text
    for match in _SPACED_RUN.finditer(text):
        joined = match.group().replace(" ", "")
        before = text[max(0, match.start() - _KEYWORD_BEFORE) : match.start()]
        handle = _HANDLE.search(before + joined)
        if (
            _PLAIN_EMAIL.search(joined)
            or _DISGUISED_EMAIL.search(joined)
            or (handle is not None and handle.end("handle") > len(before))
        ):
            yield match.span()


# Birth dates and resident identity numbers

_MONTH_NAMES = r"jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_MONTH = r"(?:0?[1-9]|1[0-2])"
_YEAR = r"(?:19|20)\d{2}"
# Chinese numerals are digits already, but for 十 ("十二月", "二十五日" read "十2", "2十5").
_HAN_MONTH = rf"(?:十[12]?|{_MONTH})"
_HAN_DAY = r"(?:[123]?十\d?|0?[1-9]|[12]\d|3[01])"
_DATE = (
    rf"(?:{_YEAR}\s*[-./年]\s*{_HAN_MONTH}(?:\s*[-./月]\s*{_HAN_DAY}\s*日?|\s*月)?"  # 1990-03-15, 1990年3月15日
    rf"|{_DAY}\s*[-./]\s*{_MONTH}\s*[-./]\s*{_YEAR}"  # 15/03/1990
    rf"|{_MONTH}\s*[-./]\s*{_DAY}\s*[-./]\s*{_YEAR}"  # 03/15/1990
    rf"|{_DAY}[\s\-]*(?:{_MONTH_NAMES})[a-z]*\.?[\s\-,]*{_YEAR}"  # 15-Mar-1990
    rf"|{_DAY}(?:st|nd|rd|th)?\s+(?:{_MONTH_NAMES})[a-z]*\.?,?\s+{_YEAR}"  # 15 March 1990
    rf"|(?:{_MONTH_NAMES})[a-z]*\.?\s+{_DAY}(?:st|nd|rd|th)?,?\s+{_YEAR})"  # March 15, 1990
)
# A date is a birth date only after a word that says so: resumes are full of dates.
_BIRTH_KEYWORD = (
    r"(?:date\s+of\s+birth|birth\s*(?:date|day)|born(?:\s+on|\s+in)?|d\.?o\.?b\.?"
    r"|出生(?:日期|年月日|年月|于)?|生日|生于)"
)
_BIRTH_DATE = re.compile(
    rf"(?<![a-z]){_BIRTH_KEYWORD}(?![a-z])\s*(?:\([a-z. ]{{1,15}}\))?"  # 出生日期(DOB)
    rf"\s*(?:[:=\-]|is\b|是|为)?\s*(?P<date>{_DATE})(?![\d])"
)
# The 18-character resident identity number: region (6), birth date (8), sequence (3), check digit or X.
_ID_NUMBER = re.compile(
    rf"(?<![0-9a-z])[1-9]\d{{5}}[\s\-]?{_YEAR}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])[\s\-]?\d{{3}}[0-9x](?![0-9a-z])"
)


def _birth_date_spans(normalised: _Normalised) -> Iterable[tuple[int, int]]:
    for match in _BIRTH_DATE.finditer(normalised.text):
        yield match.span("date")


def _id_number_spans(normalised: _Normalised) -> Iterable[tuple[int, int]]:
    for match in _ID_NUMBER.finditer(normalised.text):
        yield match.span()


# Street addresses: a Chinese one found from its door number, or what follows an address keyword if it
# holds a door, a building or a room

_UNIT = r"(?:号楼|栋|幢|座|单元|层|楼|室|号|户)"
_ESTATE = r"(?:小区|花园|公寓|大厦|苑|家园|新村|广场|园|院)"
# Found from the door number outwards, each step a bounded scan: one pattern from the divisions to the
# room would backtrack without end over long Chinese text.
_DOOR_NUMBER = re.compile(
    r"(?:路|街|大道|巷|弄|胡同)\s*\d+\s*(?:号|弄)"  # 建国路88号
    rf"|{_ESTATE}\s*\d+\s*(?:号楼|栋|幢|座)"  # 阳光小区3号楼, 望京花园3栋
)
_AFTER_DOOR = re.compile(
    rf"(?:\s*[{_CJK}]{{0,8}}?{_ESTATE})?"  # 阳光花园, 院
    rf"(?:[\s\-]*\d+[a-z]?\s*{_UNIT})*(?:[\s\-]*\d+[a-z]?(?!\d))?"  # 3栋2单元501
)
_CJK_CHAR = re.compile(rf"[{_CJK}]")
ADDRESS_BEFORE_DOOR = 16  # the street's name and the divisions before it: 北京市朝阳区建国路
# An address keyword, where it cannot be part of another word: "IP地址", "邮件地址", "go-live at" are not.
_ADDRESS_KEYWORD = re.compile(
    rf"(?:家庭住址|住址|家住|住在|居住地|(?<![a-z{_CJK}])地址\s*[:=]|(?<![a-z])home\s+address(?![a-z])"
    r"|(?<![a-z])address\s*:|(?<![a-z])lives?\s+at(?![a-z]))\s*[:=]?\s*"
)
ADDRESS_AFTER_KEYWORD = 60
_SENTENCE_END = re.compile(r"[\n。;!?]")  # NFKC folded the full-width ; ! ? into these
# What makes the words after a keyword an address: a door, a building or a room, with its number.
_ADDRESS_CONTENT = re.compile(
    rf"\d+[a-z]?\s*(?:{_UNIT}|弄)"
    r"|(?<![a-z])(?:flat|apt|apartment|unit|suite|room)(?![a-z])\.?\s*#?\d"
    r"|\d+\s+(?:[a-z]+\s+){1,3}(?:street|st|road|rd|avenue|ave|lane|ln|drive|dr)(?![a-z])"
)


def _address_spans(normalised: _Normalised) -> Iterable[tuple[int, int]]:
    text = normalised.text
    for match in _DOOR_NUMBER.finditer(text):
        start = match.start()
        while start > 0 and match.start() - start < ADDRESS_BEFORE_DOOR and _CJK_CHAR.match(text, start - 1):
            start -= 1
        yield start, _AFTER_DOOR.match(text, match.end()).end()
    for match in _ADDRESS_KEYWORD.finditer(text):
        start = match.end()
        sentence_end = _SENTENCE_END.search(text, start, start + ADDRESS_AFTER_KEYWORD)
        end = sentence_end.start() if sentence_end else min(len(text), start + ADDRESS_AFTER_KEYWORD)
        if _ADDRESS_CONTENT.search(text, start, end):
            yield start, end


_DETECTORS = (
    (ContactKind.PHONE, _phone_spans),
    (ContactKind.EMAIL, _email_spans),
    (ContactKind.HANDLE, _handle_spans),
    (ContactKind.LINK, _link_spans),
    (ContactKind.EMAIL, _spaced_spans),
    (ContactKind.BIRTH_DATE, _birth_date_spans),
    (ContactKind.ID_NUMBER, _id_number_spans),
    (ContactKind.ADDRESS, _address_spans),
)


def find_contact_details(text: str) -> list[ContactSpan]:
    """Phones, emails, messaging handles and links in `text`, as spans of the original text."""
    if not text:
        return []
    normalised = _normalise(text, digits=True)
    found = []
    for kind, detect in _DETECTORS:
        for start, end in detect(normalised):
            if end > start:
                found.append(ContactSpan(*normalised.original_span(start, end), kind))
    return _merged(found)


# The seeker's name, by keyed hash

_CJK_RUN = re.compile(rf"[{_CJK}]+")
_WORD = re.compile(rf"[^\W_{_CJK}]+")
_COMPOUND_SURNAMES_TEXT = (
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 端木 南宫 西门 独孤 澹台 申屠 太史"
)
COMPOUND_SURNAMES = frozenset(_COMPOUND_SURNAMES_TEXT.split())
# Around a surname used as a name: 张先生, 王女士, 李总, 刘工, 小陈, 老王, 阿明.
_SURNAME_AFTER = ("先生", "女士", "小姐", "老师", "同学", "师傅", "经理", "总", "工", "姐", "哥", "氏")
_SURNAME_BEFORE = frozenset("小老阿")
NAME_MAX_WORDS = 4
# Between the words of one name: "Zhang Wei", "Zhang-Wei", "Jean·Dupont", "O'Brien"; 阿卜杜·热合曼 (a Uyghur
# or foreign name in Chinese, its parts joined by a middle dot, often typed as the katakana one or a bullet).
_NAME_JOINERS = "\\-\u00b7\u30fb\u2022\u2027'\u2019"
_NAME_GAP = re.compile(rf"[\s{_NAME_JOINERS}]+")
_NAME_PARTS = re.compile(rf"[{_NAME_JOINERS}]+")
TITLES = frozenset({"mr", "ms", "mrs", "miss", "mx", "dr", "prof"})
CJK_NAME_LENGTHS = range(2, 5)
# A given name alone is hidden too ("Zephyrine", "娜珂"): from this many letters (Latin) or characters (Chinese).
# Shorter ones ("Al", the 伟 of 张伟) are ordinary words or characters; they are hidden within the full name.
GIVEN_NAME_MIN_LETTERS = 3
GIVEN_NAME_MIN_CJK = 2
# Two or three characters after a Chinese surname; up to five for a part of a dotted name (穆罕默德·艾力).
CJK_GIVEN_NAME_LENGTHS = (2, 3, 4, 5)


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def _name_hash(kind: str, value: str) -> str:
    # A prefix keeps these hashes apart from the phone and email blind indexes made with the same key.
    return crypto.blind_index(f"{kind}:{value}")


# Rendering a page of masked resumes hashes every distinct word and Chinese character of their free
# text (about 1,700 HMACs for 20 resumes), and the words of resumes repeat from page to page. Only
# words of free text are kept here, never the names `name_index_for` is given.
TEXT_HASH_CACHE_SIZE = 65536
_text_word_hash = functools.lru_cache(maxsize=TEXT_HASH_CACHE_SIZE)(_name_hash)


@receiver(setting_changed)
def _forget_text_hashes_on_key_change(*, setting: str, **kwargs) -> None:
    if setting == "BLIND_INDEX_KEY":
        _text_word_hash.cache_clear()


def _pinyin_forms(name: str, surname: str) -> tuple[set[str], str, str]:
    """A Chinese name in Latin letters ("zhang wei", "zhangwei", "wei zhang"), its surname, its given name (if long)."""
    from pypinyin import lazy_pinyin  # its dictionaries load on first use, not at every import

    family, given = lazy_pinyin(surname), lazy_pinyin(name[len(surname) :])
    family_name, given_name = "".join(family), "".join(given)
    forms = {f"{family_name} {given_name}", f"{family_name}{given_name}", f"{given_name} {family_name}"}
    forms.add(" ".join([*family, *given]))
    return forms, family_name, given_name if len(given) >= GIVEN_NAME_MIN_CJK else ""


def name_index_for(full_name: str) -> list[str]:
    """Keyed hashes of a full name, its surname and its given name, to find them in free text without the plaintext.

    Hyphens, apostrophes and middle dots part a name's words as they part the words of a text
    (`find_name`): "Jean-Pierre O'Brien" is hidden as "jean pierre o brien", 阿卜杜·热合曼 part by part.
    """
    written = _fold(full_name)
    if not written:
        return []
    folded = " ".join(_NAME_PARTS.sub(" ", written).split())
    words = folded.split()
    full_names = {written, folded, "".join(words)}
    surnames: set[str] = set()
    titled_surnames: set[str] = set()
    given_names: set[str] = set()  # words, and runs of Chinese characters
    if len(words) > 1 and all(_CJK_RUN.fullmatch(word) for word in words) and _NAME_PARTS.search(written):
        # 阿卜杜·热合曼: no Chinese surname and given name; each part is a name, hidden wherever it stands.
        given_names |= {word for word in words if len(word) >= GIVEN_NAME_MIN_CJK}
        return _hashes_of(full_names, given_names, surnames, titled_surnames)
    if len(words) > 1:
        surnames.add(words[-1])
        given_names |= {
            word
            for word in words[:-1]
            if len(word) >= GIVEN_NAME_MIN_LETTERS and word not in TITLES and not _CJK_RUN.search(word)
        }
    for word in words:
        if _CJK_RUN.fullmatch(word) and len(word) >= 2:
            surname = word[:2] if word[:2] in COMPOUND_SURNAMES else word[0]
            full_names.add(word)
            surnames.add(surname)
            if len(word) - len(surname) >= GIVEN_NAME_MIN_CJK:
                given_names.add(word[len(surname) :])
            pinyin_names, pinyin_surname, pinyin_given = _pinyin_forms(word, surname)
            full_names |= pinyin_names
            # "Li", "He", "Song" are also English words: a pinyin surname counts only after a title.
            titled_surnames.add(pinyin_surname)
            if pinyin_given:
                given_names.add(pinyin_given)  # "nake" for 娜珂; a one-syllable "wei" would be any word
    return _hashes_of(full_names, given_names, surnames, titled_surnames)


def _hashes_of(full_names: set[str], given_names: set[str], surnames: set[str], titled_surnames: set[str]) -> list[str]:
    hashes = {_name_hash("name", name) for name in full_names}
    hashes |= {_name_hash("given", name) for name in given_names}
    # Where a Chinese given name may start: the runs of a text are tried only there.
    hashes |= {_name_hash("given_first", name[0]) for name in given_names if _CJK_RUN.fullmatch(name)}
    # Where a name may start (its first word, or first character in Chinese): the rest is tried only there.
    hashes |= {_name_hash("first", name.split()[0] if " " in name else name[0]) for name in full_names}
    hashes |= {_name_hash("surname", name) for name in surnames}
    hashes |= {_name_hash("titled", name) for name in titled_surnames}
    return sorted(hashes)


def full_name_hash(name: str) -> str:
    """The keyed hash `name_index_for` stores for a full name written this way (the leak tracer's lookup)."""
    folded = _fold(name)
    return _name_hash("name", folded) if folded else ""


def _surname_in_use(run: str, start: int, end: int) -> bool:
    return (
        run[end:].startswith(_SURNAME_AFTER)
        or (start > 0 and run[start - 1] in _SURNAME_BEFORE)
        or (start == 0 and end == len(run))
    )


def find_name(text: str, name_index: Collection[str]) -> list[ContactSpan]:
    """Where the seeker's full name, surname or given name appears, given the hashes `name_index_for` made."""
    if not text or not name_index:
        return []
    index = frozenset(name_index)
    known: dict[tuple[str, str], bool] = {}

    def indexed(kind: str, value: str) -> bool:
        # Words and characters repeat: each distinct one is hashed once per text.
        if (kind, value) not in known:
            known[kind, value] = _text_word_hash(kind, value) in index
        return known[kind, value]

    normalised = _normalise(text, digits=False)
    folded = normalised.text
    found: list[tuple[int, int]] = []
    words = list(_WORD.finditer(folded))
    for first, word in enumerate(words):
        after_title = first > 0 and words[first - 1].group() in TITLES
        value = word.group()
        if (
            indexed("surname", value)
            or indexed("name", value)
            or indexed("given", value)
            or (after_title and indexed("titled", value))
        ):
            found.append(word.span())
        if not indexed("first", value):
            continue
        for last in range(first + 1, min(first + NAME_MAX_WORDS, len(words))):
            if not _NAME_GAP.fullmatch(folded, words[last - 1].end(), words[last].start()):
                break
            if indexed("name", " ".join(item.group() for item in words[first : last + 1])):
                found.append((word.start(), words[last].end()))
    for run_match in _CJK_RUN.finditer(folded):
        run, offset = run_match.group(), run_match.start()
        for start, char in enumerate(run):
            if indexed("given_first", char):
                for length in CJK_GIVEN_NAME_LENGTHS:
                    if start + length <= len(run) and indexed("given", run[start : start + length]):
                        found.append((offset + start, offset + start + length))
            # Only where the name's first character is: a long text costs one hash per distinct character.
            if not indexed("first", char):
                continue
            for length in CJK_NAME_LENGTHS:
                if start + length <= len(run) and indexed("name", run[start : start + length]):
                    found.append((offset + start, offset + start + length))
            for length in (1, 2):
                end = start + length
                if end <= len(run) and _surname_in_use(run, start, end) and indexed("surname", run[start:end]):
                    found.append((offset + start, offset + end))
    return _merged(ContactSpan(*normalised.original_span(start, end), ContactKind.NAME) for start, end in found)


# Results


def _merged(spans: Iterable[ContactSpan]) -> list[ContactSpan]:
    """Sorted, with overlapping spans joined (the first one's kind wins)."""
    merged: list[ContactSpan] = []
    for span in sorted(spans, key=lambda item: (item.start, -item.end)):
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            merged[-1] = ContactSpan(last.start, max(last.end, span.end), last.kind)
        else:
            merged.append(span)
    return merged


def find_spans(text: str, *, name_index: Collection[str] = ()) -> list[ContactSpan]:
    """Contact details and, given the seeker's name index, their name."""
    return _merged([*find_contact_details(text), *find_name(text, name_index)])


def redact(text: str, *, name_index: Collection[str] = (), replacement: str = REDACTED) -> str:
    """`text` with every contact detail (and the seeker's name) replaced by `replacement`."""
    if not text:
        return text
    return _replaced(text, find_spans(text, name_index=name_index), replacement)


def _replaced(text: str, spans: list[ContactSpan], replacement: str) -> str:
    pieces: list[str] = []
    position = 0
    for span in spans:
        pieces.append(text[position : span.start])
        pieces.append(replacement)
        position = span.end
    pieces.append(text[position:])
    return "".join(pieces)


LIST_JOINER = ", "


def redact_items(items: Iterable[str], *, name_index: Collection[str] = (), replacement: str = REDACTED) -> list[str]:
    """Redact a list (skills) read as the one line employers see: "WeChat", "zhang_wx1" hides the second item."""
    items = list(items)
    line = LIST_JOINER.join(items)
    spans = find_spans(line, name_index=name_index)
    result = []
    start = 0
    for item in items:
        end = start + len(item)
        inside = [span for span in spans if span.start < end and span.end > start]
        if any(span.start < start or span.end > end for span in inside):
            result.append(replacement)  # part of a detail that runs across items
        else:
            result.append(
                _replaced(item, [ContactSpan(s.start - start, s.end - start, s.kind) for s in inside], replacement)
            )
        start = end + len(LIST_JOINER)
    return result


def contact_kinds(text: str) -> list[ContactKind]:
    """The kinds of contact detail in `text`, each once, in the order of the detectors."""
    kinds = {span.kind for span in find_contact_details(text)}
    return list(dict.fromkeys(kind for kind, _ in _DETECTORS if kind in kinds))


def contains_contact_details(text: str) -> bool:
    return bool(find_contact_details(text))
