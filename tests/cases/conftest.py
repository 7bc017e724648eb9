import datetime

import pytest
from cryptography.fernet import Fernet
from django.utils import timezone

from reintegra.access import case_get_for_user
from reintegra.cases import services as case_services
from reintegra.lib import crypto
from reintegra.referrals import services as referral_services

IDENTITY = {
    "given_name": "Somsri",
    "family_name": "Kaewmanee",
    "birth_date": datetime.date(1994, 3, 2),
    "phones": ["+66 81 234 5678"],
    "email": "somsri.k@example.org",
    "address": "12 Moo 4, Mae Sai",
    "identity_documents": [{"type": "national_id", "number": "1-5701-00123-45-6", "country": "TH"}],
    "gender": "Feminine",
    "citizenships": ["TH"],
    "languages": ["th"],
    "education": "LowerSecondaryEducation",
}


@pytest.fixture
def isolated_keys(tmp_path, settings):
    """A key file of the test's own, so rotating keys touches nothing else."""
    key_file = tmp_path / "data_keys"
    key_file.write_text(Fernet.generate_key().decode() + "\n")
    settings.DATA_KEY_FILE = key_file
    crypto.keyring.reset()
    yield key_file
    crypto.keyring.reset()


@pytest.fixture
def case(users):
    return case_services.case_open(actor=users["alice"], notes="Returned via Mae Sai checkpoint.", **IDENTITY)


def share_with(actor, case, agency, categories=("profile", "history")):
    return case_services.consent_record(
        actor=actor,
        case=case,
        purpose="sharing",
        given_on=timezone.localdate(),
        language="th",
        recipient_agency=agency,
        categories=categories,
    )


def refer(actor, case, agency, categories=("profile", "history"), **extra):
    return referral_services.referral_send(
        actor=actor,
        access=case_get_for_user(actor, code=case.code, for_edit=True),
        to_agency=agency,
        reasons=["AdditionalServicesRequired"],
        categories=categories,
        **extra,
    )
