"""The load of `make bench-web` (bench/web.py writes the plan this file reads; run by locust, headless).

BENCH_WEB_PLAN names a JSON file: the hosts (one per app server), the signed-in sessions made by
bench/web.py through the real sign-in pages (password, then the TOTP code for the roles that need
one), and each session's pages. Each simulated client takes one session (round-robin) and one host
(round-robin, so two servers share the load); it then asks its pages one after another, with no
think time. With BENCH_WEB_PAGE set, every client asks only that page (the side-by-side phases);
"healthz" is asked without a session cookie, so it touches no table.
"""

import itertools
import json
import os
import random

from locust import HttpUser, task
from locust.clients import HttpSession

PLAN = json.loads(open(os.environ["BENCH_WEB_PLAN"], encoding="utf-8").read())  # noqa: SIM115
ONLY = os.environ.get("BENCH_WEB_PAGE", "")
_slots = itertools.count()


class Client(HttpUser):
    host = PLAN["hosts"][0]

    def on_start(self) -> None:
        slot = next(_slots)
        sessions = PLAN["sessions"]
        if ONLY and ONLY not in {p["name"] for p in PLAN["any"]}:
            # Alone on one page: the clients take the sessions of the accounts that have it.
            sessions = [s for s in sessions if any(p["name"] == ONLY for p in s["pages"])]
        self.identity = sessions[slot % len(sessions)]
        self.base = PLAN["hosts"][slot % len(PLAN["hosts"])]
        self.client.base_url = self.base
        # The trivial endpoint is asked with no cookie at all, as a load balancer asks it.
        self.anonymous = HttpSession(base_url=self.base, request_event=self.environment.events.request, user=self)
        self.client.cookies.set("sessionid", self.identity["sessionid"])
        self.client.cookies.set("csrftoken", self.identity["csrftoken"])
        pages = self.identity["pages"]
        if ONLY:
            pages = [p for p in pages if p["name"] == ONLY] or [p for p in PLAN["any"] if p["name"] == ONLY]
        else:
            pages = [*pages, *PLAN["any"]]
        self.pages = pages
        self.rng = random.Random(slot)  # noqa: S311 - a load mix, not a secret

    @task
    def ask(self) -> None:
        page = self.rng.choice(self.pages)
        url = self.rng.choice(page["urls"])
        if page["name"] == "healthz":
            with self.anonymous.get(url, name="healthz", catch_response=True) as response:
                self._check(response, page)
            return
        if page.get("form"):
            data = {**page["form"], "csrfmiddlewaretoken": self.identity["csrftoken"]}
            headers = {"Referer": self.base + url}
            with self.client.post(url, data=data, headers=headers, name=page["name"], catch_response=True) as response:
                self._check(response, page)
            return
        with self.client.get(url, name=page["name"], catch_response=True, allow_redirects=False) as response:
            self._check(response, page)

    @staticmethod
    def _check(response, page) -> None:
        if response.status_code != 200:
            response.failure(f"{response.status_code}")
        elif page.get("expect") and page["expect"] not in response.text:
            response.failure(f"missing {page['expect']!r}")
        else:
            response.success()
