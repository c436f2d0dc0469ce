"""seed_demo leaves CS something to see: cases in the queue, one past its platform deadline and one due within
hours, a case with CS's note and the buyer's photo, and a saved risk policy with its history."""

import os

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from aftersales.models import Case, CaseEvent, RiskPolicy

pytestmark = pytest.mark.django_db


def test_seed_demo_fills_the_cs_queue_case_page_and_risk_thresholds():
    with open(os.devnull, "w") as devnull:
        call_command("seed_demo", "--orders", "60", stdout=devnull)
    client = Client()
    client.force_login(get_user_model().objects.get(username="manager"))

    waiting = list(Case.objects.filter(status=Case.Status.REQUESTED).values_list("number", "deadline_at"))
    queue = client.get("/aftersales/").content.decode()
    overdue = client.get("/aftersales/?deadline=overdue").content.decode()
    due = client.get("/aftersales/?deadline=due&hours=6").content.decode()

    assert queue.count('<tr data-case="') >= 6
    assert overdue.count('<tr data-case="') == 1 and "deadline nowrap overdue" in overdue
    assert due.count('<tr data-case="') == 1, waiting
    noted = Case.objects.filter(events__kind=CaseEvent.Kind.NOTE, evidence__caption="买家拍的开盖照片").distinct().get()
    page = client.get(f"/aftersales/{noted.pk}/").content.decode()
    assert "已电话联系买家" in page and "买家拍的开盖照片" in page
    assert RiskPolicy.objects.get().history.count() == 1
    assert client.get("/aftersales/risk/").content.decode().split('id="policy-history"')[1].count("<tr><td") == 1
