"""Dutch phone numbers: check and normalise what a person typed (pure, no Flask)."""

import phonenumbers

REGION = "NL"


class PhoneError(ValueError):
    """The text is not a Dutch phone number."""


def normalise(text: str) -> str:
    """Return a Dutch phone number in E.164 ("+31612345678"); raise PhoneError otherwise.

    Spaces, dashes, brackets and a leading 0, 0031 or +31 are all accepted, as people write
    them. Only numbers the numbering plan of the Netherlands knows pass: a digit too many or
    too few, or a foreign number, is refused rather than guessed.
    """
    try:
        number = phonenumbers.parse(text, REGION)
    except phonenumbers.NumberParseException as error:
        raise PhoneError(str(error)) from None
    if not phonenumbers.is_valid_number_for_region(number, REGION):
        raise PhoneError("not a valid Dutch number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display(e164: str | None) -> str:
    """Return a stored number as a Dutch reader writes it ("06 12345678"); '' for none."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, REGION)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
