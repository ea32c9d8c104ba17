"""Profiles of Control Room API v1 in the window: the profile dialog's API choice and shared key field, the
list's second line, deleting with a shared key. Real widgets, a real profile file and a real keyring."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QMessageBox

from robocloud_desktop.core.profiles import Profile, ProfileStore
from robocloud_desktop.core.secrets import SERVICE, SecretState, SecretStore
from robocloud_desktop.core.workspaces import V1_CLOUD
from robocloud_desktop.ui.profiles.dialog import ProfileDialog
from robocloud_desktop.ui.profiles.panel import ProfileList
from robocloud_desktop.ui.profiles.rows import ProfileDelegate, SubtitleRole
from robocloud_desktop.ui.workers import Background
from tests.ui.test_profile_ui import Keyring, fill, index_of, look, press_ok, type_into

WS = "c8a1f8b5-6b1e-4a8e-9d0f-5b2a1e0c3d44"
KEY = "wskey-Ty51-window-2nHs7d0Qp"
NEW_KEY = "wskey-Gk84-window-new-6aWz1c"
BACKEND = "the Secret Service (GNOME Keyring / KWallet)"


def v1(name: str, process: str = "proc-1", workspace: str = WS) -> Profile:
    return Profile(name, V1_CLOUD, workspace, process, api="v1")


@pytest.fixture
def background(qtbot) -> Iterator[Background]:
    background = Background()
    yield background
    qtbot.waitUntil(lambda: background.busy == 0, timeout=10000)


@pytest.fixture
def store(app_home: Path) -> ProfileStore:
    return ProfileStore(app_home / "profiles.json", SecretStore())


@pytest.fixture
def make_list(qtbot, background) -> Callable[[ProfileStore], ProfileList]:
    def make(store: ProfileStore) -> ProfileList:
        profiles = ProfileList(store, SecretStore(), background)
        qtbot.addWidget(profiles)
        profiles.resize(300, 500)
        profiles.show()
        qtbot.waitExposed(profiles)
        qtbot.waitUntil(lambda: background.busy == 0, timeout=10000)
        return profiles

    return make


@pytest.fixture
def keyring(qtbot, background, secret_service) -> Keyring:
    return Keyring(qtbot, background, secret_service)


def entries(keyring: Keyring) -> list[tuple[str, str]]:
    return sorted((username, secret) for _, username, secret in keyring.entries())


def choose_v1(qtbot, dialog: ProfileDialog) -> None:
    dialog.api_combo.setFocus()
    dialog.api_combo.setCurrentIndex(dialog.api_combo.findData("v1"))


# --- the dialog ---------------------------------------------------------------------------------


def test_choosing_api_v1_shows_a_shared_key_field_and_hides_what_v1_has_not(qtbot, store):
    a, b = store.add(v1("Invoices")), store.add(v1("Payroll", "proc-2"))
    dialog = ProfileDialog(store, SecretStore(), backend_name=BACKEND,
                           states={a.id: SecretState.STORED, b.id: SecretState.STORED})
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.mode_combo.setCurrentIndex(1)  # the query string, chosen before the API
    assert dialog.region_combo.isVisible() and dialog.query_warning.isVisible()
    assert not dialog.follow_check.isVisible()

    choose_v1(qtbot, dialog)
    assert not dialog.region_combo.isVisible() and not dialog.mode_combo.isVisible()
    assert not dialog.query_warning.isVisible()
    assert dialog.follow_check.isVisible() and dialog.follow_check.isChecked()
    assert dialog.url_edit.isEnabled() and dialog.url_edit.text() == V1_CLOUD
    assert dialog.secret_label.text() == "API &key" and dialog.secret_edit.accessibleName() == "Workspace API key"

    fill(qtbot, dialog, name="Month end", workspace=WS, process="proc-3")
    assert dialog.secret_hint.text() == ("The workspace's key, used by 3 profiles of this workspace: a key typed "
                                         "here replaces it for all of them.")
    assert dialog.secret_edit.placeholderText() == "•••••• stored for this workspace — leave empty to keep"
    type_into(qtbot, dialog.workspace_edit, "another-workspace")
    assert dialog.secret_hint.text().startswith("Stored once for the workspace in the Secret Service")
    assert dialog.secret_edit.placeholderText() == "Paste one of the workspace's API keys"
    type_into(qtbot, dialog.workspace_edit, WS)
    type_into(qtbot, dialog.url_edit, "https://cloud.robocorp.com")  # the root without /api/v1 is the same one
    assert "used by 3 profiles of this workspace" in dialog.secret_hint.text()

    qtbot.mouseClick(dialog.follow_check, Qt.MouseButton.LeftButton)
    result = dialog.result_profile()
    assert (result.api, result.base_url, result.secret_in_query, result.follow_others) == ("v1", V1_CLOUD, False,
                                                                                           False)
    look(dialog, "/tmp/profile_dialog_v1.png")


def test_a_v1_url_is_checked_as_one(qtbot, store):
    dialog = ProfileDialog(store, SecretStore(), backend_name=BACKEND)
    qtbot.addWidget(dialog)
    dialog.show()
    choose_v1(qtbot, dialog)
    fill(qtbot, dialog, name="Invoices", workspace=WS, process="proc-1")
    type_into(qtbot, dialog.url_edit, "https://api.eu1.robocloud.eu")
    problem = dialog.problem_labels[dialog.url_edit]
    assert problem.isVisible() and "is the address of the per-process secret API" in problem.text()
    assert not dialog.ok_button.isEnabled()
    type_into(qtbot, dialog.url_edit, "https://acme.robocorp.com")
    assert not problem.isVisible() and dialog.ok_button.isEnabled()
    assert dialog.result_profile().base_url == "https://acme.robocorp.com/api/v1"

    dialog.api_combo.setCurrentIndex(dialog.api_combo.findData("process-secret"))
    assert dialog.region_combo.isVisible() and dialog.result_profile().base_url == "https://api.eu1.robocloud.eu"


def test_editing_a_v1_profile_shows_its_settings(qtbot, store):
    profile = store.add(Profile("Invoices", V1_CLOUD, WS, "proc-1", api="v1", follow_others=False))
    dialog = ProfileDialog(store, SecretStore(), profile, secret_state=SecretState.FROM_ENVIRONMENT,
                           backend_name=BACKEND, states={profile.id: SecretState.FROM_ENVIRONMENT})
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.api_combo.currentData() == "v1" and dialog.url_edit.text() == V1_CLOUD
    assert not dialog.follow_check.isChecked()
    assert dialog.secret_edit.placeholderText() == "Read from ROBOCLOUD_API_KEY_INVOICES — leave empty to keep"
    assert dialog.result_profile() == profile


# --- the list -----------------------------------------------------------------------------------


def test_adding_v1_profiles_in_the_window_stores_one_key_for_the_workspace(qtbot, keyring, store, make_list,
                                                                          secret_guard):
    secret_guard.add(KEY)
    profiles = make_list(store)
    for name, process, key in (("Invoices", "proc-1", KEY), ("Payroll", "proc-2", None)):
        profiles.add_profile()
        dialog = profiles.open_dialog
        assert isinstance(dialog, ProfileDialog)
        choose_v1(qtbot, dialog)
        fill(qtbot, dialog, name=name, workspace=WS, process=process, secret=key)
        with qtbot.waitSignal(profiles.currentProfileChanged, timeout=10000):
            press_ok(qtbot, dialog)
    assert entries(keyring) == [(f"workspace-key:{V1_CLOUD}|{WS}", KEY)]
    assert KEY not in store.path.read_text()

    payroll = store.get("Payroll")
    qtbot.waitUntil(lambda: profiles.secret_state(payroll.id) is SecretState.STORED, timeout=10000)
    row = index_of(profiles, "Payroll")
    assert row.data(Qt.ItemDataRole.UserRole + 2) == "API v1 · process proc-2"
    assert row.data(Qt.ItemDataRole.ToolTipRole).endswith(
        f"Workspace API key stored in {BACKEND}, shared by the 2 profiles of this workspace")
    assert "Control Room API v1" in row.data(Qt.ItemDataRole.ToolTipRole)

    # A new key typed for one profile is the workspace's: the other one uses it too.
    profiles.select_profile(payroll.id)
    profiles.edit_profile()
    dialog = profiles.open_dialog
    assert "used by 2 profiles of this workspace" in dialog.secret_hint.text()
    fill(qtbot, dialog, secret=NEW_KEY)
    secret_guard.add(NEW_KEY)
    press_ok(qtbot, dialog)
    assert entries(keyring) == [(f"workspace-key:{V1_CLOUD}|{WS}", NEW_KEY)]  # once the save has run


def test_a_tenant_and_the_filter_show_on_the_second_line(qtbot, store, make_list):
    store.add(Profile("Tenant", "https://acme.robocorp.com", WS, "0123456789abcdef", api="v1"))
    store.add(Profile("Old", "https://api.eu1.robocloud.eu", WS, "proc-2"))
    profiles = make_list(store)
    assert index_of(profiles, "Tenant").data(Qt.ItemDataRole.UserRole + 2) == "API v1 · acme · process 0123456789abcdef"
    assert index_of(profiles, "Old").data(Qt.ItemDataRole.UserRole + 2) == "EU1 · process proc-2"
    profiles.filter_edit.setText("api v1")
    assert [profiles.proxy.index(r, 0).data() for r in range(profiles.proxy.rowCount())] == ["Tenant"]


def test_deleting_keeps_a_shared_key_and_takes_the_last_one(qtbot, keyring, store, make_list):
    first = store.add(v1("Invoices"), KEY)
    second = store.add(v1("Payroll", "proc-2"))
    profiles = make_list(store)

    for profile, words, left in (
            (first, "The workspace's API key stays in the keyring for the other profile of the workspace.",
             [(f"workspace-key:{V1_CLOUD}|{WS}", KEY)]),
            (second, "The workspace's API key is removed from the keyring too, as no other profile uses it.", [])):
        profiles.select_profile(profile.id)
        profiles.delete_profile()
        box = profiles.open_dialog
        assert isinstance(box, QMessageBox) and box.informativeText().startswith(words)
        with qtbot.waitSignal(profiles.profilesChanged, timeout=10000):
            qtbot.mouseClick(box.findChild(QAbstractButton, "confirmDelete"), Qt.MouseButton.LeftButton)
        assert entries(keyring) == left
    assert store.profiles() == [] and keyring.entries() == []
    assert SERVICE  # the keyring's service name, for the reader of entries()


def test_the_second_line_keeps_the_end_of_the_process_id_in_a_narrow_list(qtbot, store, make_list):
    # Processes of one workspace: their ids differ only at the end.
    store.add(Profile("Orders", "https://acme.robocorp.com", WS, "4a4126b6-d29b-4073-a6be-d18c51b0d220", api="v1"))
    store.add(Profile("Returns", "https://acme.robocorp.com", WS, "4a4126b6-d29b-4073-a6be-d18c51b07777", api="v1"))
    profiles = make_list(store)
    profiles.resize(200, 400)  # the side panel at its narrowest
    metrics = profiles.view.fontMetrics()
    width = profiles.view.viewport().width() - 60  # less the icon and the padding
    shown = [ProfileDelegate.second_line(metrics, index_of(profiles, name).data(SubtitleRole), width)
             for name in ("Orders", "Returns")]
    assert shown[0] != shown[1] and shown[0].endswith("d220") and shown[1].endswith("7777")
    assert "…" in shown[0] and shown[0].startswith("API v1")
    assert "4a4126b6-d29b-4073-a6be-d18c51b0d220" in index_of(profiles, "Orders").data(Qt.ItemDataRole.ToolTipRole)
