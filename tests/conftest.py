"""Personas, built through the real services.

Alpha (Chiang Rai social welfare office) and Beta (DSWD NCR) are two agencies with caseworkers
and supervisors; a training provider has provider staff; an M&E analyst and a network
coordinator sit in their own agencies. Charlie has an account but no agency or role: he
should have no access to anyone's stuff.
"""

import copy
import os
from dataclasses import dataclass

import pytest
from _pytest.nodeid import NodeId  # see xdist_groups_named
from django.test import Client
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from reintegra.accounts.models import Role, User
from reintegra.accounts.services import api_token_issue, user_create
from reintegra.accounts.two_factor import two_factor_required
from reintegra.network import services as network_services
from reintegra.network.models import Agency

PASSWORD = "correct horse battery staple"

# The fixtures through which a test reaches the database (with the django_db mark, the only ways).
DATABASE_FIXTURES = frozenset(
    {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback", "live_server"}
)


@pytest.hookimpl(trylast=True)  # after pytest-xdist's own hook, whose renaming it completes
def pytest_collection_modifyitems(config, items):
    xdist_groups_named(config, items)
    database_tests_only(config, items)


def xdist_groups_named(config, items):
    """With `--dist loadgroup` (make test) the tests of one `xdist_group` run on one worker, one after
    the other, so that a module fixture is set up once (tests/test_faults.py's served site,
    tests/test_demo.py's demo). pytest-xdist 3.8 marks a test's group by renaming its node id
    (`item._nodeid`), which pytest 9 no longer reads (the id is `item._id`, a NodeId): without this
    the groups are silently spread over every worker. Checked by tests/test_ci_split.py."""
    if not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        names = sorted(
            {str(m.args[0] if m.args else m.kwargs.get("name", "default")) for m in item.iter_markers("xdist_group")}
        )
        suffix = "@" + "_".join(names)
        if names and not item.nodeid.endswith(suffix) and hasattr(item, "_id"):
            item._id = NodeId.parse(item.nodeid + suffix)


def database_tests_only(config, items):
    """With REINTEGRA_DATABASE_TESTS_ONLY=1 (CI's run on its second database, .ci/run) only the tests
    that reach the database run: through pytest-django (the mark or a fixture) or, marked
    `reaches_database`, through a served process. The others (the matching engine's solves, the
    charts, the parsers) do not depend on it and ran on the first. Of the browser tests only the
    smoke subset runs there (the journeys, once each); the whole browser matrix ran on the first."""
    if os.environ.get("REINTEGRA_DATABASE_TESTS_ONLY") != "1":
        return
    keep, drop = [], []
    for item in items:
        marked = item.get_closest_marker("django_db") or item.get_closest_marker("reaches_database")
        reaches = marked or DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        browser_only = item.get_closest_marker("browser") and not item.get_closest_marker("smoke")
        (keep if reaches and not browser_only else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@dataclass
class Network:
    alpha: Agency
    beta: Agency
    trainer: Agency
    ministry: Agency
    council: Agency


def make_agency(slug: str, **fields) -> Agency:
    defaults = {"name": slug.replace("-", " ").title(), "type": "SocialWelfare", "country": "TH", "languages": ["th"]}
    areas = fields.pop("areas", [])
    return network_services.agency_create(actor=None, slug=slug, areas=areas, **(defaults | fields))


def make_user(username: str, agency: Agency | None, role: str, password: str | None = None) -> User:
    """Personas log in with force_login; only tests of the login itself give them a password."""
    return user_create(actor=None, username=username, agency=agency, role=role, password=password, validate=False)


@pytest.fixture
def network(db) -> Network:
    return build_network()


def build_network() -> Network:
    alpha = make_agency(
        "alpha-welfare", name="Alpha Welfare Office", name_local="สำนักงานอัลฟา", areas=["TH-57"], country="TH"
    )
    network_services.service_create(
        actor=None, agency=alpha, name="Victim screening", stage="identification", category="victim_screening"
    )
    network_services.service_create(
        actor=None, agency=alpha, name="Family tracing", stage="reintegration", category="family_tracing"
    )
    beta = make_agency("beta-dswd", name="Beta DSWD Office", country="PH", areas=["PH-07"], languages=["fil"])
    network_services.service_create(
        actor=None, agency=beta, name="Haven shelter", stage="shelter_assistance", category="shelter", capacity=20
    )
    trainer = make_agency(
        "gamma-training", name="Gamma Skills Centre", type="TrainingProvider", country="TH", areas=["TH-57", "TH-50"]
    )
    network_services.service_create(
        actor=None,
        agency=trainer,
        name="Welding course",
        stage="reintegration",
        category="vocational_training",
        capacity=12,
    )
    ministry = make_agency(
        "delta-ministry", name="Delta Ministry", type="CentralGovernmentOrganisation", country="TH", nationwide=True
    )
    network_services.service_create(
        actor=None, agency=ministry, name="Repatriation", stage="return", category="repatriation"
    )
    council = make_agency(
        "epsilon-council", name="Epsilon Council", type="CentralGovernmentOrganisation", country="PH", nationwide=True
    )
    return Network(alpha=alpha, beta=beta, trainer=trainer, ministry=ministry, council=council)


@pytest.fixture
def users(network: Network) -> dict[str, User]:
    return build_users(network)


def build_users(network: Network) -> dict[str, User]:
    return {
        "alice": make_user("alice", network.alpha, Role.CASEWORKER),  # caseworker, Alpha
        "sam": make_user("sam", network.alpha, Role.SUPERVISOR),  # supervisor, Alpha
        "bob": make_user("bob", network.beta, Role.CASEWORKER),  # caseworker, Beta
        "bella": make_user("bella", network.beta, Role.SUPERVISOR),  # supervisor, Beta
        "pat": make_user("pat", network.trainer, Role.PROVIDER_STAFF),
        "ana": make_user("ana", network.ministry, Role.ME_ANALYST),
        "cora": make_user("cora", network.council, Role.NETWORK_COORDINATOR),
        "charlie": make_user("charlie", None, ""),  # account without agency or role
    }


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
        if two_factor_required(user):
            two_factor_sign_in(client, user)
    return client


def two_factor_sign_in(client: Client, user: User) -> TOTPDevice:
    """Completes a signed-in client's second factor as the code page does (django_otp.login keeps
    the device's id in the session), giving the user a confirmed authenticator first if they have none."""
    device = authenticator_of(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def authenticator_of(user: User) -> TOTPDevice:
    """The user's confirmed authenticator app, set up now if they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return device


def api_client_for(user: User | None) -> APIClient:
    """A client with a token of the user's, issued as the token endpoint would: a role that needs
    two-factor sign-in has set it up first."""
    client = APIClient()
    if user is not None:
        if two_factor_required(user):
            authenticator_of(user)
        _token, key = api_token_issue(user=user, name="tests")
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture(autouse=True, scope="session")
def erasure_ledger_of_the_tests(tmp_path_factory):
    """Erasures made by the tests (in a test that commits) go to a ledger of their own, not to the
    installation's var/erasure_ledger (cases/erasure_ledger.py)."""
    from django.conf import settings

    settings.ERASURE_LEDGER_FILE = tmp_path_factory.mktemp("erasures") / "erasure_ledger"


@pytest.fixture(autouse=True, scope="session")
def insights_figures_not_cached():
    """The dashboards' figures are computed on every read in the tests (tests/insights/test_figures_cache.py
    turns the cache on): the database cache's table is outside the models, so a test that flushes the
    database would leave another test's figures in it."""
    from django.conf import settings

    settings.INSIGHTS_CACHE_SECONDS = 0
    settings.SUPERVISOR_QUEUES_SECONDS = 0  # and the supervisors' queues (tests/plans/test_lost_contact_cache.py)
    settings.PREDICTOR_SECONDS = 0  # the same for the success predictor (tests/livelihoods/test_predictor_cache.py)


@pytest.fixture(autouse=True)
def language_of_the_installation():
    """Each test starts in English: a request handled in Thai leaves Thai active in its thread (the
    locale middleware activates a language and never deactivates it), which would leak into the next
    test that renders a lazy label outside a request."""
    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """A `replica` alias that mirrors the test database (Django's TEST MIRROR), so a test can show
    which reads go to the read replica (tests/test_replica.py). Nothing reads from it unless a test
    sets INSIGHTS_DATABASE (reintegra/dbrouters.py); a test that does must list it in `databases`."""
    from django.db import connections

    replica = copy.deepcopy(connections.settings["default"])
    replica["TEST"] = {**replica.get("TEST", {}), "MIRROR": "default"}
    connections.settings["replica"] = replica
