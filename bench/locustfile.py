"""The simulated users of the load test (bench/load_test.py starts the stack and runs this).

Officers work on the items their agency leads: they read their list ("My items"), open an
item and post a status update or a note, keep its "Ghi chú" up to date, now and then ask to
postpone it. Managers read the start page (/plans/) and the plan pages, filter them, export
a plan (CSV, DOCX) at a lower weight, and decide the postponement requests of their
agency's plans. Each simulated user signs in once with an account of LOAD_ACCOUNTS (a JSON
file written by bench/load_test.py); two users never edit the same item, two managers
never decide the same request, so a conflict (409, a stale page) can only come from an
officer and a manager acting on one item at once; it is counted apart, as "CONFLICT".

Every request is made without following redirects: a page must answer 200, a form 302.
Each request's start, name, time and outcome are written to LOAD_REQUESTS (CSV) at the end,
for exact percentiles over the whole run and after the sign-ins.
"""
from __future__ import annotations

import csv
import itertools
import json
import os
import random
import re
import sys
import time
from pathlib import Path

import urllib3
from locust import HttpUser, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from stack import form_on, forms_on  # noqa: E402

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)  # the self-signed cert

ACCOUNTS = json.loads(Path(os.environ["LOAD_ACCOUNTS"]).read_text(encoding="utf-8"))
_officers = itertools.cycle(ACCOUNTS["officers"])
_managers = itertools.cycle(ACCOUNTS["managers"])
_serial = itertools.count(1)
ITEM_LINK = re.compile(r'href="/items/(\d+)"')
PLAN_LINK = re.compile(r'href="/plans/(\d+)"')
WORKING = ("in_progress", "consulting")   # back and forth, never ending the item
REQUESTS: list[tuple] = []


@events.request.add_listener
def keep(request_type, name, response_time, exception=None, start_time=None, **kwargs):
    REQUESTS.append((request_type, name, start_time or time.time() - response_time / 1000,
                     response_time, int(exception is not None)))


@events.test_stop.add_listener
def write_requests(**kwargs):
    if os.environ.get("LOAD_REQUESTS"):
        with open(os.environ["LOAD_REQUESTS"], "w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(["type", "name", "start", "ms", "failed"])
            writer.writerows(REQUESTS)


class TrackerUser(HttpUser):
    """A browser: cookies, the Referer the CSRF check wants on HTTPS, no certificate check."""

    abstract = True
    wait_time = between(1, 5)   # a person reads the page before the next click
    account: dict

    def on_start(self) -> None:
        self.client.verify = False
        self.client.headers["Referer"] = self.host + "/"
        page = self.page("/login", "/login")
        if page is None:
            raise RuntimeError("no sign-in page")
        login = form_on(page, having="password")
        self.post("/login", "/login", {**login["fields"], "email": self.account["email"],
                                       "password": self.account["password"]})

    def page(self, path: str, name: str) -> str | None:
        """GET a page that must answer 200; its text, or None (counted as a failure)."""
        with self.client.get(path, name=name, allow_redirects=False,
                             catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} for {path}")
                return None
            return response.text

    def download(self, path: str, name: str, content_type: str) -> None:
        with self.client.get(path, name=name, allow_redirects=False,
                             catch_response=True) as response:
            if response.status_code != 200 or not response.headers.get(
                    "Content-Type", "").startswith(content_type):
                response.failure(f"{response.status_code} "
                                 f"{response.headers.get('Content-Type')} for {path}")

    def post(self, path: str, name: str, data: dict) -> bool:
        """POST a form that must answer 302 (saved, POST-redirect-GET). A 409 (the item
        changed since the page was read) is counted apart as a CONFLICT, not a failure."""
        with self.client.post(path, data=data, name=name, allow_redirects=False,
                              catch_response=True) as response:
            if response.status_code == 302:
                return True
            if response.status_code == 409:
                response.success()
                events.request.fire(request_type="CONFLICT", name=name, response_time=0,
                                    response_length=0, exception=None, context={})
                return False
            problems = re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]+)<', response.text)
            response.failure(f"{response.status_code} for {path}: {problems[:3]}")
            return False


class Officer(TrackerUser):
    """An officer of a lead agency, on the items assigned to him (his agency's, shared out
    among its officers)."""

    weight = 4

    def on_start(self) -> None:
        self.account = next(_officers)
        self.next_year = {}   # item → the year of its next postponement request
        super().on_start()

    def item(self) -> tuple[int, str] | None:
        item_id = random.choice(self.account["items"])
        page = self.page(f"/items/{item_id}", "/items/[id]")
        return (item_id, page) if page is not None else None

    @task(3)
    def my_items(self) -> None:
        self.page("/plans/mine", "/plans/mine")

    @task(2)
    def my_plan(self) -> None:
        self.page(f"/plans/{random.choice(self.account['plans'])}", "/plans/[id]")

    @task(6)
    def status_update(self) -> None:
        """A working status (or, one time in ten, a postponement request), with a note."""
        opened = self.item()
        if opened is None:
            return
        item_id, page = opened
        form = form_on(page, f"/items/{item_id}/status")
        offered = form["options"].get("status", [])
        note = f"Cập nhật tiến độ lần {next(_serial)} (kiểm thử tải)"
        data = {**form["fields"], "note": note}
        if "postponed" in offered and random.random() < 0.1:
            year = self.next_year.get(item_id, ACCOUNTS["year"] + 2)
            self.next_year[item_id] = year + 1
            data.update(status="postponed", new_period=f"31/12/{year}",
                        note=f"Xin lùi thời gian trình, lần {next(_serial)} (kiểm thử tải)")
            name = "/items/[id]/status (postponement)"
        else:
            choices = [status for status in WORKING if status in offered]
            data["status"] = random.choice(choices) if choices else ""
            name = "/items/[id]/status"
        self.post(f"/items/{item_id}/status", name, data)

    @task(3)
    def note(self) -> None:
        opened = self.item()
        if opened is None:
            return
        item_id, page = opened
        form = form_on(page, f"/items/{item_id}/status")
        self.post(f"/items/{item_id}/status", "/items/[id]/status (note)", {
            **form["fields"], "status": "",
            "note": f"Đã làm việc với các Sở liên quan, lần {next(_serial)}"})

    @task(1)
    def notes(self) -> None:
        opened = self.item()
        if opened is None:
            return
        item_id, page = opened
        form = form_on(page, f"/items/{item_id}/notes")
        self.post(f"/items/{item_id}/notes", "/items/[id]/notes", {
            **form["fields"], "notes": f"Ghi chú cập nhật lần {next(_serial)}"})


class Manager(TrackerUser):
    """A manager: the consolidating office's (every plan) or a lead agency's (its plans,
    and the requests waiting on the items of the plans it owns, if `decides`)."""

    weight = 1

    def on_start(self) -> None:
        self.account = next(_managers)
        self.plans: list[int] = []
        super().on_start()
        self.start_page()

    @task(4)
    def start_page(self) -> None:
        page = self.page("/plans/", "/plans/")
        if page is not None:
            self.plans = sorted({int(plan_id) for plan_id in PLAN_LINK.findall(page)})

    @task(4)
    def plan_page(self) -> None:
        if self.plans:
            plan_id = random.choice(self.plans)
            self.page(f"/plans/{plan_id}" + random.choice(["", "", "?page=2"]), "/plans/[id]")

    @task(3)
    def filtered_plan_page(self) -> None:
        """One of the page's own filters: a status, a lead agency, a period, or a box."""
        if not self.plans:
            return
        plan_id = random.choice(self.plans)
        page = self.page(f"/plans/{plan_id}", "/plans/[id]")
        if page is None:
            return
        selects = next((f["options"] for f in forms_on(page) if "status" in f["options"]), {})
        choices = [(key, value) for key, values in selects.items() for value in values if value]
        choices += [("overdue", "y"), ("due_soon", "y"), ("pending", "y")]
        key, value = random.choice(choices)
        self.page(f"/plans/{plan_id}?{key}={value}", "/plans/[id]?filter")

    @task(1)
    def export_csv(self) -> None:
        if self.plans:
            self.download(f"/plans/{random.choice(self.plans)}/appendix.csv",
                          "/plans/[id]/appendix.csv", "text/csv")

    @task(1)
    def export_docx(self) -> None:
        if self.plans:
            self.download(f"/plans/{random.choice(self.plans)}/appendix.docx",
                          "/plans/[id]/appendix.docx",
                          "application/vnd.openxmlformats-officedocument.wordprocessingml")

    @task(2)
    def decide(self) -> None:
        """Approve or refuse one waiting postponement of the plans he decides on."""
        decides = self.account.get("decides")
        if not decides:
            return
        plan_id = random.choice(decides["plans"])
        page = self.page(f"/plans/{plan_id}?pending=y", "/plans/[id]?pending")
        if page is None:
            return
        waiting = [int(i) for i in dict.fromkeys(ITEM_LINK.findall(page))
                   if int(i) % decides["modulo"] == decides["index"]]
        if not waiting:
            return
        item_id = random.choice(waiting)
        page = self.page(f"/items/{item_id}", "/items/[id]")
        if page is None:
            return
        form = next((f for f in forms_on(page) if f["action"].endswith("/decision")), None)
        if form is None:   # decided meanwhile (the list was read before)
            return
        approve = random.random() < 0.5
        self.post(f"/items/{item_id}/decision", "/items/[id]/decision", {
            **form["fields"], "decision": "approve" if approve else "refuse",
            "reason": "" if approve else f"Chưa đủ căn cứ, lần {next(_serial)}"})


# Exactly as many of each as there are accounts (load_test.py makes one per simulated user).
Officer.fixed_count = len(ACCOUNTS["officers"])
Manager.fixed_count = len(ACCOUNTS["managers"])
