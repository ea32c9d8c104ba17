"""The profile list: filter, add (by hand, from a workspace's processes, from curl) / edit / duplicate /
delete, and each profile's secret state.

Keyring reads and every save run on the Background pool: a keyring may block on an unlock prompt.
The widgets change only when the answers come back on the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSize, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QHBoxLayout,
    QLineEdit,
    QListView,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from robocloud_desktop.core.profiles import API_V1, Profile, ProfileError, ProfileStore
from robocloud_desktop.core.secrets import SecretState, SecretStore, SecretStoreError
from robocloud_desktop.core.workspaces import workspace_key_name
from robocloud_desktop.ui.profiles.rows import ProfileDelegate, ProfileModel, ProfileView, SearchRole
from robocloud_desktop.ui.workers import Background, SerialJobs

if TYPE_CHECKING:  # the dialogs load on first use: the window comes up sooner without them
    from PySide6.QtWidgets import QDialog

    from robocloud_desktop.core.profiles import Removal
    from robocloud_desktop.ui.profiles.dialog import ProfileDialog
    from robocloud_desktop.ui.profiles.workspace_dialog import WorkspaceChoice

log = logging.getLogger(__name__)


def message_of(error: Exception) -> str:
    if isinstance(error, ProfileError | SecretStoreError):
        return error.message
    return f"The profiles could not be saved: {error}"


# --- the widget -----------------------------------------------------------------------------------


class ProfileList(QWidget):
    """`currentProfileChanged` fires when the selected profile (by id) changes; `profilesChanged` when
    the profiles' data or their secret states changed (a save here, a reload that found changes, or
    a keyring read with a new answer)."""

    currentProfileChanged = Signal(object)  # Profile | None
    problem = Signal(str)
    profilesChanged = Signal()

    def __init__(self, store: ProfileStore, secrets: SecretStore, background: Background,
                 parent: QWidget | None = None, *, keys_now: bool = True) -> None:
        """`keys_now` False leaves the list's keys until bind_keys() is called: the window calls it
        once it is drawn."""
        super().__init__(parent)
        if store.secrets is None:
            # The store adds secrets with rollback and deletes them with the profile; without a
            # SecretStore it would silently drop every secret typed into the dialog.
            raise ValueError("ProfileList needs a ProfileStore created with the SecretStore.")
        self._store, self._secrets = store, secrets
        self._backend_name: str | None = None
        self._state_generation = 0
        self._current_id: str | None = None
        self._restoring = False
        self._filtering = False  # the filter is hiding or showing rows: nothing is being picked
        self._dialog: QDialog | None = None
        self._background = background
        self._keyring_jobs = SerialJobs(background)
        self._keys: list[tuple[QAction, list[str]]] | None = []  # None once bound
        self._build()
        self._connect()
        if keys_now:
            self.bind_keys()
        self.reload()
        # An empty store is no change for reload(), which would then leave these as built.
        self._update_actions()
        self._update_empty_text()
        self._clean_secrets()

    # --- building -----------------------------------------------------------------------------

    def _build(self) -> None:
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setObjectName("profileFilter")
        self.filter_edit.setPlaceholderText("Filter profiles")
        self.filter_edit.setAccessibleName("Filter profiles")
        self.filter_edit.setToolTip("Filter by name, workspace, process id, region or notes")
        self.filter_edit.setClearButtonEnabled(True)

        self.model = ProfileModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterRole(SearchRole)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

        self.view = ProfileView(self)
        self.view.setObjectName("profileList")
        self.view.setAccessibleName("Profiles")
        self.view.setModel(self.proxy)
        self.view.setItemDelegate(ProfileDelegate(self.view))
        self.view.setSelectionMode(QListView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self.view.setUniformItemSizes(True)
        self.view.setIconSize(QSize(ProfileDelegate.ICON, ProfileDelegate.ICON))
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

        self.add_action = self._action("&Add…", "Add a profile", "addProfile")
        self.workspace_action = self._action(
            "From &workspace…", "Add a profile for each chosen process of a workspace, listed by name "
            "(Control Room API v1, with a workspace API key)", "addFromWorkspace")
        self.edit_action = self._action("&Edit…", "Edit the selected profile (Enter, F2)", "editProfile",
                                        ["F2", "Return", "Enter"])
        self.duplicate_action = self._action("D&uplicate…", "Copy the selected profile into a new one",
                                             "duplicateProfile")
        self.delete_action = self._action("&Delete", "Delete the selected profile and its secret (Delete)",
                                          "deleteProfile", ["Delete"])
        self.import_action = self._action("&Import from curl…",
                                          "Add a profile from the curl command Control Room shows for a process",
                                          "importCurl")
        self.refresh_action = self._action("Reload profiles", "Read the profile file and the secrets' state again (F5)",
                                           "refreshProfiles", ["F5"])
        self.view.addActions([self.edit_action, self.duplicate_action, self.delete_action, self.refresh_action])

        theme = QIcon.ThemeIcon
        self.add_button = self._button(self.add_action, "Add profile", theme.ListAdd)
        # Add by hand with a click; the arrow beside it offers the workspace's process list.
        add_menu = QMenu(self.add_button)
        add_menu.setObjectName("addMenu")
        add_menu.addActions([self.add_action, self.workspace_action])
        self.add_button.setMenu(add_menu)
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.import_button = self._button(self.import_action, "Import profile from curl", theme.EditPaste)
        self.edit_button = self._button(self.edit_action, "Edit profile", theme.DocumentProperties)
        self.duplicate_button = self._button(self.duplicate_action, "Duplicate profile", theme.EditCopy)
        self.delete_button = self._button(self.delete_action, "Delete profile", theme.EditDelete)

        # Two short rows fit a narrow side panel without clipping any label.
        making = QHBoxLayout()
        making.setSpacing(4)
        making.addWidget(self.add_button)
        making.addWidget(self.import_button)
        making.addStretch(1)
        changing = QHBoxLayout()
        changing.setSpacing(4)
        changing.addWidget(self.edit_button)
        changing.addWidget(self.duplicate_button)
        changing.addWidget(self.delete_button)
        changing.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.view, 1)
        layout.addLayout(making)
        layout.addLayout(changing)

    def _action(self, text: str, tip: str, name: str, keys: list[str] | None = None) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name + "Action")
        action.setToolTip(tip)
        if keys and self._keys is not None:
            self._keys.append((action, keys))
        return action

    def bind_keys(self) -> None:
        """The list's keys (F2, Enter, Delete, F5) and Down from the filter box (once is enough)."""
        if self._keys is None:
            return
        from PySide6.QtGui import QKeySequence  # Qt's key classes: the first frame does without

        from robocloud_desktop.ui.keys import shortcut

        for action, keys in self._keys:
            action.setShortcuts([QKeySequence(k) for k in keys])
            # Only while the list has focus: Enter and Delete mean other things in other widgets.
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self._keys = None
        # Down from the filter box goes into the list, as in a search field with results below.
        shortcut(Qt.Key.Key_Down, self.filter_edit, self._focus_list, Qt.ShortcutContext.WidgetShortcut)

    def _button(self, action: QAction, accessible: str, theme_icon: QIcon.ThemeIcon) -> QToolButton:
        button = QToolButton(self)
        button.setDefaultAction(action)
        button.setObjectName(action.objectName().removesuffix("Action"))
        button.setAccessibleName(accessible)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setAutoRaise(False)
        # Desktop themes have these; without one the button simply shows its text.
        action.setIcon(QIcon.fromTheme(theme_icon))
        return button

    def _connect(self) -> None:
        self.filter_edit.textChanged.connect(self._filter_changed)
        self.view.selectionModel().currentChanged.connect(self._view_current_changed)
        self.view.doubleClicked.connect(lambda _index: self.edit_profile())
        self.add_action.triggered.connect(self.add_profile)
        self.workspace_action.triggered.connect(self.add_from_workspace)
        self.edit_action.triggered.connect(self.edit_profile)
        self.duplicate_action.triggered.connect(self.duplicate_profile)
        self.delete_action.triggered.connect(self.delete_profile)
        self.import_action.triggered.connect(self.import_from_curl)
        self.refresh_action.triggered.connect(self.reload)

    # --- reading ------------------------------------------------------------------------------

    def current_profile(self) -> Profile | None:
        """The profile the window works on (and Trigger starts): the one picked last, even while
        the filter hides it."""
        row = self.model.row_of(self._current_id) if self._current_id else None
        return None if row is None else self.model.profile_at(row)

    def highlighted_profile(self) -> Profile | None:
        """The profile the list shows selected, which Edit, Duplicate and Delete act on: never one
        the filter hides."""
        index = self.view.selectionModel().currentIndex()
        if not index.isValid():
            return None
        return self.model.profile_at(self.proxy.mapToSource(index).row())

    def secret_state(self, profile_id: str) -> SecretState | None:
        return self.model.state(profile_id)

    @property
    def open_dialog(self) -> QDialog | None:
        """The dialog or confirmation this list has open, if any (tests fill it in and press its buttons)."""
        return self._dialog

    def select_profile(self, profile_id: str) -> bool:
        row = self.model.row_of(profile_id)
        if row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(row))
        if not index.isValid():  # hidden by the filter: show it rather than select something unseen
            self.filter_edit.clear()
            index = self.proxy.mapFromSource(self.model.index(row))
        self.view.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.view.scrollTo(index)
        return True

    def reload(self) -> None:
        """Show store.profiles() again, keep the selection by id, and re-read secret states."""
        profiles = self._store.profiles()
        if profiles != self.model.profiles():
            old_row = self.view.selectionModel().currentIndex().row()
            self._restoring = True
            try:
                self.model.set_profiles(profiles)
                if self._current_id and not self.select_profile(self._current_id):
                    # The selected profile is gone (deleted): its neighbour takes its place.
                    count = self.proxy.rowCount()
                    if count:
                        neighbour = self.proxy.index(min(max(old_row, 0), count - 1), 0)
                        self.view.selectionModel().setCurrentIndex(
                            neighbour, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            finally:
                self._restoring = False
            self._update_actions()
            self._update_empty_text()
            self._sync_current()
            self.profilesChanged.emit()
        self._refresh_states()

    def refresh_profile(self, profile_id: str) -> None:
        """The store has a newer copy of this profile (its payload saved, a run started from it):
        show it in place, without reading the whole list or the keyring again."""
        latest = self._store.by_id(profile_id)
        if latest is None or not self.model.replace(latest):
            self.reload()
            return
        self.profilesChanged.emit()

    def _refresh_states(self) -> None:
        self._state_generation += 1
        generation, secrets = self._state_generation, self._secrets
        wanted = self.model.profiles()

        def read() -> tuple[int, str, dict[str, SecretState]]:
            # One job reads them one after another: a locked keyring prompts once, not once per thread.
            return generation, secrets.backend_name(), read_states(secrets, wanted)

        # Only the newest read matters: one still waiting in the queue is replaced.
        self._keyring_jobs.run(read, self._states_read, self._states_failed, kind="states")

    def _states_read(self, result: tuple[int, str, dict[str, SecretState]]) -> None:
        generation, backend, states = result
        if not self._alive() or generation != self._state_generation:
            return  # a newer read is on its way
        self._backend_name = backend
        changed = any(self.model.state(pid) is not state for pid, state in states.items())
        self.model.set_states(states, backend)
        if changed:
            # What the window allows (a trigger needs a secret) depends on these states too.
            self.profilesChanged.emit()

    def _states_failed(self, error: Exception) -> None:
        if self._alive():
            self.problem.emit(message_of(error))

    # --- reacting to the view -----------------------------------------------------------------

    def _view_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._restoring:
            return
        if self._filtering:  # Qt moving "current" off a row the filter hid is no choice of the user's
            self._update_actions()
            return
        selection = self.view.selectionModel()
        if current.isValid() and not selection.isSelected(current):
            # When the filter hides the selected row, Qt moves "current" without selecting it;
            # the highlighted row and the profile the window works on must be the same one.
            selection.select(current, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self._update_actions()
        self._sync_current()

    def _sync_current(self) -> None:
        profile = self.highlighted_profile()
        profile_id = profile.id if profile else None
        if profile_id != self._current_id:
            self._current_id = profile_id
            self.currentProfileChanged.emit(profile)

    def _update_actions(self) -> None:
        has_current = self.highlighted_profile() is not None
        for action in (self.edit_action, self.duplicate_action, self.delete_action):
            action.setEnabled(has_current)

    def _filter_changed(self, text: str) -> None:
        # Typing narrows the list; it does not pick. The profile picked stays the window's (and the
        # trigger's) until the user picks another: highlighted when shown, and no row highlighted
        # while the filter hides it, so Edit and Delete never act on a profile nobody chose.
        self._filtering = True
        try:
            self.proxy.setFilterFixedString(text.strip())
            picked = self.model.row_of(self._current_id) if self._current_id else None
            shown = QModelIndex() if picked is None else self.proxy.mapFromSource(self.model.index(picked))
            selection = self.view.selectionModel()
            if shown.isValid():
                selection.setCurrentIndex(shown, QItemSelectionModel.SelectionFlag.ClearAndSelect)
                self.view.scrollTo(shown)
            else:
                selection.clear()
        finally:
            self._filtering = False
        self._update_empty_text()
        self._update_actions()

    def _update_empty_text(self) -> None:
        text = self.filter_edit.text().strip()
        if text:
            self.view.set_empty_text(f"No profile matches “{text}”.")
        else:
            self.view.set_empty_text("No profiles yet. Add one, or import the curl command Control Room shows.")

    def _focus_list(self) -> None:
        self.view.setFocus()
        if not self.view.currentIndex().isValid() and self.proxy.rowCount():
            self.view.setCurrentIndex(self.proxy.index(0, 0))

    # --- dialogs ------------------------------------------------------------------------------

    def _open(self, dialog: QDialog) -> bool:
        """Show `dialog` window-modal without a nested event loop; the caller connects its outcome."""
        if self._dialog is not None:
            dialog.deleteLater()
            self._dialog.raise_()
            self._dialog.activateWindow()
            return False
        self._dialog = dialog
        # Focus goes back where it was: a dialog opened from the File menu while the board had focus
        # must not leave Delete and Enter acting on the profile list.
        before = QApplication.focusWidget()
        back = before if before is not None and self.window().isAncestorOf(before) else None
        dialog.finished.connect(lambda _code: self._dialog_closed(dialog, back))
        dialog.open()
        return True

    def _dialog_closed(self, dialog: QDialog, back: QWidget | None) -> None:
        if self._dialog is dialog:
            self._dialog = None
        dialog.deleteLater()
        # The widget may have gone meanwhile (the details pane rebuilt, the window closing).
        if back is not None and shiboken6.isValid(back) and back.isVisible() and back.isEnabled():
            back.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.view.setFocus()

    def _profile_dialog(self, profile: Profile | None, *, duplicate: bool = False) -> ProfileDialog:
        from robocloud_desktop.ui.profiles.dialog import ProfileDialog  # loaded when first needed
        state = self.model.state(profile.id) if profile else None
        return ProfileDialog(self._store, self._secrets, profile, self, duplicate=duplicate,
                             secret_state=state, backend_name=self._backend_name, states=self.model.states())

    def add_profile(self) -> None:
        dialog = self._profile_dialog(None)
        self._open_to_save(dialog, lambda: (dialog.result_profile(), dialog.entered_secret()), self._store.add)

    def edit_profile(self) -> None:
        original = self.highlighted_profile()
        if original is None:
            return
        dialog = self._profile_dialog(original)
        self._open_to_save(dialog, lambda: (dialog.result_profile(), dialog.entered_secret()), self._store.update)

    def duplicate_profile(self) -> None:
        original = self.highlighted_profile()
        if original is None:
            return
        dialog = self._profile_dialog(original, duplicate=True)
        # A workspace key is the workspace's already: only a per-process secret is copied.
        copy_secret = not original.uses_key and self.model.state(original.id) is SecretState.STORED
        self._open_to_save(
            dialog, lambda: (dialog.result_profile(), dialog.entered_secret()),
            lambda profile, secret: _duplicate(self._store, self._secrets, original, profile, secret, copy_secret))

    def add_from_workspace(self) -> None:
        from robocloud_desktop.ui.profiles.workspace_dialog import WorkspaceDialog  # loaded when first needed

        dialog = WorkspaceDialog(self._store, self._secrets, self._background, self,
                                 backend_name=self._backend_name)
        store = self._store

        def accepted() -> None:
            choice = dialog.choice()
            self._save_many(lambda: _add_from_workspace(store, choice))

        dialog.accepted.connect(accepted)
        self._open(dialog)

    def import_from_curl(self) -> None:
        from robocloud_desktop.ui.profiles.curl_import import CurlImportDialog  # loaded when first needed

        dialog = CurlImportDialog(self._store, self)
        self._open_to_save(dialog, dialog.result, self._store.add)

    def delete_profile(self) -> None:
        profile = self.highlighted_profile()
        if profile is None:
            return
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(QMessageBox.Icon.Warning, "Delete profile", f"Delete the profile “{profile.name}”?",
                          QMessageBox.StandardButton.NoButton, self)
        box.setInformativeText(deletion_note(profile, self.model.sharing(profile)))
        delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        delete.setObjectName("confirmDelete")
        delete.setAccessibleName(f"Delete {profile.name}")
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        cancel.setAccessibleName("Cancel")
        box.setDefaultButton(cancel)  # Enter must not delete by accident
        box.setEscapeButton(cancel)
        store = self._store

        def clicked(button: QAbstractButton) -> None:
            if box.buttonRole(button) == QMessageBox.ButtonRole.DestructiveRole:
                self._keyring_jobs.run(lambda: _remove(store, profile), self._removed, self._save_failed)

        box.buttonClicked.connect(clicked)
        self._open(box)

    # --- saving -------------------------------------------------------------------------------

    def _open_to_save(self, dialog: QDialog, read: Callable[[], tuple[Profile, str | None]],
                      write: Callable[[Profile, str | None], Profile | None]) -> None:
        """Open `dialog`; once accepted, `read` takes its profile and secret here, on the GUI thread,
        and `write` saves them on the pool (a keyring may block on an unlock prompt)."""
        def accepted() -> None:
            profile, secret = read()
            self._save(lambda: write(profile, secret))

        dialog.accepted.connect(accepted)
        self._open(dialog)

    def _save(self, job: Callable[[], Profile | None]) -> None:
        self._keyring_jobs.run(job, self._saved, self._save_failed)

    def _save_many(self, job: Callable[[], list[Profile]]) -> None:
        """Save several profiles in one job; the first of them is selected once they are listed."""
        self._keyring_jobs.run(job, lambda added: self._saved(added[0] if added else None), self._save_failed)

    def _saved(self, profile: Profile | None) -> None:
        if not self._alive():
            return
        self.reload()
        if profile is not None:
            self.select_profile(profile.id)

    def _removed(self, removal: Removal) -> None:
        from robocloud_desktop.core.profiles import SecretRemoval  # loaded once a profile is removed

        if not self._alive():
            return
        self.reload()
        if removal.secret is SecretRemoval.WAITING:
            self.problem.emit(removal_note(removal))

    def _clean_secrets(self) -> None:
        """Delete keyring entries left by earlier removals, if there are any, once the keyring works."""
        if self._store.secrets_to_delete() or self._store.keys_to_delete():
            self._keyring_jobs.run(self._store.clean_secrets, lambda _cleaning: None,
                                   lambda error: log.info("cleaning secrets failed: %s", type(error).__name__),
                                   kind="clean")

    def _save_failed(self, error: Exception) -> None:
        if not self._alive():
            return
        log.info("saving profiles failed: %s", type(error).__name__)
        self.problem.emit(message_of(error))
        self.reload()  # the store may have changed part way (a rename saved, its secret not)

    def _alive(self) -> bool:
        # Background answers can arrive after the window closed and deleted this widget.
        return shiboken6.isValid(self)


# --- the jobs: plain data in, run on the Background pool ----------------------------------------


def read_states(secrets: SecretStore, profiles: list[Profile]) -> dict[str, SecretState]:
    """Each profile's secret state; a workspace key is read once for all the workspace's profiles."""
    keys: dict[str, SecretState] = {}
    states: dict[str, SecretState] = {}
    for profile in profiles:
        if not profile.uses_key:
            states[profile.id] = secrets.state(profile.id, profile.name)
        elif secrets.from_environment(profile.name, API_V1):
            states[profile.id] = SecretState.FROM_ENVIRONMENT
        else:
            name = workspace_key_name(profile.base_url, profile.workspace_id)
            if name not in keys:
                keys[name] = secrets.key_state(profile.base_url, profile.workspace_id, profile.name)
            states[profile.id] = keys[name]
    return states


def _duplicate(store: ProfileStore, secrets: SecretStore, original: Profile, profile: Profile,
               secret: str | None, copy_secret: bool) -> Profile:
    if secret is None and copy_secret and not profile.uses_key:
        secret = secrets.get(original.id, original.name)
    return store.add(profile, secret)


def _add_from_workspace(store: ProfileStore, choice: WorkspaceChoice) -> list[Profile]:
    """The profiles the workspace dialog planned, named against the profiles as they are now."""
    from robocloud_desktop.core.workspace_profiles import plan_profiles

    plan = plan_profiles(store.profiles(), choice.base_url, choice.workspace_id, choice.processes,
                         follow_others=choice.follow_others)
    return store.add_of_workspace(plan.new, choice.key)


def deletion_note(profile: Profile, sharing: int) -> str:
    """What deleting the profile does to its secret, for the confirmation."""
    if not profile.uses_key:
        return "Its Process API secret is removed from the keyring too. This cannot be undone."
    if sharing > 1:
        others = "the other profile" if sharing == 2 else f"the {sharing - 1} other profiles"
        return f"The workspace's API key stays in the keyring for {others} of the workspace."
    return ("The workspace's API key is removed from the keyring too, as no other profile uses it. This cannot be "
            "undone.")


def _remove(store: ProfileStore, profile: Profile) -> Removal:
    latest = store.by_id(profile.id)  # renamed elsewhere (the command line) since it was listed?
    return store.remove(latest.name if latest else profile.name)


def removal_note(removal: Removal) -> str:
    """What the user hears when a deleted profile's keyring entry is still there."""
    name = removal.profile.name
    what = "its workspace's API key" if removal.profile.uses_key else "its secret"
    if removal.no_keyring:
        stored = "if one was stored" if removal.profile.uses_key else "if it had one"
        return (f"The profile “{name}” was deleted. No keyring is available, so {what} ({stored}) could "
                "not be deleted; that happens by itself once a keyring is there.")
    entry = "its workspace's API key" if removal.profile.uses_key else "its keyring entry"
    return (f"The profile “{name}” was deleted, but {entry} could not be deleted: {removal.reason} "
            "It will be deleted when the app starts with a working keyring, or on your next profile change.")
