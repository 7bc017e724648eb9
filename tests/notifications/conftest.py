import pytest

from ..cases.conftest import case  # noqa: F401  (the case fixture)
from ..livelihoods.conftest import catalogue  # noqa: F401  (the livelihood options, for an enrolment)


@pytest.fixture(autouse=True)
def mail_now(settings):
    """The e-mails go out as soon as the transaction commits (the worker's job, done in the test),
    to Django's in-memory outbox."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://reintegra.example.org"


@pytest.fixture
def with_email(users):
    for name, user in users.items():
        user.email = f"{name}@example.org"
        user.save(update_fields=["email"])
    return users
