"""Profiles made from a workspace's process list: names from the processes' names, valid and unique;
all added in one change with the workspace's key, or none."""

from __future__ import annotations

import json
from typing import NamedTuple

import pytest

from robocloud_desktop.core.paths import app_paths
from robocloud_desktop.core.profiles import MAX_NAME, Profile, ProfileError, ProfileStore
from robocloud_desktop.core.secrets import SERVICE, SecretStore
from robocloud_desktop.core.workspace_profiles import plan_profiles

CLOUD = "https://cloud.robocorp.com/api/v1"
KEY = "wskey-Lm07-from-workspace-3sDf8k"


class Process(NamedTuple):
    id: str
    name: str


@pytest.fixture
def path(app_home):
    return app_paths(app_home).profiles_file


def names(profiles) -> list[str]:
    return [p.name for p in profiles]


def test_names_come_from_the_processes_made_valid_and_unique():
    existing = [Profile("Invoices", "https://api.eu1.robocloud.eu", "ws-1", "old-1")]
    processes = [Process("p1", "Invoices"), Process("p2", "Invoices"), Process("p3", "  Pay\u200broll\tEU  "),
                 Process("p4", "payroll-eu"),  # the same environment variable as "Payroll EU"
                 Process("p5", "\u202e\u200b"), Process("p6", "x" * 200), Process("p7", "x" * 200)]
    plan = plan_profiles(existing, CLOUD, "ws-1", processes)
    assert names(plan.new) == ["Invoices (2)", "Invoices (3)", "Payroll EU", "payroll-eu (2)", "p5",
                               "x" * MAX_NAME, "x" * (MAX_NAME - 4) + " (2)"]
    for profile in plan.new:
        assert profile.validated().name == profile.name  # the name rules accept every one
    assert {(p.api, p.base_url, p.workspace_id, p.follow_others) for p in plan.new} == {("v1", CLOUD, "ws-1", True)}
    assert [p.process_id for p in plan.new] == [p.id for p in processes]


def test_a_process_a_profile_of_the_workspace_follows_already_gets_no_second_one():
    followed = Profile("Mine", "https://cloud.robocorp.com", "ws-1", "p1", api="v1").validated()
    elsewhere = Profile("Other tenant", "https://acme.robocorp.com/api/v1", "ws-1", "p2", api="v1")
    plan = plan_profiles([followed, elsewhere], CLOUD, "ws-1", [Process("p1", "Invoices"), Process("p2", "Payroll")],
                         follow_others=False)
    assert [(proc.id, profile.name) for proc, profile in plan.existing] == [("p1", "Mine")]
    assert [(p.name, p.process_id, p.follow_others) for p in plan.new] == [("Payroll", "p2", False)]


def test_the_profiles_are_added_in_one_change_with_one_key(path, secret_service):
    store = ProfileStore(path, SecretStore())
    plan = plan_profiles(store.profiles(), CLOUD, "ws-1", [Process("p1", "Invoices"), Process("p2", "Payroll")])
    added = store.add_of_workspace(plan.new, KEY)
    assert names(added) == ["Invoices", "Payroll"]
    assert names(ProfileStore(path).profiles()) == ["Invoices", "Payroll"]
    [(_, attributes, stored)] = secret_service.items(SERVICE)
    assert (attributes["username"], stored) == (f"workspace-key:{CLOUD}|ws-1", KEY)
    assert KEY not in path.read_text()


def test_when_the_key_cannot_be_stored_no_profile_is_added(path):
    store = ProfileStore(path, SecretStore())  # no keyring on this test's bus
    plan = plan_profiles([], CLOUD, "ws-1", [Process("p1", "Invoices"), Process("p2", "Payroll")])
    with pytest.raises(Exception, match="No keyring"):
        store.add_of_workspace(plan.new, KEY)
    assert ProfileStore(path).profiles() == []


def test_a_name_taken_meanwhile_adds_none_of_them(path):
    store = ProfileStore(path)
    plan = plan_profiles(store.profiles(), CLOUD, "ws-1", [Process("p1", "Invoices"), Process("p2", "Payroll")])
    ProfileStore(path).add(Profile("payroll", "https://api.eu1.robocloud.eu", "ws-9", "p9"))  # another window
    with pytest.raises(ProfileError, match="'Payroll' already exists"):
        store.add_of_workspace(plan.new)
    assert [e["name"] for e in json.loads(path.read_text())["profiles"]] == ["payroll"]
