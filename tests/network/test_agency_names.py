"""Agency names: unique per country (either script, case aside), changed only by coordinators and
administrators, every rename audited with the old and the new name (issue 12, finding 10)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from reintegra.accounts.models import AuditEvent
from reintegra.network import services
from reintegra.network.models import Agency

from ..conftest import api_client_for, client_for, make_agency

EDIT_FORM = {"type": "SocialWelfare", "country": "TH", "areas": ["TH-57"]}


def test_a_supervisor_cannot_rename_their_agency_through_the_api(users, network):
    response = api_client_for(users["sam"]).patch(
        "/api/v1/agencies/alpha-welfare/", {"name": "Beta DSWD Office", "version": network.alpha.version}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"name"}
    network.alpha.refresh_from_db()
    assert network.alpha.name == "Alpha Welfare Office"
    assert not AuditEvent.objects.filter(action="update", object_type="network.agency").exists()


def test_a_supervisor_cannot_rename_through_the_service_either(users, network):
    with pytest.raises(ValidationError) as refused:
        services.agency_update(
            actor=users["sam"], agency=network.alpha, version=network.alpha.version, name_local="ชื่อใหม่"
        )
    assert set(refused.value.message_dict) == {"name_local"}


def test_the_edit_page_shows_a_supervisor_the_names_but_does_not_take_them(users, network):
    client = client_for(users["sam"])
    page = client.get("/network/agencies/alpha-welfare/edit/").content.decode()
    assert 'name="name"' in page and "disabled" in page.split('name="name"')[1].split(">")[0]
    form = EDIT_FORM | {"name": "Somebody Else", "name_local": "อื่น", "version": network.alpha.version}
    assert client.post("/network/agencies/alpha-welfare/edit/", form).status_code == 302
    network.alpha.refresh_from_db()
    assert (network.alpha.name, network.alpha.name_local) == ("Alpha Welfare Office", "สำนักงานอัลฟา")


def test_a_coordinators_rename_is_audited_with_the_old_and_the_new_name(users, network):
    form = EDIT_FORM | {"name": "Alpha Social Welfare", "name_local": "สำนักงานอัลฟา", "version": network.alpha.version}
    assert client_for(users["cora"]).post("/network/agencies/alpha-welfare/edit/", form).status_code == 302
    event = AuditEvent.objects.filter(action="update", object_type="network.agency").get()
    assert event.actor == users["cora"]
    assert event.details["renamed"] == {"name": ["Alpha Welfare Office", "Alpha Social Welfare"]}


def test_an_edit_that_keeps_the_names_records_no_rename(users, network):
    services.agency_update(
        actor=users["sam"], agency=network.alpha, version=network.alpha.version, name="Alpha Welfare Office"
    )
    assert "renamed" not in AuditEvent.objects.filter(action="update", object_type="network.agency").get().details


def test_a_name_another_agency_of_the_country_has_is_refused_next_to_the_name(users, network):
    make_agency("gamma", name="Gamma Shelter", name_local="บ้านแกมมา", country="TH")
    form = EDIT_FORM | {"name": "GAMMA shelter", "name_local": "สำนักงานอัลฟา", "version": network.alpha.version}
    response = client_for(users["cora"]).post("/network/agencies/alpha-welfare/edit/", form)
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == ["Another agency in this country already has this name."]
    response = api_client_for(users["cora"]).patch(
        "/api/v1/agencies/alpha-welfare/", {"name_local": "บ้านแกมมา", "version": network.alpha.version}, format="json"
    )
    assert response.status_code == 400 and set(response.json()["error"]["fields"]) == {"name_local"}
    network.alpha.refresh_from_db()
    assert (network.alpha.name, network.alpha.name_local) == ("Alpha Welfare Office", "สำนักงานอัลฟา")


def test_a_new_agency_cannot_take_a_name_of_its_country_but_may_in_another(users, network):
    response = api_client_for(users["cora"]).post(
        "/api/v1/agencies/", {"name": "alpha welfare office", "type": "SocialWelfare", "country": "TH"}, format="json"
    )
    assert response.status_code == 400 and set(response.json()["error"]["fields"]) == {"name"}
    response = api_client_for(users["cora"]).post(
        "/api/v1/agencies/", {"name": "Alpha Welfare Office", "type": "SocialWelfare", "country": "PH"}, format="json"
    )
    assert response.status_code == 201
    # two agencies without a local name do not clash on the empty one
    make_agency("delta", name="Delta", country="TH")
    make_agency("epsilon", name="Epsilon", country="TH")


@pytest.mark.django_db(transaction=True)
def test_the_migration_renames_agencies_that_already_share_a_name():
    executor = MigrationExecutor(connection)
    before, after = [("network", "0004_finite_numbers")], [("network", "0005_agency_names_unique_in_country")]
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps.get_model("network", "Agency")
        fields = {"type": "SocialWelfare", "languages": [], "version": 1}
        first = old.objects.create(slug="sunrise", name="Sunrise", name_local="แสง", country="TH", **fields)
        second = old.objects.create(slug="sunrise-2", name="SUNRISE", name_local="แสง", country="TH", **fields)
        abroad = old.objects.create(slug="sunrise-ph", name="Sunrise", country="PH", **fields)
        executor = MigrationExecutor(connection)
        executor.migrate(after)
    finally:
        MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())
    names = {a.pk: (a.name, a.name_local) for a in Agency.objects.filter(pk__in=[first.pk, second.pk, abroad.pk])}
    assert names == {
        first.pk: ("Sunrise", "แสง"),
        second.pk: ("SUNRISE (sunrise-2)", "แสง (sunrise-2)"),
        abroad.pk: ("Sunrise", ""),
    }
