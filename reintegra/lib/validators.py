import re

import pycountry
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# A tag opener (`<b`, `</`, `<!`, `<?`): text is stored as typed and always rendered escaped, but
# markup in a plain-text field is a mistake or an attack, so it is refused with a clear message.
_MARKUP = re.compile(r"<\s*[A-Za-z/!?]")


def validate_no_markup(value: str) -> None:
    if value and _MARKUP.search(value):
        raise ValidationError(_("Markup such as HTML tags is not allowed here; write plain text."), code="markup")


def validate_currency(value: str) -> None:
    if value and pycountry.currencies.get(alpha_3=value.upper()) is None:
        raise ValidationError(
            _("“%(code)s” is not an ISO 4217 currency code."), params={"code": value}, code="currency"
        )
