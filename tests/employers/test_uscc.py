"""USCC validation (GB 32100-2015) against independently computed vectors and every corruption."""

import pytest

from employers.uscc import CHARSET, InvalidUsccError, check_character, is_valid_uscc, validate_uscc

# Published codes of real companies, checked by hand against the standard's algorithm.
REAL_CODES = ["91350100M000100Y43", "91110000802100433B", "91440300708461136T"]


def reference_check_character(first_17: str) -> str:
    """A second, deliberately different implementation: weights by repeated multiplication, explicit table."""
    table = {character: value for value, character in enumerate("0123456789ABCDEFGHJKLMNPQRTUWXY")}
    total, weight = 0, 1
    for character in first_17:
        total += table[character] * weight
        weight = weight * 3 % 31
    remainder = 31 - total % 31
    return "0123456789ABCDEFGHJKLMNPQRTUWXY"[0 if remainder == 31 else remainder]


def test_hand_computed_vector():
    # 91350100M000100Y4 has values 9 1 3 5 0 1 0 0 21 0 0 0 1 0 0 30 4 and weights
    # 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28; the products sum to 1640,
    # 1640 mod 31 = 28, and 31 - 28 = 3: the check character is "3", as published.
    values = [9, 1, 3, 5, 0, 1, 0, 0, 21, 0, 0, 0, 1, 0, 0, 30, 4]
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    assert sum(v * w for v, w in zip(values, weights, strict=True)) == 1640
    assert check_character("91350100M000100Y4") == "3"


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_valid(code):
    assert reference_check_character(code[:17]) == code[17]
    assert validate_uscc(code) == code


@pytest.mark.parametrize("number", range(0, 400, 7))
def test_generated_bodies_agree_with_the_reference(number):
    body = f"91{110000 + number:06d}{CHARSET[number % 31]}{number:08d}"
    assert check_character(body) == reference_check_character(body)
    assert is_valid_uscc(body + reference_check_character(body))


def test_normalisation_strips_and_upper_cases():
    assert validate_uscc("  91350100m000100y43\n") == "91350100M000100Y43"


@pytest.mark.parametrize("code", REAL_CODES)
def test_every_single_character_corruption_is_rejected(code):
    # Any one character replaced by any other character of the set breaks the check (31 is prime).
    corruptions = 0
    for position in range(len(code)):
        for replacement in CHARSET:
            if replacement == code[position]:
                continue
            corrupted = code[:position] + replacement + code[position + 1 :]
            assert not is_valid_uscc(corrupted), corrupted
            corruptions += 1
    assert corruptions == 18 * 30


@pytest.mark.parametrize(
    "text",
    [
        "",
        "91350100M000100Y4",  # 17 characters
        "91350100M000100Y433",  # 19 characters
        "91350100M000100I43",  # I is not in the set
        "91350100M000100O43",
        "91350100M000100S43",
        "91350100M000100V43",
        "91350100M000100Z43",
        "91A50100M000100Y43",  # division code must be digits
        "9135010-M000100Y43",
        "91350100M000100Y4\uff13",  # a full-width digit three
    ],
)
def test_malformed_codes_are_rejected(text):
    with pytest.raises(InvalidUsccError):
        validate_uscc(text)


def test_check_character_refuses_a_bad_body():
    with pytest.raises(InvalidUsccError):
        check_character("short")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("91350100M000100Y4", "a USCC has 18 characters"),
        ("91350100 M000100Y43", "a USCC has 18 characters"),  # inner spaces are not dropped
        ("91350100M000100I43", "a USCC uses only digits and the letters ABCDEFGHJKLMNPQRTUWXY"),
        ("9135010-M000100Y43", "a USCC uses only digits and the letters ABCDEFGHJKLMNPQRTUWXY"),
        ("91350100M000100Y4\uff13", "a USCC uses only digits and the letters ABCDEFGHJKLMNPQRTUWXY"),
        ("91A50100M000100Y43", "characters 3 to 8 of a USCC (the division code) are digits"),
        ("91350100M000100Y44", "the check character of this USCC does not match"),
    ],
)
def test_each_refusal_keeps_the_projects_message(text, message):
    with pytest.raises(InvalidUsccError) as refused:
        validate_uscc(text)

    assert str(refused.value) == message


def test_letters_in_the_authority_or_category_are_refused_as_stdnum_does():
    # GB 32100 reserves letters there for non-business registrars; stdnum.cn.uscc accepts digits only.
    body = "Y1350100M000100Y4"
    code = body + check_character(body)

    with pytest.raises(InvalidUsccError) as refused:
        validate_uscc(code)

    assert str(refused.value) == "characters 1 and 2 of a USCC (the registration authority and category) are digits"
