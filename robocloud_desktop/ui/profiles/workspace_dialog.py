"""Add profiles from a workspace: list its processes by name (Control Room API v1) and pick them.

The list is asked for off the GUI thread, on the app's Background pool; what goes wrong (a key that
is wrong or lacks a permission, no network) is said in the dialog, in the client's words. The
dialog hands back what was chosen; the caller adds the profiles in one step.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, NamedTuple

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from robocloud_desktop.core.errors import ProcessApiError
from robocloud_desktop.core.profiles import API_V1, ProfileStore
from robocloud_desktop.core.secrets import SecretStore, SecretStoreError
from robocloud_desktop.core.visible import visible
from robocloud_desktop.core.workspace_profiles import plan_profiles
from robocloud_desktop.core.workspaces import V1_CLOUD, v1_base_url
from robocloud_desktop.ui.empty_text import ShowsEmptyText
from robocloud_desktop.ui.profiles.dialog import (
    FOLLOW_OTHERS,
    NO_KEYRING,
    field_problem,
    fit_height,
    form_label,
    hint_label,
    problem_label,
    show_problem,
    stacked,
)
from robocloud_desktop.ui.workers import Background

if TYPE_CHECKING:
    from robocloud_desktop.core.api_results import ProcessInfo

log = logging.getLogger(__name__)

INTRO = ("Control Room lists the workspace's processes by name; choose the ones to add. Each gets a profile "
         "named after it, and all of them share the workspace's API key.")
PERMISSIONS = ("The key needs the permission to read processes to list them, and to trigger processes and read "
               "runs to use the profiles.")
NO_KEY = ("No API key is stored for this workspace. Paste one of its API keys (Control Room: Workspace → API keys), "
          "then list the processes again.")
LIST_FIRST = "List the workspace's processes to choose from them."
NONE_YET = "The workspace has no processes yet."


class WorkspaceChoice(NamedTuple):
    """What the dialog hands back: the workspace, the processes chosen, and the key to store with
    their profiles (None: the key already stored for the workspace stays)."""

    base_url: str
    workspace_id: str
    key: str | None
    processes: list[ProcessInfo]
    follow_others: bool


class _Listed(NamedTuple):
    generation: int
    base_url: str
    workspace_id: str
    processes: list[ProcessInfo]


class ProcessList(ShowsEmptyText, QListWidget):
    """The workspace's processes, checkable; while there are none, it says why."""


class WorkspaceDialog(QDialog):
    def __init__(self, store: ProfileStore, secrets: SecretStore, background: Background,
                 parent: QWidget | None = None, *, backend_name: str | None = None) -> None:
        super().__init__(parent)
        self._store, self._secrets, self._background = store, secrets, background
        self._backend_name = backend_name if backend_name is not None else secrets.backend_name()
        self._generation = 0  # answers to an older listing (the fields changed since) are dropped
        self._listed: _Listed | None = None
        self._touched: set[QWidget] = set()
        self.setWindowTitle("Add profiles from a workspace")
        self._build()
        self._connect()
        self._fields_changed()
        self._forget_listing()
        self.resize(560, 600)
        fit_height(self)
        self.workspace_edit.setFocus()  # the base URL is usually right as it is

    # --- building -----------------------------------------------------------------------------

    def _build(self) -> None:
        intro = QLabel(INTRO)
        intro.setObjectName("workspaceIntro")
        intro.setWordWrap(True)

        self.url_edit = QLineEdit(V1_CLOUD)
        self.url_edit.setObjectName("workspaceBaseUrl")
        self.url_edit.setAccessibleName("Control Room API root")
        self.url_edit.setToolTip("https://cloud.robocorp.com/api/v1, or your single-sign-on tenant's "
                                 "https://<subdomain>.robocorp.com/api/v1")
        self.workspace_edit = QLineEdit()
        self.workspace_edit.setObjectName("workspaceId")
        self.workspace_edit.setAccessibleName("Workspace ID")
        self.workspace_edit.setPlaceholderText("From the workspace's address in Control Room")
        self.key_edit = QLineEdit()
        self.key_edit.setObjectName("workspaceKey")
        self.key_edit.setAccessibleName("Workspace API key")
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.show_key = QToolButton()
        self.show_key.setObjectName("showWorkspaceKey")
        self.show_key.setCheckable(True)
        self.show_key.setText("Show")
        self.show_key.setAccessibleName("Show key")
        self.show_key.setToolTip("Show the key while typing it")
        self.key_hint = hint_label("workspaceKeyHint")
        self.problem_labels = {field: problem_label(f"{field.objectName()}Problem")
                               for field in (self.url_edit, self.workspace_edit)}

        key_row = QHBoxLayout()
        key_row.setSpacing(4)
        key_row.addWidget(self.key_edit, 1)
        key_row.addWidget(self.show_key)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        form.setVerticalSpacing(10)
        form.addRow(form_label("Base &URL", self.url_edit), stacked(self.url_edit, self.problem_labels[self.url_edit]))
        form.addRow(form_label("&Workspace ID", self.workspace_edit),
                    stacked(self.workspace_edit, self.problem_labels[self.workspace_edit]))
        form.addRow(form_label("API &key", self.key_edit), stacked(key_row, self.key_hint))

        self.list_button = QPushButton("&List processes")
        self.list_button.setObjectName("listProcesses")
        self.list_button.setAccessibleName("List the workspace's processes")
        self.status_label = QLabel()
        self.status_label.setObjectName("workspaceStatus")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label = problem_label("workspaceError")
        listing = QHBoxLayout()
        listing.setSpacing(10)
        listing.addWidget(self.list_button, 0, Qt.AlignmentFlag.AlignTop)
        listing.addLayout(stacked(self.status_label, self.error_label), 1)

        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("processFilter")
        self.filter_edit.setPlaceholderText("Filter processes")
        self.filter_edit.setAccessibleName("Filter processes")
        self.filter_edit.setClearButtonEnabled(True)
        self.all_check = QCheckBox("&All")
        self.all_check.setObjectName("allProcesses")
        self.all_check.setAccessibleName("Choose all processes shown")
        self.all_check.setTristate(True)
        filter_row = QHBoxLayout()
        filter_row.addWidget(self.filter_edit, 1)
        filter_row.addWidget(self.all_check)

        self.process_list = ProcessList()
        self.process_list.setObjectName("workspaceProcesses")
        self.process_list.setAccessibleName("The workspace's processes")
        self.process_list.setUniformItemSizes(True)
        self.process_list.setMinimumHeight(160)

        self.follow_check = QCheckBox(FOLLOW_OTHERS)
        self.follow_check.setObjectName("workspaceFollowOthers")
        self.follow_check.setAccessibleName("Show runs started elsewhere")
        self.follow_check.setChecked(True)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setObjectName("addChosen")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 12)
        layout.setSpacing(12)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addLayout(listing)
        layout.addLayout(filter_row)
        layout.addWidget(self.process_list, 1)
        layout.addWidget(self.follow_check)
        layout.addWidget(self.buttons)

    def _connect(self) -> None:
        for field in (self.url_edit, self.workspace_edit, self.key_edit):
            field.textChanged.connect(lambda _text, f=field: self._fields_changed(f))
        for field in (self.url_edit, self.workspace_edit, self.key_edit):
            field.returnPressed.connect(self.list_processes)
        self.show_key.toggled.connect(self._toggle_key)
        self.list_button.clicked.connect(self.list_processes)
        self.filter_edit.textChanged.connect(self._filter)
        self.all_check.clicked.connect(self._all_clicked)
        self.process_list.itemChanged.connect(lambda _item: self._chosen_changed())
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    # --- the fields ---------------------------------------------------------------------------

    def _problems(self) -> dict[QLineEdit, str | None]:
        return {self.url_edit: field_problem(API_V1, base_url=self.url_edit.text()),
                self.workspace_edit: field_problem(API_V1, workspace_id=self.workspace_edit.text())}

    def _fields_changed(self, field: QWidget | None = None) -> None:
        if field is not None:
            self._touched.add(field)
        problems = self._problems()
        for widget, message in problems.items():
            show_problem(self.problem_labels[widget], widget, message if widget in self._touched else None)
        self.list_button.setEnabled(not any(problems.values()))
        if field is not None and self._listed is not None:
            self._forget_listing()  # what is listed is no longer this workspace's (or this key's)
        self._describe_key(problems)
        fit_height(self)

    def _describe_key(self, problems: dict[QLineEdit, str | None]) -> None:
        others = [] if any(problems.values()) else self._store.profiles_of_workspace(
            self.url_edit.text(), self.workspace_edit.text())
        if self._backend_name == NO_KEYRING:
            hint = ("No keyring is available, so a key typed here lists the processes but cannot be kept. Start a "
                    "Secret Service, or set ROBOCLOUD_API_KEY_<NAME> for each profile.")
        elif others:
            users = "1 profile" if len(others) == 1 else f"{len(others)} profiles"
            hint = (f"The workspace's key, used by {users} of this workspace: a key typed here replaces it for all "
                    f"of them. {PERMISSIONS}")
        else:
            hint = f"Stored once for the workspace in {self._backend_name}. {PERMISSIONS}"
        self.key_hint.setText(hint)
        self.key_edit.setPlaceholderText("Leave empty to use the workspace's stored key" if others else
                                         "Paste an API key of the workspace")

    def _toggle_key(self, shown: bool) -> None:
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password)
        self.show_key.setText("Hide" if shown else "Show")
        self.show_key.setAccessibleName("Hide key" if shown else "Show key")

    # --- listing ------------------------------------------------------------------------------

    def list_processes(self) -> None:
        """Ask Control Room for the workspace's processes, off the GUI thread."""
        self._touched.update(self.problem_labels)
        self._fields_changed()
        if not self.list_button.isEnabled():
            return
        self._generation += 1
        generation = self._generation
        base_url, workspace_id = v1_base_url(self.url_edit.text()), self.workspace_edit.text().strip()
        typed, secrets = self.key_edit.text().strip(), self._secrets

        def job() -> _Listed:
            from robocloud_desktop.core.workspace_profiles import list_processes

            key = typed or secrets.stored_key(base_url, workspace_id)
            if not key:
                raise _NoKey()
            return _Listed(generation, base_url, workspace_id, list_processes(base_url, workspace_id, key))

        self._forget_listing()
        self.list_button.setEnabled(False)
        self._say(f"Listing the processes of workspace {workspace_id}…")
        self._background.run(job, self._listed_now, lambda error: self._listing_failed(generation, error))

    def _listed_now(self, listed: _Listed) -> None:
        if not shiboken6.isValid(self) or listed.generation != self._generation:
            return
        self._listed = listed
        self.list_button.setEnabled(True)
        plan = plan_profiles(self._store.profiles(), listed.base_url, listed.workspace_id, listed.processes)
        followed = {process.id: profile.name for process, profile in plan.existing}
        names = {profile.process_id: profile.name for profile in plan.new}
        self.process_list.blockSignals(True)
        self.process_list.clear()
        for process in listed.processes:
            item = QListWidgetItem()
            name = visible(process.name) or visible(process.id)
            if process.id in followed:
                item.setText(f"{name} — already the profile “{followed[process.id]}”")
                item.setFlags(Qt.ItemFlag.NoItemFlags)
            else:
                item.setText(name)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
                item.setToolTip(f"Process {visible(process.id)}\nAdded as the profile “{names[process.id]}”")
            item.setData(Qt.ItemDataRole.UserRole, process)
            self.process_list.addItem(item)
        self.process_list.blockSignals(False)
        count = len(listed.processes)
        if not count:
            self.process_list.set_empty_text(NONE_YET)
            self._say(f"The workspace {listed.workspace_id} has no processes yet.")
        else:
            listed_words = "1 process" if count == 1 else f"{count} processes"
            already = f", {len(followed)} of them with a profile already" if followed else ""
            self._say(f"The workspace {listed.workspace_id} has {listed_words}{already}. Choose the ones to add.")
        self._filter(self.filter_edit.text())
        self._chosen_changed()

    def _listing_failed(self, generation: int, error: Exception) -> None:
        if not shiboken6.isValid(self) or generation != self._generation:
            return
        self.list_button.setEnabled(True)
        if isinstance(error, _NoKey):
            message = NO_KEY
        elif isinstance(error, ProcessApiError | SecretStoreError):
            message = error.message
        else:
            log.warning("listing a workspace's processes failed: %s", type(error).__name__)
            message = "The processes could not be listed. Check the base URL and your network, then try again."
        self._say("", error=message)

    def _forget_listing(self) -> None:
        self._generation += 1
        self._listed = None
        self.process_list.clear()
        self.process_list.set_empty_text(LIST_FIRST)
        self._say("")
        self.list_button.setEnabled(not any(self._problems().values()))
        self._chosen_changed()

    def _say(self, status: str, *, error: str | None = None) -> None:
        self.status_label.setText(status)
        self.status_label.setVisible(bool(status))
        show_problem(self.error_label, None, error)
        fit_height(self)

    # --- choosing -----------------------------------------------------------------------------

    def _items(self, *, shown_only: bool = False) -> list[QListWidgetItem]:
        items = [self.process_list.item(row) for row in range(self.process_list.count())]
        return [i for i in items if i.flags() & Qt.ItemFlag.ItemIsUserCheckable and not (shown_only and i.isHidden())]

    def _filter(self, text: str) -> None:
        needle = text.strip().casefold()
        for row in range(self.process_list.count()):
            item = self.process_list.item(row)
            process = item.data(Qt.ItemDataRole.UserRole)
            item.setHidden(bool(needle) and needle not in f"{process.name}\n{process.id}".casefold())
        self._chosen_changed()

    def _all_clicked(self) -> None:
        shown = self._items(shown_only=True)
        check = not all(i.checkState() == Qt.CheckState.Checked for i in shown)
        self.process_list.blockSignals(True)
        for item in shown:
            item.setCheckState(Qt.CheckState.Checked if check else Qt.CheckState.Unchecked)
        self.process_list.blockSignals(False)
        self._chosen_changed()

    def _chosen_changed(self) -> None:
        shown = self._items(shown_only=True)
        checked = sum(i.checkState() == Qt.CheckState.Checked for i in shown)
        state = (Qt.CheckState.Unchecked if not checked else
                 Qt.CheckState.Checked if checked == len(shown) else Qt.CheckState.PartiallyChecked)
        self.all_check.setCheckState(state)
        self.all_check.setEnabled(bool(shown))
        self.filter_edit.setEnabled(self.process_list.count() > 0)
        chosen = len(self.chosen_processes())
        self.ok_button.setEnabled(chosen > 0)
        self.ok_button.setText("Add profiles" if not chosen else "Add 1 profile" if chosen == 1 else
                               f"Add {chosen} profiles")
        self.ok_button.setAccessibleName(self.ok_button.text())

    def chosen_processes(self) -> list[ProcessInfo]:
        """The processes checked, hidden by the filter or not: what was chosen stays chosen."""
        return [i.data(Qt.ItemDataRole.UserRole) for i in self._items() if i.checkState() == Qt.CheckState.Checked]

    # --- the result ---------------------------------------------------------------------------

    def choice(self) -> WorkspaceChoice:
        assert self._listed is not None, "the dialog is accepted only once processes are listed"
        return WorkspaceChoice(self._listed.base_url, self._listed.workspace_id, self.key_edit.text().strip() or None,
                               self.chosen_processes(), self.follow_check.isChecked())


class _NoKey(Exception):
    """Neither typed nor stored: there is no key to list the processes with."""
