"""Words with two meanings in English are translated per meaning, through a message context."""

import re
from pathlib import Path

import pytest
from django.template import engines
from django.utils import translation
from django.utils.translation import pgettext

from reintegra.cases.choices import DataCategory, RecruiterRelation
from reintegra.cases.choices import Stage as CaseStage
from reintegra.cases.workflows import CLOSED, CLOSURE
from reintegra.lib import labels
from reintegra.livelihoods.choices import BusinessStatus
from reintegra.network.choices import Stage as ServiceStage
from reintegra.plans.choices import Domain
from reintegra.plans.forms import AssessmentForm, answer_label

SOURCE = Path(__file__).resolve().parents[1] / "reintegra"
AMBIGUOUS = ("Closed", "Family", "Return", "some")
TRANSLATED = ("th", "fil")


@pytest.mark.parametrize("language", TRANSLATED)
def test_closed_reads_differently_for_a_case_and_for_a_business(language):
    with translation.override(language):
        case, business = str(CaseStage.CLOSED.label), str(BusinessStatus.CLOSED.label)
        assert case != business
        assert case == pgettext("case stage", "Closed") == str(CLOSURE.state_labels[CLOSED])
        assert "Closed" not in (case, business)


def test_the_thai_and_filipino_words_for_closed():
    with translation.override("th"):
        assert (str(CaseStage.CLOSED.label), str(BusinessStatus.CLOSED.label)) == ("ปิดกรณีแล้ว", "ปิดกิจการแล้ว")
    with translation.override("fil"):
        assert (str(CaseStage.CLOSED.label), str(BusinessStatus.CLOSED.label)) == ("Sarado", "Nagsara na")


@pytest.mark.parametrize("language", TRANSLATED)
def test_family_reads_differently_for_a_recruiter_and_for_a_plan_goal(language):
    with translation.override(language):
        relation, goal_area = str(RecruiterRelation.FAMILIAL.label), str(Domain.FAMILY.label)
        assert relation != goal_area
        assert "Family" not in (relation, goal_area)


@pytest.mark.parametrize("language", TRANSLATED)
def test_return_as_a_stage_is_not_return_as_shared_data(language):
    with translation.override(language):
        case_stage = labels.label("stage", "return")
        category = labels.label("category", "return")
        service_stage = str(ServiceStage.RETURN.label)
        assert case_stage == str(CaseStage.RETURN.label) == service_stage
        assert category == str(DataCategory.RETURN.label) != case_stage
        assert "Return" not in (case_stage, category)


def test_the_case_page_heads_the_return_with_the_data_categorys_word():
    template = (SOURCE / "templates" / "cases" / "detail.html").read_text(encoding="utf-8")
    assert '{% translate "Return" context "data category" %}' in template
    heading = engines["django"].from_string('{% load i18n %}{% translate "Return" context "data category" %}')
    with translation.override("th"):
        assert heading.render({}) == str(DataCategory.RETURN.label) == "ข้อมูลการเดินทางกลับ"


@pytest.mark.parametrize("language", TRANSLATED)
def test_some_children_in_school_is_not_some_signs_of_distress(language):
    with translation.override(language):
        children = dict(AssessmentForm().fields["children_education"].choices)["some"]
        distress = dict(AssessmentForm().fields["distress"].choices)["some"]
        assert children == answer_label("children_education", "some")
        assert children != distress
        assert "some" not in (children, distress)
    with translation.override("en"):
        assert answer_label("children_education", "some") == answer_label("distress", "some") == "some"


def test_no_source_translates_an_ambiguous_word_without_a_context():
    words = "|".join(AMBIGUOUS)
    without_context = [
        re.compile(rf'\b(?:_|gettext|gettext_lazy|gettext_noop)\(\s*"(?:{words})"\s*\)'),
        re.compile(rf'{{%\s*(?:translate|trans)\s+"(?:{words})"\s*(?:as\s+\w+\s*)?%}}'),
    ]
    found = [
        f"{path.relative_to(SOURCE)}: {match.group()}"
        for path in sorted(SOURCE.rglob("*"))
        if path.suffix in {".py", ".html", ".txt"} and "locale" not in path.parts
        for pattern in without_context
        for match in pattern.finditer(path.read_text(encoding="utf-8"))
    ]
    assert not found, found
