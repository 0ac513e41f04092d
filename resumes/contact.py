"""A seeker's contact details: normalising them, and the one shape they travel in once decrypted."""

from dataclasses import dataclass

import phonenumbers

DEFAULT_PHONE_REGION = "CN"


class InvalidPhoneNumber(ValueError):
    pass


def normalise_phone(raw: str, *, region: str = DEFAULT_PHONE_REGION) -> str:
    """E.164 form of a valid number ("+8613812345678"); numbers without a country code are read as Chinese."""
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as error:
        raise InvalidPhoneNumber("This is not a phone number.") from error
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhoneNumber("This phone number is not valid.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


@dataclass(frozen=True)
class ContactDetails:
    full_name: str
    phone: str
    email: str
    birth_date: str
    address: str
