"""The profile list and its dialogs driven as a user would: real widgets, a real ProfileStore file and,
where a test asks for it, a real gnome-keyring on a private D-Bus session."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QMessageBox, QWidget

from robocloud_desktop.core.profiles import Profile, ProfileStore
from robocloud_desktop.core.regions import REGIONS
from robocloud_desktop.core.secrets import SERVICE, SecretState, SecretStore
from robocloud_desktop.ui.look import icon
from robocloud_desktop.ui.profiles.curl_import import CurlImportDialog
from robocloud_desktop.ui.profiles.dialog import QUERY_WARNING, ProfileDialog
from robocloud_desktop.ui.profiles.panel import ProfileList
from robocloud_desktop.ui.profiles.rows import ProfileDelegate, ProfileModel, ProfileView
from robocloud_desktop.ui.workers import Background

SECRET = "Zq8-process-SECRET-4c1b9e"
OTHER_SECRET = "Yw2-process-SECRET-77aa01"
WS = "c8a1f8b5-6b1e-4a8e-9d0f-5b2a1e0c3d44"
PID = "7f3e2d1c-0b9a-4876-8543-210fedcba987"
EU1 = REGIONS["eu1"]

# Control Room's example command (process-api.md), with real-looking ids and an https URL.
SNIPPET = f"""curl
--request POST
--header "robocloud-process-secret: {SECRET}"
--header "Content-Type: application/json"
--data "{{\\"workItemKey\\":\\"workItemValue\\"}}"
{EU1}/workspace-v1/workspaces/{WS}/processes/{PID}/runs
"""


@pytest.fixture
def background(qtbot) -> Iterator[Background]:
    background = Background()
    yield background
    # Every keyring read and save has reported back before the keyring fixture goes away.
    qtbot.waitUntil(lambda: background.busy == 0, timeout=10000)


@pytest.fixture
def store(app_home: Path) -> ProfileStore:
    return ProfileStore(app_home / "profiles.json", SecretStore())


@pytest.fixture
def make_list(qtbot, background: Background) -> Callable[[ProfileStore], ProfileList]:
    def make(store: ProfileStore) -> ProfileList:
        assert store.secrets is not None
        profiles = ProfileList(store, store.secrets, background)
        qtbot.addWidget(profiles)
        profiles.resize(300, 500)
        profiles.show()
        qtbot.waitExposed(profiles)
        # Nothing is "stored" or "missing" until the background read has answered.
        qtbot.waitUntil(lambda: background.busy == 0, timeout=10000)
        return profiles

    return make


def type_into(qtbot, field: QWidget, text: str) -> None:
    """Replace a line edit's text the way a user does: select all, then type."""
    field.setFocus()
    field.selectAll()
    qtbot.keyClick(field, Qt.Key.Key_Backspace)
    if text:
        qtbot.keyClicks(field, text)


def fill(qtbot, dialog: ProfileDialog, *, name: str | None = None, workspace: str | None = None,
         process: str | None = None, secret: str | None = None) -> None:
    for field, text in ((dialog.name_edit, name), (dialog.workspace_edit, workspace),
                        (dialog.process_edit, process), (dialog.secret_edit, secret)):
        if text is not None:
            type_into(qtbot, field, text)


def press_ok(qtbot, dialog: ProfileDialog | CurlImportDialog) -> None:
    assert dialog.ok_button.isEnabled(), dialog.findChildren(QLabel)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)


def index_of(profiles: ProfileList, name: str) -> QModelIndex:
    for row in range(profiles.proxy.rowCount()):
        index = profiles.proxy.index(row, 0)
        if index.data() == name:
            return index
    raise AssertionError(f"{name!r} is not shown")


def open_dialog_on(profiles: ProfileList, profile_id: str, open_it: Callable[[], None]) -> ProfileDialog:
    """Selects the profile, opens a dialog on it (edit or duplicate) and returns the dialog."""
    assert profiles.select_profile(profile_id)
    open_it()
    dialog = profiles.open_dialog
    assert isinstance(dialog, ProfileDialog)
    return dialog


def shown_names(profiles: ProfileList) -> list[str]:
    return [profiles.proxy.index(row, 0).data() for row in range(profiles.proxy.rowCount())]


def label_texts(dialog: QWidget) -> list[str]:
    texts = [dialog.windowTitle()]
    for widget in dialog.findChildren(QWidget):
        texts += [widget.toolTip(), widget.accessibleName(), widget.accessibleDescription()]
        if isinstance(widget, QLabel | QAbstractButton):
            texts.append(widget.text())
    return texts


def look(widget: QWidget, path: str) -> None:
    """Save what the user would see, after checking no wrapped text is cut off."""
    QApplication.processEvents()  # let pending layout requests run, as the event loop would before painting
    for label in widget.findChildren(QLabel):
        if label.isVisible() and label.wordWrap():
            assert label.height() >= label.heightForWidth(label.width()), f"{label.objectName()} is clipped"
    widget.grab().save(path)


class Keyring:
    """Reads the private keyring the way a second client would, but only while the app's background
    work is idle: gnome-keyring can abort when two clients open sessions at the same moment."""

    def __init__(self, qtbot, background: Background, service) -> None:
        self._qtbot, self._background, self._service = qtbot, background, service

    def _idle(self) -> None:
        self._qtbot.waitUntil(lambda: self._background.busy == 0, timeout=10000)

    def entries(self) -> list[tuple[str, str, str]]:
        """(label, profile id, secret) of each entry the app stored."""
        self._idle()
        return [(label, attributes["username"], secret) for label, attributes, secret in self._service.items(SERVICE)]

    def get(self, profile_id: str, name: str) -> str:
        self._idle()
        return SecretStore().get(profile_id, name)


@pytest.fixture
def keyring(qtbot, background: Background, secret_service) -> Keyring:
    return Keyring(qtbot, background, secret_service)


# --- adding -------------------------------------------------------------------------------------


def test_add_profile_puts_secret_in_the_real_keyring(qtbot, keyring, store, make_list, secret_guard):
    secret_guard.add(SECRET)
    profiles = make_list(store)
    profiles.add_profile()
    dialog = profiles.open_dialog
    assert isinstance(dialog, ProfileDialog) and dialog.isVisible()
    assert dialog.secret_hint.text() == "Stored in the Secret Service (GNOME Keyring / KWallet)"
    assert not dialog.ok_button.isEnabled()

    fill(qtbot, dialog, name="Invoices nightly", workspace=WS, process=PID, secret=SECRET)
    with qtbot.waitSignal(profiles.currentProfileChanged, timeout=10000) as changed:
        press_ok(qtbot, dialog)

    profile = store.get("Invoices nightly")
    assert changed.args == [profile]
    assert (profile.base_url, profile.workspace_id, profile.process_id) == (EU1, WS, PID)
    assert not profile.secret_in_query
    assert keyring.entries() == [
        ("Control Room process secret for Invoices nightly (robocloud-desktop)", profile.id, SECRET)]
    assert SECRET not in store.path.read_text()

    qtbot.waitUntil(lambda: profiles.secret_state(profile.id) is SecretState.STORED, timeout=10000)
    index = index_of(profiles, "Invoices nightly")
    assert index.data(Qt.ItemDataRole.DecorationRole).cacheKey() == icon("key").cacheKey()
    assert index.data(Qt.ItemDataRole.ToolTipRole).endswith(
        "Secret stored in the Secret Service (GNOME Keyring / KWallet)")
    assert profiles.current_profile() == profile
    assert profiles.open_dialog is None


def test_without_a_keyring_adding_with_a_secret_says_so_and_saves_nothing(qtbot, store, make_list, secret_guard):
    secret_guard.add(SECRET)
    profiles = make_list(store)
    profiles.add_profile()
    dialog = profiles.open_dialog
    assert isinstance(dialog, ProfileDialog)
    assert dialog.secret_hint.text().startswith("No keyring is available")
    fill(qtbot, dialog, name="Payroll", workspace=WS, process=PID, secret=SECRET)

    with qtbot.waitSignal(profiles.problem, timeout=10000) as problem:
        press_ok(qtbot, dialog)

    assert problem.args[0].startswith("No keyring is available to keep the secret safe.")
    assert "ROBOCLOUD_PROCESS_SECRET_PAYROLL" in problem.args[0]
    assert store.profiles() == []
    assert not store.path.exists()
    assert shown_names(profiles) == []


def test_a_profile_without_a_keyring_is_listed_as_such(qtbot, store, make_list):
    store.add(Profile("Payroll", EU1, WS, PID))  # no secret: nothing needs a keyring
    profiles = make_list(store)
    profile = store.get("Payroll")
    qtbot.waitUntil(lambda: profiles.secret_state(profile.id) is SecretState.UNAVAILABLE)
    index = index_of(profiles, "Payroll")
    assert index.data(Qt.ItemDataRole.DecorationRole).cacheKey() == icon("key-missing").cacheKey()
    assert "No keyring available" in index.data(Qt.ItemDataRole.ToolTipRole)
    assert "ROBOCLOUD_PROCESS_SECRET_PAYROLL" in index.data(Qt.ItemDataRole.ToolTipRole)


def test_an_empty_list_says_how_to_start(qtbot, store, make_list):
    profiles = make_list(store)
    assert profiles.view.empty_text.startswith("No profiles yet.")
    assert profiles.current_profile() is None
    assert [profiles.findChild(QAbstractButton, n).isEnabled()
            for n in ("addProfile", "importCurl", "editProfile", "duplicateProfile", "deleteProfile")] == [
        True, True, False, False, False]
    look(profiles, "/tmp/profile_list_empty.png")


# --- validation ---------------------------------------------------------------------------------


def test_dialog_checks_fields_as_the_user_types(qtbot, store):
    store.add(Profile("Payroll", EU1, WS, PID))
    dialog = ProfileDialog(store, SecretStore(), backend_name="the test keyring")
    qtbot.addWidget(dialog)
    dialog.show()
    problems = dialog.problem_labels

    # Nothing typed yet: no red text, but OK stays off.
    assert not any(label.isVisible() for label in problems.values())
    assert not dialog.ok_button.isEnabled()

    qtbot.keyClicks(dialog.name_edit, "X")
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Backspace)
    assert problems[dialog.name_edit].isVisible()
    assert problems[dialog.name_edit].text() == "The profile needs a name."
    assert dialog.name_edit.accessibleDescription() == "The profile needs a name."

    qtbot.keyClicks(dialog.name_edit, "  PAYROLL ")
    assert problems[dialog.name_edit].text() == "A profile named 'PAYROLL' already exists. Pick another name."

    fill(qtbot, dialog, name="Payroll EU", workspace=WS, process=PID)
    assert not problems[dialog.name_edit].isVisible()
    assert dialog.ok_button.isEnabled()

    dialog.region_combo.setCurrentIndex(dialog.region_combo.count() - 1)
    assert dialog.region_combo.currentText() == "Custom URL…"
    assert dialog.url_edit.isEnabled()
    type_into(qtbot, dialog.url_edit, "http://control.example.com")
    assert problems[dialog.url_edit].text().startswith("Refusing plain http to control.example.com")
    assert not dialog.ok_button.isEnabled()
    type_into(qtbot, dialog.url_edit, "https://control.example.com/")
    assert not problems[dialog.url_edit].isVisible()

    type_into(qtbot, dialog.workspace_edit, "   ")
    assert problems[dialog.workspace_edit].text().startswith("The workspace id is empty.")
    assert not dialog.ok_button.isEnabled()
    type_into(qtbot, dialog.workspace_edit, WS)

    assert not dialog.query_warning.isVisible()
    dialog.mode_combo.setCurrentIndex(dialog.mode_combo.findText("Query string"))
    assert dialog.query_warning.isVisible()
    assert dialog.query_warning.text() == (
        "The secret will be part of the URL, where proxies and servers may log it. "
        "Use only if the target requires it.")

    assert dialog.ok_button.isEnabled()
    result = dialog.result_profile()
    assert (result.name, result.base_url, result.secret_in_query) == ("Payroll EU", "https://control.example.com", True)
    assert result.id != store.get("Payroll").id
    assert dialog.entered_secret() is None


def test_secret_can_be_shown_while_typing(qtbot, store):
    dialog = ProfileDialog(store, SecretStore(), backend_name="the test keyring")
    qtbot.addWidget(dialog)
    dialog.show()
    show = dialog.findChild(QAbstractButton, "showSecret")
    assert dialog.secret_edit.echoMode() == dialog.secret_edit.EchoMode.Password
    qtbot.mouseClick(show, Qt.MouseButton.LeftButton)
    assert dialog.secret_edit.echoMode() == dialog.secret_edit.EchoMode.Normal
    assert (show.text(), show.accessibleName()) == ("Hide", "Hide secret")


def test_every_control_has_a_name_for_screen_readers(qtbot, store):
    dialog = ProfileDialog(store, SecretStore(), backend_name="the test keyring")
    qtbot.addWidget(dialog)
    for name in ("profileName", "profileRegion", "profileBaseUrl", "profileWorkspace", "profileProcess",
                 "profileSecret", "profileSecretMode", "profileNotes", "showSecret"):
        widget = dialog.findChild(QWidget, name)
        assert widget is not None and widget.accessibleName(), name
    assert all(button.accessibleName() for button in dialog.findChildren(QAbstractButton))


def test_renders_the_dialogs_for_a_look(qtbot, store):
    store.add(Profile("Payroll", EU1, WS, PID))
    add = ProfileDialog(store, SecretStore(), backend_name="the Secret Service (GNOME Keyring / KWallet)")
    qtbot.addWidget(add)
    add.show()
    qtbot.waitExposed(add)
    assert 480 <= add.width() <= 600
    look(add, "/tmp/profile_dialog_add.png")

    profile = store.get("Payroll")
    edit = ProfileDialog(store, SecretStore(), profile, secret_state=SecretState.STORED,
                         backend_name="the Secret Service (GNOME Keyring / KWallet)")
    qtbot.addWidget(edit)
    edit.show()
    qtbot.waitExposed(edit)
    assert edit.secret_edit.placeholderText() == "•••••• stored — leave empty to keep"
    edit.mode_combo.setCurrentIndex(1)
    edit.region_combo.setCurrentIndex(edit.region_combo.count() - 1)
    type_into(qtbot, edit.url_edit, "http://control.example.com")
    qtbot.waitUntil(lambda: edit.query_warning.isVisible() and edit.problem_labels[edit.url_edit].isVisible())
    look(edit, "/tmp/profile_dialog_edit.png")
    # The dialog grew to show the warning and the problem; nothing was squeezed below its size hint.
    assert edit.height() >= edit.layout().minimumSize().height()


# --- editing, duplicating, deleting -------------------------------------------------------------


@pytest.fixture
def invoices(secret_service, store: ProfileStore) -> Profile:
    return store.add(Profile("Invoices", EU1, WS, PID, payload='{"invoice": 7}'), SECRET)


def test_edit_with_empty_secret_keeps_it_and_rename_keeps_it(qtbot, invoices, store, make_list, keyring,
                                                              secret_guard):
    secret_guard.add(SECRET)
    profiles = make_list(store)
    qtbot.waitUntil(lambda: profiles.secret_state(invoices.id) is SecretState.STORED)
    dialog = open_dialog_on(profiles, invoices.id, profiles.edit_profile)
    assert dialog.secret_edit.placeholderText() == "•••••• stored — leave empty to keep"
    assert dialog.ok_button.text() == "Save"

    fill(qtbot, dialog, name="Invoices EU")
    with qtbot.waitSignal(profiles.profilesChanged, timeout=10000):
        press_ok(qtbot, dialog)

    renamed = store.by_id(invoices.id)
    assert renamed is not None and renamed.name == "Invoices EU"
    assert renamed.payload == '{"invoice": 7}'
    assert keyring.get(invoices.id, "Invoices EU") == SECRET
    # The keyring entry's label follows the new name (read by id, so the secret was never at risk).
    assert keyring.entries() == [
        ("Control Room process secret for Invoices EU (robocloud-desktop)", invoices.id, SECRET)]
    assert profiles.current_profile() == renamed


def test_edit_with_a_new_secret_replaces_it(qtbot, invoices, store, make_list, keyring, secret_guard):
    secret_guard.add(SECRET)
    secret_guard.add(OTHER_SECRET)
    profiles = make_list(store)
    dialog = open_dialog_on(profiles, invoices.id, profiles.edit_profile)
    fill(qtbot, dialog, secret=OTHER_SECRET)
    press_ok(qtbot, dialog)
    assert [e[2] for e in keyring.entries()] == [OTHER_SECRET]
    assert store.by_id(invoices.id) == invoices


def test_storing_a_missing_secret_tells_the_window(qtbot, keyring, store, make_list, secret_guard):
    secret_guard.add(SECRET)
    payroll = store.add(Profile("Payroll", EU1, WS, PID))
    profiles = make_list(store)
    assert profiles.secret_state(payroll.id) is SecretState.MISSING
    dialog = open_dialog_on(profiles, payroll.id, profiles.edit_profile)
    assert dialog.secret_edit.placeholderText() == "No secret stored — paste the one Control Room generated"
    fill(qtbot, dialog, secret=SECRET)
    # Only the secret changed; the window still hears of it, since a trigger needs one.
    with qtbot.waitSignal(profiles.profilesChanged, timeout=10000):
        press_ok(qtbot, dialog)
    assert profiles.secret_state(payroll.id) is SecretState.STORED
    assert keyring.get(payroll.id, "Payroll") == SECRET


def test_duplicate_gets_a_new_id_and_a_copy_of_the_secret(qtbot, invoices, store, make_list, keyring,
                                                          secret_guard):
    secret_guard.add(SECRET)
    profiles = make_list(store)
    dialog = open_dialog_on(profiles, invoices.id, profiles.duplicate_profile)
    assert dialog.name_edit.text() == "Invoices (copy)"
    assert dialog.secret_edit.placeholderText() == "Leave empty to use the secret of “Invoices”"
    with qtbot.waitSignal(profiles.profilesChanged, timeout=10000):
        press_ok(qtbot, dialog)

    copy = store.get("Invoices (copy)")
    assert copy.id != invoices.id and copy.payload == invoices.payload
    assert sorted(e[1] for e in keyring.entries()) == sorted([invoices.id, copy.id])
    assert keyring.get(copy.id, copy.name) == SECRET


def test_delete_asks_first_then_removes_profile_and_keyring_entry(qtbot, invoices, store, make_list, keyring):
    profiles = make_list(store)
    profiles.select_profile(invoices.id)

    profiles.delete_profile()
    box = profiles.open_dialog
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert box.text() == "Delete the profile “Invoices”?"
    assert "removed from the keyring too" in box.informativeText()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: profiles.open_dialog is None)
    assert store.find("Invoices") is not None

    profiles.delete_profile()
    box = profiles.open_dialog
    assert isinstance(box, QMessageBox)
    with qtbot.waitSignal(profiles.currentProfileChanged, timeout=10000) as changed:
        qtbot.mouseClick(box.findChild(QAbstractButton, "confirmDelete"), Qt.MouseButton.LeftButton)
    assert changed.args == [None]
    assert store.profiles() == []
    assert ProfileStore(store.path).profiles() == []
    assert keyring.entries() == []
    assert shown_names(profiles) == []


def test_keys_and_double_click_open_the_right_dialogs(qtbot, invoices, store, make_list):
    profiles = make_list(store)
    profiles.select_profile(invoices.id)
    profiles.activateWindow()
    qtbot.waitActive(profiles)
    profiles.view.setFocus()

    for key in (Qt.Key.Key_Return, Qt.Key.Key_F2):
        qtbot.keyClick(profiles.view, key)
        assert isinstance(profiles.open_dialog, ProfileDialog), key
        profiles.open_dialog.reject()
        qtbot.waitUntil(lambda: profiles.open_dialog is None)
        profiles.view.setFocus()

    qtbot.keyClick(profiles.view, Qt.Key.Key_Delete)
    assert isinstance(profiles.open_dialog, QMessageBox)
    profiles.open_dialog.reject()
    qtbot.waitUntil(lambda: profiles.open_dialog is None)

    rect = profiles.view.visualRect(index_of(profiles, "Invoices"))
    # A real double-click starts with a press; QTest's double-click event alone has no pressed row.
    qtbot.mousePress(profiles.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(profiles.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert isinstance(profiles.open_dialog, ProfileDialog)
    profiles.open_dialog.reject()


# --- importing from curl ------------------------------------------------------------------------


def test_import_from_curl_saves_profile_payload_and_secret(qtbot, keyring, store, make_list, secret_guard):
    secret_guard.add(SECRET)
    profiles = make_list(store)
    profiles.import_from_curl()
    dialog = profiles.open_dialog
    assert isinstance(dialog, CurlImportDialog)
    dialog.resize(600, dialog.height())
    assert not dialog.ok_button.isEnabled()

    qtbot.keyClicks(dialog.name_edit, "Invoices")
    QGuiApplication.clipboard().setText(SNIPPET)
    dialog.command_edit.setFocus()
    qtbot.keyClick(dialog.command_edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)  # paste
    assert dialog.command_edit.toPlainText() == SNIPPET
    qtbot.waitUntil(lambda: not dialog.reading, timeout=10000)  # read off the GUI thread

    assert dialog.result_label.text() == (
        f"Found process {PID} in workspace {WS} on {EU1} · secret in header · payload 31 bytes")
    assert not dialog.query_warning.isVisible()
    assert all(SECRET not in text for text in label_texts(dialog))
    look(dialog, "/tmp/curl_import.png")

    with qtbot.waitSignal(profiles.profilesChanged, timeout=10000):  # after the profile and its secret
        press_ok(qtbot, dialog)
    profile = store.get("Invoices")
    assert (profile.base_url, profile.workspace_id, profile.process_id) == (EU1, WS, PID)
    assert profile.payload == '{"workItemKey":"workItemValue"}'
    assert [(e[1], e[2]) for e in keyring.entries()] == [(profile.id, SECRET)]
    qtbot.waitUntil(lambda: profiles.secret_state(profile.id) is SecretState.STORED, timeout=10000)


def test_curl_dialog_shows_core_errors_and_never_the_secret(qtbot, store):
    store.add(Profile("Invoices", EU1, WS, PID))
    dialog = CurlImportDialog(store)
    qtbot.addWidget(dialog)
    dialog.show()

    qtbot.keyClicks(dialog.name_edit, "invoices")
    dialog.command_edit.setPlainText(SNIPPET.replace(EU1, "http://control.example.com"))
    qtbot.waitUntil(lambda: not dialog.reading, timeout=10000)  # read off the GUI thread
    assert dialog.result_label.text().startswith("Refusing plain http to control.example.com")
    assert not dialog.ok_button.isEnabled()

    dialog.command_edit.setPlainText(SNIPPET.replace(WS, "<WORKSPACE_ID>"))
    qtbot.waitUntil(lambda: not dialog.reading, timeout=10000)
    assert "placeholder instead of the workspace id" in dialog.result_label.text()

    query = SNIPPET.replace(f'--header "robocloud-process-secret: {SECRET}"\n', "").replace(
        "/runs", f"/runs?robocloud-process-secret={SECRET}")
    dialog.command_edit.setPlainText(query)
    qtbot.waitUntil(lambda: not dialog.reading, timeout=10000)
    assert "secret in query string" in dialog.result_label.text()
    assert dialog.query_warning.isVisible() and dialog.query_warning.text() == QUERY_WARNING
    # Parsed, but the name is taken (case-insensitively): the name says why Import is off.
    assert dialog.name_problem.text() == "A profile named 'invoices' already exists. Pick another name."
    assert not dialog.ok_button.isEnabled()
    type_into(qtbot, dialog.name_edit, "Invoices (query)")
    assert dialog.ok_button.isEnabled()
    profile, secret = dialog.result()
    assert profile.secret_in_query and secret == SECRET
    assert all(SECRET not in text for text in label_texts(dialog))


# --- filtering and looks ------------------------------------------------------------------------

EIGHT = [
    ("Invoices nightly", "eu1", "Runs after the ERP export"),
    ("Payroll", "eu2", ""),
    ("Purchase orders", "us1", "Finance team"),
    ("Customer onboarding", "eu1-robocorp", ""),
    ("Nightly reports", "eu1", "Secret comes from CI"),
    ("Stock levels", "us1", ""),
    ("Supplier invoices (a long name that will not fit the list)", "eu1", ""),
    ("Local emulator", None, "Demo mode"),
]


@pytest.fixture
def eight(app_home: Path, secret_service) -> ProfileStore:
    # The environment override is read-only: the list must say the secret comes from it.
    secrets = SecretStore(environ={"ROBOCLOUD_PROCESS_SECRET_NIGHTLY_REPORTS": "from-ci"})
    store = ProfileStore(app_home / "profiles.json", secrets)
    for n, (name, region, notes) in enumerate(EIGHT):
        base = REGIONS[region] if region else "http://127.0.0.1:8765"
        secret = SECRET if n % 3 != 1 else None
        store.add(Profile(name, base, f"ws-{n:02d}-{WS[6:]}", f"{n}{PID[1:]}", notes=notes), secret)
    return store


def test_filter_box_filters_on_name_ids_region_and_notes(qtbot, eight, make_list):
    profiles = make_list(eight)
    assert len(shown_names(profiles)) == 8
    box = profiles.findChild(QWidget, "profileFilter")
    assert box.placeholderText() == "Filter profiles" and box.isClearButtonEnabled()

    qtbot.keyClicks(box, "INVOICES")
    assert shown_names(profiles) == ["Invoices nightly", "Supplier invoices (a long name that will not fit the list)"]
    type_into(qtbot, box, "us1")
    assert shown_names(profiles) == ["Purchase orders", "Stock levels"]
    type_into(qtbot, box, "finance team")
    assert shown_names(profiles) == ["Purchase orders"]
    type_into(qtbot, box, "ws-05")
    assert shown_names(profiles) == ["Stock levels"]
    type_into(qtbot, box, "2" + PID[1:13])
    assert shown_names(profiles) == ["Purchase orders"]
    type_into(qtbot, box, "no such thing")
    assert shown_names(profiles) == []
    assert profiles.view.empty_text == "No profile matches “no such thing”."
    type_into(qtbot, box, "")
    assert len(shown_names(profiles)) == 8


def test_filter_keeps_the_profile_picked_and_highlights_no_other(qtbot, eight, make_list):
    profiles = make_list(eight)
    payroll = eight.get("Payroll").id
    profiles.select_profile(payroll)
    qtbot.keyClicks(profiles.findChild(QWidget, "profileFilter"), "us1")
    # Typing is no choice: the profile picked stays, and no row it does not show is highlighted,
    # so Edit and Delete act on nothing unseen.
    assert profiles.current_profile().id == payroll
    assert profiles.highlighted_profile() is None and not profiles.view.selectionModel().hasSelection()
    assert not profiles.edit_action.isEnabled() and not profiles.delete_action.isEnabled()
    type_into(qtbot, profiles.filter_edit, "pay")  # shown again: highlighted again
    assert profiles.highlighted_profile().id == payroll
    assert profiles.view.selectionModel().isSelected(profiles.view.currentIndex())
    type_into(qtbot, profiles.filter_edit, "us1")
    # Selecting a profile the filter hides clears the filter rather than select something unseen.
    assert profiles.select_profile(payroll)
    assert profiles.filter_edit.text() == ""


def icon_colours(profiles: ProfileList, name: str) -> set[tuple[int, int, int]]:
    """The colours drawn in the key icon's square of the row `name`, background left out."""
    view = profiles.view
    row = view.visualRect(index_of(profiles, name))
    pad, size = ProfileDelegate.PAD_Y, ProfileDelegate.ICON
    area = row.adjusted(ProfileDelegate.PAD_X, pad, -ProfileDelegate.PAD_X, -pad)
    image = view.viewport().grab().toImage()
    background = image.pixel(row.right() - 2, row.top() + 2)
    top = area.top() + (area.height() - size) // 2
    colours = {image.pixel(x, y) for x in range(area.left(), area.left() + size) for y in range(top, top + size)}
    return {(c >> 16 & 255, c >> 8 & 255, c & 255) for c in colours if c != background}


def test_the_key_stays_readable_on_the_selected_row(qtbot, eight, make_list):
    profiles = make_list(eight)
    qtbot.waitUntil(lambda: all(profiles.secret_state(eight.get(name).id) is SecretState.STORED
                               for name in ("Invoices nightly", "Purchase orders")))
    profiles.select_profile(eight.get("Invoices nightly").id)
    profiles.view.setFocus()
    palette = profiles.view.palette()
    text = palette.color(QPalette.ColorRole.HighlightedText)
    # Unselected, the key has its own green; selected, it is drawn in the selection's text colour,
    # which reads on the selection's blue where the green does not.
    unselected = icon_colours(profiles, "Purchase orders")
    assert any(g > r + 40 and g > b + 20 for r, g, b in unselected), unselected
    selected = icon_colours(profiles, "Invoices nightly")
    assert selected and not any(g > r + 40 and g > b + 20 for r, g, b in selected), selected
    assert (text.red(), text.green(), text.blue()) in selected


def test_a_selected_row_draws_cleanly_before_its_secret_state_is_known(qtbot, qtlog):
    model = ProfileModel()
    model.set_profiles([Profile("Payroll", EU1, WS, PID)])  # no state yet: the keyring is still being read
    view = ProfileView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.setItemDelegate(ProfileDelegate(view))
    view.show()
    qtbot.waitExposed(view)
    view.setCurrentIndex(model.index(0))
    assert view.selectionModel().isSelected(model.index(0))
    view.viewport().grab()
    assert not [r.message for r in qtlog.records if "QPainter" in r.message]


def test_renders_the_list_for_a_look(qtbot, eight, make_list):
    profiles = make_list(eight)
    states = {p.name: profiles.secret_state(p.id) for p in eight.profiles()}
    assert states["Nightly reports"] is SecretState.FROM_ENVIRONMENT
    assert states["Payroll"] is SecretState.MISSING
    assert states["Invoices nightly"] is SecretState.STORED
    assert index_of(profiles, "Nightly reports").data(Qt.ItemDataRole.ToolTipRole).endswith(
        "Secret from ROBOCLOUD_PROCESS_SECRET_NIGHTLY_REPORTS")
    assert index_of(profiles, "Payroll").data(Qt.ItemDataRole.ToolTipRole).endswith(
        "No secret stored — edit the profile to add one")
    profiles.select_profile(eight.get("Payroll").id)
    for name in ("addProfile", "editProfile", "duplicateProfile", "deleteProfile", "importCurl"):
        button = profiles.findChild(QAbstractButton, name)
        assert button is not None and button.isVisible() and button.accessibleName() and button.toolTip(), name
        assert button.width() >= button.sizeHint().width(), f"{name} is clipped"
    assert profiles.view.accessibleName() == "Profiles"
    assert profiles.size().width() == 300
    look(profiles, "/tmp/profile_list.png")


# --- names, removal and files the window keeps --------------------------------------------------


def test_dialog_refuses_names_sharing_a_variable_or_hiding_characters(qtbot, store):
    store.add(Profile("Invoices EU", EU1, WS, PID))
    dialog = ProfileDialog(store, SecretStore(), backend_name="the test keyring")
    qtbot.addWidget(dialog)
    dialog.show()
    fill(qtbot, dialog, name="invoices-eu", workspace=WS, process=PID)
    problem = dialog.problem_labels[dialog.name_edit]
    assert problem.isVisible() and problem.text() == (
        "The name 'invoices-eu' would share the environment variable ROBOCLOUD_PROCESS_SECRET_INVOICES_EU with "
        "the profile 'Invoices EU'. Pick a name that differs from it in its letters A-Z or digits.")
    assert not dialog.ok_button.isEnabled()
    look(dialog, "/tmp/profile_dialog_clash.png")
    paste_into(qtbot, dialog.name_edit, "Invoices\u200bUS")
    assert "invisible or control character (U+200B ZERO WIDTH SPACE)" in problem.text()
    assert not dialog.ok_button.isEnabled()
    paste_into(qtbot, dialog.name_edit, "請求書")
    assert not problem.isVisible() and dialog.ok_button.isEnabled()


def paste_into(qtbot, field: QWidget, text: str) -> None:
    """Replace a line edit's text with `text` pasted from the clipboard (QTest types ASCII only)."""
    QGuiApplication.clipboard().setText(text)
    field.setFocus()
    field.selectAll()
    qtbot.keyClick(field, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert field.text() == text


def test_duplicate_suggests_a_name_with_its_own_variable(qtbot, store, make_list, secret_service):
    original = store.add(Profile("Invoices", EU1, WS, PID))
    store.add(Profile("invoices-copy", EU1, WS, PID))
    profiles = make_list(store)
    dialog = open_dialog_on(profiles, original.id, profiles.duplicate_profile)
    assert dialog.name_edit.text() == "Invoices (copy 2)"
    assert dialog.ok_button.isEnabled()
    dialog.reject()


def confirm_delete(qtbot, profiles: ProfileList, profile_id: str) -> None:
    profiles.select_profile(profile_id)
    profiles.delete_profile()
    box = profiles.open_dialog
    assert isinstance(box, QMessageBox)
    qtbot.mouseClick(box.findChild(QAbstractButton, "confirmDelete"), Qt.MouseButton.LeftButton)


def test_delete_with_a_locked_keyring_says_so_and_keeps_the_profile(qtbot, invoices, store, make_list, keyring,
                                                                    secret_service):
    profiles = make_list(store)
    with secret_service.locked():
        with qtbot.waitSignal(profiles.problem, timeout=10000) as said:
            confirm_delete(qtbot, profiles, invoices.id)
        qtbot.waitUntil(lambda: profiles.open_dialog is None)
    [message] = said.args
    assert "The keyring is locked. Unlock it" in message and "“Invoices”" not in message
    assert "'Invoices' was not removed" in message
    assert shown_names(profiles) == ["Invoices"] and ProfileStore(store.path).profiles() == [invoices]
    assert [e[1] for e in keyring.entries()] == [invoices.id]


def test_delete_without_a_keyring_says_the_secret_goes_later_and_a_start_with_one_deletes_it(
        qtbot, background, app_home, make_list, secret_service, monkeypatch):
    from robocloud_desktop.core.secrets import redetect_backend

    path = app_home / "profiles.json"
    invoices = ProfileStore(path, SecretStore()).add(Profile("Invoices", EU1, WS, PID), SECRET)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/no-keyring-here")
    redetect_backend()
    profiles = make_list(ProfileStore(path, SecretStore()))
    with qtbot.waitSignal(profiles.problem, timeout=10000) as said:
        confirm_delete(qtbot, profiles, invoices.id)
    assert said.args == ["The profile “Invoices” was deleted. No keyring is available, so its secret (if it had "
                         "one) could not be deleted; that happens by itself once a keyring is there."]
    assert shown_names(profiles) == [] and ProfileStore(path).profiles() == []
    qtbot.waitUntil(lambda: background.busy == 0, timeout=10000)

    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", secret_service.address)
    redetect_backend()
    assert [item[2] for item in secret_service.items(SERVICE)] == [SECRET]
    make_list(ProfileStore(path, SecretStore()))  # the window starts again, with a keyring this time
    qtbot.waitUntil(lambda: ProfileStore(path).secrets_to_delete() == [], timeout=10000)
    qtbot.waitUntil(lambda: background.busy == 0, timeout=10000)
    assert secret_service.items(SERVICE) == []


def test_saving_in_a_read_only_folder_shows_why_in_the_list(qtbot, app_home, make_list, background):
    from robocloud_desktop.ui.payload.saving import PayloadSaver
    from tests.support.mounts import read_only

    folder = app_home / "config"
    folder.mkdir()
    store = ProfileStore(folder / "profiles.json", SecretStore())
    payroll = store.add(Profile("Payroll", EU1, WS, PID))
    before = store.path.read_bytes()
    with read_only(folder):
        profiles = make_list(store)
        dialog = open_dialog_on(profiles, payroll.id, profiles.edit_profile)
        fill(qtbot, dialog, name="Payroll EU")
        with qtbot.waitSignal(profiles.problem, timeout=10000) as said:
            press_ok(qtbot, dialog)
        profiles.delete_profile()
        with qtbot.waitSignal(profiles.problem, timeout=10000) as said_again:
            qtbot.mouseClick(profiles.open_dialog.findChild(QAbstractButton, "confirmDelete"),
                             Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: profiles.open_dialog is None)
        profiles.add_profile()
        fill(qtbot, profiles.open_dialog, name="Invoices", workspace=WS, process=PID)
        with qtbot.waitSignal(profiles.problem, timeout=10000) as said_on_add:
            press_ok(qtbot, profiles.open_dialog)
        # The payload typed in the editor, saved as the user types.
        saver = PayloadSaver(store, background, lambda: (payroll, '{"typed": 1}'))
        with qtbot.waitSignal(saver.failed, timeout=10000) as payload_failed:
            saver.keep()
    for message in (said.args[0], said_again.args[0], said_on_add.args[0], payload_failed.args[0]):
        assert message.startswith(f"The profiles could not be saved in {folder} (read-only file system).")
    assert store.path.read_bytes() == before and shown_names(profiles) == ["Payroll"]


def test_window_settings_are_private(qtbot, app_home):
    import os
    import stat

    from robocloud_desktop.core.paths import app_paths
    from robocloud_desktop.ui.app import window_settings

    paths = app_paths(app_home)
    settings = window_settings(paths)
    settings.setValue("keepPayloads", False)
    settings.sync()
    ini = paths.config_dir / "window.ini"
    assert settings.status() == settings.Status.NoError and "keepPayloads=false" in ini.read_text()
    assert stat.S_IMODE(os.stat(ini).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(paths.config_dir).st_mode) == 0o700
    ini.chmod(0o644)  # left so by an older version: tightened when the window next opens
    window_settings(paths).setValue("geometry", "x")
    assert stat.S_IMODE(os.stat(ini).st_mode) == 0o600


@pytest.mark.parametrize("kind", ["fifo", "huge"])
def test_window_settings_that_are_no_settings_file_are_kept_aside(app_home, kind):
    import os
    import subprocess
    import sys

    from robocloud_desktop.core.paths import app_paths

    paths = app_paths(app_home)
    paths.config_dir.mkdir()
    ini = paths.config_dir / "window.ini"
    if kind == "fifo":
        os.mkfifo(ini, 0o600)
    else:
        ini.write_bytes(b"[General]\n" + b"; filler\n" * 200_000)
    # In a process of its own: Qt reads the file whole, and a named pipe would keep it waiting for good.
    opening = ("from robocloud_desktop.core.paths import app_paths; from robocloud_desktop.ui.app import "
               f"window_settings; print(window_settings(app_paths({str(app_home)!r})).value('keepPayloads'))")
    try:
        done = subprocess.run([sys.executable, "-c", opening], capture_output=True, text=True, timeout=30,
                              env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    except subprocess.TimeoutExpired:
        pytest.fail("the window's settings hung on a named pipe")
    assert done.returncode == 0 and done.stdout == "None\n", done.stderr
    [kept] = [p for p in paths.config_dir.iterdir() if p.name.startswith("window.ini.unreadable-")]
    assert kept.exists() and ini.is_file() and ini.stat().st_size == 0
