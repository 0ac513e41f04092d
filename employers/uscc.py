"""Unified Social Credit Codes (GB 32100-2015): normalisation and the check character.

Position 1 is the registration authority, 2 the category, 3-8 the administrative
division (digits), 9-17 the organisation code, 18 the check character over 1-17.
"""

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # values 0-30: I, O, S, V and Z never appear
USCC_LENGTH = 18
MODULUS = 31
# Weight of position i (1-based) is 3^(i-1) mod 31.
WEIGHTS = tuple(pow(3, index, MODULUS) for index in range(USCC_LENGTH - 1))
_VALUES = {character: value for value, character in enumerate(CHARSET)}


class InvalidUsccError(ValueError):
    """The text is not a well-formed USCC with a correct check character."""


def normalise_uscc(text: str) -> str:
    return str(text).strip().upper()


def check_character(first_17: str) -> str:
    """The 18th character for the first 17 (already normalised, all in CHARSET)."""
    if len(first_17) != USCC_LENGTH - 1 or any(character not in _VALUES for character in first_17):
        raise InvalidUsccError("a USCC body is 17 characters of the USCC character set")
    total = sum(_VALUES[character] * weight for character, weight in zip(first_17, WEIGHTS, strict=True))
    return CHARSET[(MODULUS - total % MODULUS) % MODULUS]


def validate_uscc(text: str) -> str:
    """Return the normalised code, or raise InvalidUsccError saying what is wrong."""
    code = normalise_uscc(text)
    if len(code) != USCC_LENGTH:
        raise InvalidUsccError(f"a USCC has {USCC_LENGTH} characters")
    if any(character not in _VALUES for character in code):
        raise InvalidUsccError("a USCC uses only digits and the letters ABCDEFGHJKLMNPQRTUWXY")
    if not code[2:8].isdigit():
        raise InvalidUsccError("characters 3 to 8 of a USCC (the division code) are digits")
    if check_character(code[:17]) != code[17]:
        raise InvalidUsccError("the check character of this USCC does not match")
    return code


def is_valid_uscc(text: str) -> bool:
    try:
        validate_uscc(text)
    except InvalidUsccError:
        return False
    return True
