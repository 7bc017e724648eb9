"""A task keeps its case's agency beside it (decisions/0047): the one writer of tasks sets it, a
transfer moves it with the case (tests/transfers), and migration 0021 filled it for the tasks before."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from reintegra.cases import selectors, tasks
from reintegra.cases.models import Task
from reintegra.lib import clock


def test_the_writer_keeps_whose_the_case_is_and_a_task_on_no_case_has_none(case, users, network):
    on_case = tasks.task_create(actor=users["alice"], case=case, title="Call", due_on=clock.today())
    alert = tasks.task_create(
        actor=users["sam"], case=None, title="Look at the checks", due_on=clock.today(), assignee=users["sam"]
    )
    assert on_case.case_agency == network.alpha and alert.case_agency is None
    assert Task.objects.get(pk=on_case.pk).case_agency == network.alpha


def test_the_agency_lists_its_tasks_by_whose_the_case_is(case, users, network):
    """The access rule reads the copy on the task: a task whose case is kept by another agency, and
    not referred to this one, is not this agency's to read, whatever its own agency says."""
    task = tasks.task_create(actor=users["alice"], case=case, title="Call", due_on=clock.today())
    listed = selectors.open_tasks(user=users["sam"], agency_wide=True)
    assert list(listed) == [task]
    Task.objects.filter(pk=task.pk).update(case_agency=network.beta)
    assert not selectors.open_tasks(user=users["sam"], agency_wide=True).exists()


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_whose_the_case_is_for_the_tasks_before(case, users, network):
    executor = MigrationExecutor(connection)
    before, after = [("cases", "0020_case_list_index_covers_search")], [("cases", "0022_task_open_due_case_agency")]
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps.get_model("cases", "Task")
        fields = {"title": "x", "due_on": clock.today(), "title_params": {}}
        on_case = old.objects.create(case_id=case.pk, agency_id=network.trainer.pk, **fields)
        alert = old.objects.create(case_id=None, agency_id=network.alpha.pk, assignee_id=users["sam"].pk, **fields)
        executor = MigrationExecutor(connection)
        executor.migrate(after)
    finally:
        MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())
    filled = dict(Task.objects.filter(pk__in=[on_case.pk, alert.pk]).values_list("pk", "case_agency_id"))
    assert filled == {on_case.pk: network.alpha.pk, alert.pk: None}
