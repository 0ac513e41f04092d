"""Unified Social Credit Codes (GB 32100-2015): normalisation and validation, by python-stdnum.

Position 1 is the registration authority, 2 the category, 3-8 the administrative
division, 9-17 the organisation code, 18 the check character over 1-17.
`stdnum.cn.uscc` decides whether a code is valid (it requires positions 1-8 to be
digits, as codes issued to businesses are); this module keeps the project's
normalisation and says in its own words what is wrong.
"""

from stdnum import exceptions as stdnum_errors
from stdnum.cn import uscc

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # values 0-30: I, O, S, V and Z never appear
USCC_LENGTH = 18

LENGTH_MESSAGE = f"a USCC has {USCC_LENGTH} characters"
CHARSET_MESSAGE = "a USCC uses only digits and the letters ABCDEFGHJKLMNPQRTUWXY"
DIVISION_MESSAGE = "characters 3 to 8 of a USCC (the division code) are digits"
AUTHORITY_MESSAGE = "characters 1 and 2 of a USCC (the registration authority and category) are digits"
CHECKSUM_MESSAGE = "the check character of this USCC does not match"


class InvalidUsccError(ValueError):
    """The text is not a well-formed USCC with a correct check character."""


def normalise_uscc(text: str) -> str:
    return str(text).strip().upper()


def check_character(first_17: str) -> str:
    """The 18th character for the first 17 (already normalised, all in CHARSET)."""
    if len(first_17) != USCC_LENGTH - 1 or any(character not in CHARSET for character in first_17):
        raise InvalidUsccError("a USCC body is 17 characters of the USCC character set")
    return uscc.calc_check_digit(first_17)


def validate_uscc(text: str) -> str:
    """Return the normalised code, or raise InvalidUsccError saying what is wrong."""
    code = normalise_uscc(text)
    try:
        # stdnum's compact() drops inner spaces and dashes and folds look-alike characters;
        # a code is stored exactly as typed (normalised), so any of those is a malformed code.
        if uscc.compact(code) != code:
            raise stdnum_errors.InvalidFormat()
        return uscc.validate(code)
    except stdnum_errors.InvalidLength as error:
        raise InvalidUsccError(LENGTH_MESSAGE) from error
    except stdnum_errors.InvalidFormat as error:
        raise InvalidUsccError(_format_problem(code)) from error
    except stdnum_errors.InvalidChecksum as error:
        raise InvalidUsccError(CHECKSUM_MESSAGE) from error


def _format_problem(code: str) -> str:
    if len(code) != USCC_LENGTH:
        return LENGTH_MESSAGE
    if any(character not in CHARSET for character in code):
        return CHARSET_MESSAGE
    if not code[2:8].isdigit():
        return DIVISION_MESSAGE
    return AUTHORITY_MESSAGE


def is_valid_uscc(text: str) -> bool:
    try:
        validate_uscc(text)
    except InvalidUsccError:
        return False
    return True
