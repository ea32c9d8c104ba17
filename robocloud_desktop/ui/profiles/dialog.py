"""Add, edit or duplicate one process profile.

Fields are checked as the user types, with the core's own messages; the dialog only hands back
the profile and the secret (or its workspace's API key). Saving is the caller's job, so it can run
off the GUI thread (a keyring may block on an unlock prompt).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from robocloud_desktop.core.profiles import (
    API_PROCESS_SECRET,
    API_V1,
    Profile,
    ProfileError,
    ProfileStore,
    name_clash,
    new_profile_id,
)
from robocloud_desktop.core.regions import REGIONS, region_label, region_of
from robocloud_desktop.core.secrets import ENV_PREFIX, KEY_ENV_PREFIX, SecretState, SecretStore, env_var_for
from robocloud_desktop.core.workspaces import V1_CLOUD, is_v1_root
from robocloud_desktop.ui.look import banner_colours

QUERY_WARNING = ("The secret will be part of the URL, where proxies and servers may log it. "
                 "Use only if the target requires it.")
CUSTOM_URL = "Custom URL…"
# What SecretStore.backend_name() answers when there is no keyring to store a secret in.
NO_KEYRING = "no keyring available"
APIS = {API_PROCESS_SECRET: "Per-process secret (Process API)", API_V1: "Workspace API key (Control Room API v1)"}
FOLLOW_OTHERS = "Show runs started elsewhere too (schedules, colleagues, e-mail)"

# Profiles the core accepts: checking one field at a time against one gives each field its own
# message from Profile.validated(), instead of only the first problem of the whole profile.
_SOUND = {API_PROCESS_SECRET: Profile("profile", REGIONS["eu1"], "workspace", "process"),
          API_V1: Profile("profile", V1_CLOUD, "workspace", "process", api=API_V1)}


# --- checks shared with the curl import and workspace dialogs ---------------------------------------


def field_problem(api: str = API_PROCESS_SECRET, **fields: str) -> str | None:
    """What Profile.validated() says about these fields alone (of a profile of `api`), or None when
    they are fine."""
    changes: dict[str, Any] = fields  # all text, which mypy cannot match to Profile's fields one by one
    try:
        replace(_SOUND[api], **changes).validated()
    except ProfileError as error:
        return error.message
    return None


def name_problem(store: ProfileStore, name: str, own_id: str | None = None, api: str = API_PROCESS_SECRET
                 ) -> str | None:
    """The core's message for an invalid name, or one taken (in any case) or sharing its environment
    variable with another profile (`own_id` excluded)."""
    try:
        clean = replace(_SOUND[api], name=name).validated().name
        store.check_name(clean, own_id, api)  # the store's own rule and words, as add/update will say
    except ProfileError as error:
        return error.message
    return None


def url_problem(base_url: str, api: str = API_PROCESS_SECRET) -> str | None:
    return field_problem(api, base_url=base_url)


# --- small widgets shared with the curl import dialog ---------------------------------------------


def problem_label(object_name: str) -> QLabel:
    """A small red label under a field; hidden while the field is fine, so it takes no room."""
    label = QLabel()
    label.setObjectName(object_name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 0.92)
    label.setFont(font)
    label.setStyleSheet(f"color: {banner_colours('error')[1]};")
    label.hide()
    return label


def show_problem(label: QLabel, field: QWidget | None, message: str | None) -> None:
    label.setText(message or "")
    label.setVisible(bool(message))
    if field is not None:
        # Screen readers announce the description with the field, so the problem is heard too.
        field.setAccessibleDescription(message or "")


def hint_label(object_name: str) -> QLabel:
    """Quiet grey text under a field. Not a disabled label: screen readers would call it unavailable."""
    label = QLabel()
    label.setObjectName(object_name)
    label.setWordWrap(True)
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, palette.color(QPalette.ColorRole.PlaceholderText))
    label.setPalette(palette)
    return label


def warning_label(text: str, object_name: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName(object_name)
    label.setWordWrap(True)
    background, colour = banner_colours("warning")
    label.setStyleSheet(f"QLabel {{ background: {background}; color: {colour}; padding: 6px 8px; "
                        "border-radius: 4px; }")
    label.setAccessibleName("Warning")
    return label


def stacked(*widgets: QWidget | QLayout) -> QVBoxLayout:
    """One form-field column: the field with its hint or problem label right under it.

    A layout, not a container widget: a widget caches its height-for-width, and would keep the
    height of a problem's previous wording when the new one wraps to more lines.
    """
    column = QVBoxLayout()
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(3)
    for widget in widgets:
        if isinstance(widget, QLayout):
            column.addLayout(widget)
        else:
            column.addWidget(widget)
    return column


def fit_height(dialog: QDialog) -> None:
    """Grow the dialog until its wrapped labels have all their lines.

    A layout's minimum size ignores height-for-width, so a problem or warning that wraps would be
    cut off at one line. Growing only (never shrinking) keeps the dialog still while the user types.
    """
    layout = dialog.layout()
    assert layout is not None
    layout.activate()
    needed = (layout.totalHeightForWidth(dialog.width()) if layout.hasHeightForWidth()
              else layout.totalSizeHint().height())
    if dialog.height() < needed:
        dialog.resize(dialog.width(), needed)


def form_label(text: str, buddy: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(buddy)  # the mnemonic (Alt+letter) focuses the field, not its column
    return label


# --- the dialog -------------------------------------------------------------------------------------


class ProfileDialog(QDialog):
    """`profile` None adds; a profile edits it (same id), or with duplicate=True copies it (new id).

    `secret_state`, `states` (the secret states of the listed profiles, by id: a workspace key's
    state is that of the workspace's profiles) and `backend_name` are what the caller already read
    off the GUI thread; without them the secret hint is less specific and the backend is looked up
    here.
    """

    def __init__(self, store: ProfileStore, secrets: SecretStore, profile: Profile | None = None,
                 parent: QWidget | None = None, *, duplicate: bool = False,
                 secret_state: SecretState | None = None, backend_name: str | None = None,
                 states: Mapping[str, SecretState] | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._source = profile
        self._editing = profile is not None and not duplicate
        self._secret_state = secret_state
        self._states = dict(states or {})
        self._backend_name = backend_name if backend_name is not None else secrets.backend_name()
        self._touched: set[QWidget] = set()
        if profile is None:
            self.setWindowTitle("Add profile")
        else:
            self.setWindowTitle(f"Edit profile “{profile.name}”" if self._editing else "Duplicate profile")
        self._build()
        self._fill(profile, duplicate)
        self._connect()
        self._validate()
        self.resize(520, self.sizeHint().height())
        fit_height(self)

    # --- building -----------------------------------------------------------------------------

    def _line_edit(self, object_name: str, accessible: str, placeholder: str = "") -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(object_name)
        edit.setAccessibleName(accessible)
        edit.setPlaceholderText(placeholder)
        return edit

    def _build(self) -> None:
        self.name_edit = self._line_edit("profileName", "Name", "For example: Invoices (nightly)")
        self.api_combo = QComboBox()
        self.api_combo.setObjectName("profileApi")
        self.api_combo.setAccessibleName("API")
        self.api_combo.setToolTip("How the app reaches the process: with its own secret, or with an API key of its "
                                  "workspace, which also lists runs started elsewhere")
        for api, text in APIS.items():
            self.api_combo.addItem(text, api)
        self.region_combo = QComboBox()
        self.region_combo.setObjectName("profileRegion")
        self.region_combo.setAccessibleName("Region")
        for url in REGIONS.values():
            self.region_combo.addItem(f"{region_label(url)} — {url}", url)
        self.region_combo.addItem(CUSTOM_URL, None)
        self.url_edit = self._line_edit("profileBaseUrl", "Base URL", "https://…")
        from_page = "From the process's page in Control Room"
        self.workspace_edit = self._line_edit("profileWorkspace", "Workspace ID", from_page)
        self.process_edit = self._line_edit("profileProcess", "Process ID", from_page)

        self.secret_edit = self._line_edit("profileSecret", "Process API secret")
        self.secret_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.show_secret = QToolButton()
        self.show_secret.setObjectName("showSecret")
        self.show_secret.setCheckable(True)
        self.show_secret.setText("Show")
        self.show_secret.setAccessibleName("Show secret")
        self.show_secret.setToolTip("Show the secret while typing it")
        self.secret_hint = hint_label("profileSecretHint")

        self.mode_combo = QComboBox()
        self.mode_combo.setObjectName("profileSecretMode")
        self.mode_combo.setAccessibleName("Send the secret in")
        self.mode_combo.addItem("Header (recommended)", False)
        self.mode_combo.addItem("Query string", True)
        self.query_warning = warning_label(QUERY_WARNING, "profileQueryWarning")

        self.follow_check = QCheckBox(FOLLOW_OTHERS)
        self.follow_check.setObjectName("profileFollowOthers")
        self.follow_check.setAccessibleName("Show runs started elsewhere")
        self.follow_check.setToolTip("Runs of this process started by a schedule, a colleague, e-mail or another "
                                     "system come onto the board and into the history")
        self.follow_check.setChecked(True)

        self.notes_edit = QPlainTextEdit()
        self.notes_edit.setObjectName("profileNotes")
        self.notes_edit.setAccessibleName("Notes")
        self.notes_edit.setPlaceholderText("Optional")
        self.notes_edit.setTabChangesFocus(True)
        lines = self.notes_edit.fontMetrics().lineSpacing()
        self.notes_edit.setFixedHeight(lines * 3 + 14)

        # Each checked field's red label, by field.
        self.problem_labels = {field: problem_label(f"{field.objectName()}Problem")
                          for field in (self.name_edit, self.url_edit, self.workspace_edit, self.process_edit)}

        secret_row = QHBoxLayout()
        secret_row.setSpacing(4)
        secret_row.addWidget(self.secret_edit, 1)
        secret_row.addWidget(self.show_secret)

        self.form = form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        form.setVerticalSpacing(10)
        form.addRow(form_label("&Name", self.name_edit), stacked(self.name_edit, self.problem_labels[self.name_edit]))
        form.addRow(form_label("&API", self.api_combo), self.api_combo)
        self._region_row = form.rowCount()
        form.addRow(form_label("&Region", self.region_combo), self.region_combo)
        form.addRow(form_label("Base &URL", self.url_edit), stacked(self.url_edit, self.problem_labels[self.url_edit]))
        form.addRow(form_label("&Workspace ID", self.workspace_edit),
                    stacked(self.workspace_edit, self.problem_labels[self.workspace_edit]))
        form.addRow(form_label("&Process ID", self.process_edit),
                    stacked(self.process_edit, self.problem_labels[self.process_edit]))
        self.secret_label = form_label("&Secret", self.secret_edit)
        form.addRow(self.secret_label, stacked(secret_row, self.secret_hint))
        self._mode_row = form.rowCount()
        form.addRow(form_label("Send secret &in", self.mode_combo), stacked(self.mode_combo, self.query_warning))
        self._follow_row = form.rowCount()
        form.addRow(form_label("Ot&her runs", self.follow_check), self.follow_check)
        form.addRow(form_label("N&otes", self.notes_edit), self.notes_edit)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Save" if self._editing else "Add")
        self.ok_button.setAccessibleName("Save profile" if self._editing else "Add profile")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 12)
        layout.setSpacing(14)
        # Grow when problem labels appear, instead of squeezing the fields.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

    def _fill(self, profile: Profile | None, duplicate: bool) -> None:
        self.api_combo.setCurrentIndex(self.api_combo.findData(profile.api if profile else API_PROCESS_SECRET))
        if profile is not None and profile.uses_key:
            self._select_region(REGIONS["eu1"])  # where a switch back to a per-process secret starts
            self.url_edit.setText(profile.base_url)
        else:
            self._select_region(profile.base_url if profile else REGIONS["eu1"])
        if profile is not None:
            self.name_edit.setText(self._copy_name(profile.name) if duplicate else profile.name)
            self.workspace_edit.setText(profile.workspace_id)
            self.process_edit.setText(profile.process_id)
            self.mode_combo.setCurrentIndex(1 if profile.secret_in_query else 0)
            self.follow_check.setChecked(profile.follow_others)
            self.notes_edit.setPlainText(profile.notes)
            # Loaded values are shown with their problems at once; empty new fields wait to be typed in.
            self._touched.update(self.problem_labels)
        self._show_api()
        self._describe_secret()
        self._update_mode()

    @property
    def api(self) -> str:
        return str(self.api_combo.currentData())

    def _show_api(self) -> None:
        """Show the rows of the chosen API: a workspace key has no region list, no query-string mode,
        and the choice of following runs started elsewhere."""
        v1 = self.api == API_V1
        self.form.setRowVisible(self._region_row, not v1)
        self.form.setRowVisible(self._mode_row, not v1)
        self.form.setRowVisible(self._follow_row, v1)
        self.url_edit.setEnabled(v1 or self.region_combo.currentData() is None)
        self.secret_label.setText("API &key" if v1 else "&Secret")
        self.secret_edit.setAccessibleName("Workspace API key" if v1 else "Process API secret")
        what = "key" if v1 else "secret"
        self.show_secret.setAccessibleName(f"Show {what}")
        self.show_secret.setToolTip(f"Show the {what} while typing it")

    def _api_changed(self, _index: int) -> None:
        if self.api == API_V1:
            url = self.url_edit.text().strip()
            if not url or region_of(url) or not is_v1_root(url):
                self.url_edit.setText(V1_CLOUD)  # where most workspaces are; a tenant edits the host
        else:
            self._select_region(REGIONS["eu1"])
        self._show_api()
        self._describe_secret()
        self._validate()
        # Rows came or went: the dialog takes the height it needs now, neither more nor less.
        layout = self.layout()
        assert layout is not None
        self.resize(self.width(), layout.totalHeightForWidth(self.width())
                    if layout.hasHeightForWidth() else self.sizeHint().height())
        fit_height(self)

    def _select_region(self, base_url: str) -> None:
        key = region_of(base_url)
        index = self.region_combo.findData(REGIONS[key]) if key else self.region_combo.count() - 1
        self.region_combo.setCurrentIndex(index)
        self.url_edit.setText(REGIONS[key] if key else base_url)
        self.url_edit.setEnabled(key is None)

    def _copy_name(self, name: str) -> str:
        candidate, n = f"{name} (copy)", 2
        while name_clash(self._store.profiles(), candidate) is not None:
            candidate, n = f"{name} (copy {n})", n + 1
        return candidate

    def _connect(self) -> None:
        for field in self.problem_labels:
            field.textChanged.connect(lambda _text, f=field: self._changed(f))
        for field in (self.name_edit, self.workspace_edit, self.url_edit):
            field.textChanged.connect(lambda _text: self._describe_secret())
        self.api_combo.currentIndexChanged.connect(self._api_changed)
        self.region_combo.currentIndexChanged.connect(self._region_changed)
        self.show_secret.toggled.connect(self._toggle_secret)
        self.mode_combo.currentIndexChanged.connect(lambda _index: self._update_mode())
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    # --- reacting -----------------------------------------------------------------------------

    def _changed(self, field: QWidget) -> None:
        self._touched.add(field)
        self._validate()

    def _region_changed(self, _index: int) -> None:
        url = self.region_combo.currentData()
        custom = url is None
        self.url_edit.setEnabled(custom)
        if custom:
            # Start from the region's URL: a custom one is usually a small change to it.
            self.url_edit.setFocus()
            self.url_edit.selectAll()
        else:
            self.url_edit.setText(url)
        self._validate()

    def _toggle_secret(self, shown: bool) -> None:
        self.secret_edit.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password)
        self.show_secret.setText("Hide" if shown else "Show")
        what = "key" if self.api == API_V1 else "secret"
        self.show_secret.setAccessibleName(f"Hide {what}" if shown else f"Show {what}")

    def _update_mode(self) -> None:
        self.query_warning.setVisible(self.api != API_V1 and bool(self.mode_combo.currentData()))
        fit_height(self)

    def workspace_profiles(self) -> list[Profile]:
        """The other profiles that share the workspace key this profile would use (not itself)."""
        own = self._source.id if self._editing and self._source else None
        return [p for p in self._of_workspace() if p.id != own]

    def _of_workspace(self) -> list[Profile]:
        url, workspace = self._base_url(), self.workspace_edit.text()
        if field_problem(API_V1, base_url=url) or field_problem(API_V1, workspace_id=workspace):
            return []
        return self._store.profiles_of_workspace(url, workspace)

    def _in_workspace(self, profile: Profile) -> bool:
        return any(p.id == profile.id for p in self._of_workspace())

    def _describe_secret(self) -> None:
        if self.api == API_V1:
            self._describe_key()
            return
        state, source = self._secret_state, self._source
        if self._backend_name == NO_KEYRING:
            name = self.name_edit.text()
            variable = env_var_for(name) if name.strip() else ENV_PREFIX + "<NAME>"
            hint = ("No keyring is available, so a secret typed here cannot be saved. "
                    + (f"Start a Secret Service, or set {variable}." if variable else
                       "Start a Secret Service: a name without a letter A-Z or a digit has no environment "
                       "variable to read the secret from."))
        else:
            hint = f"Stored in {self._backend_name}"
        if source is None:
            placeholder = "Paste the secret Control Room generated"
        elif not self._editing:
            placeholder = f"Leave empty to use the secret of “{source.name}”"
        elif state is SecretState.STORED:
            placeholder = "•••••• stored — leave empty to keep"
        elif state is SecretState.FROM_ENVIRONMENT:
            placeholder = f"Read from {env_var_for(source.name)} — leave empty to keep"
        elif state in (SecretState.MISSING, SecretState.UNAVAILABLE):
            placeholder = "No secret stored — paste the one Control Room generated"
        else:  # locked, failed or not read yet: a secret may be stored, so empty must keep it
            placeholder = "Leave empty to keep the stored secret"
        self.secret_edit.setPlaceholderText(placeholder)
        self.secret_hint.setText(hint)

    def _describe_key(self) -> None:
        """The key field of a profile of API v1: one key per workspace, so it says how many profiles
        share it, and what a key typed here does to them."""
        others = self.workspace_profiles()
        own = self._source if self._editing and self._source and self._source.uses_key else None
        if own is not None and not self._in_workspace(own):
            own = None  # moved to another workspace: its key says nothing about this one
        known = [self._states[p.id] for p in ([own] if own else []) + others if p.id in self._states]
        state = (self._secret_state if own is not None and self._secret_state is not None
                 else next((s for s in known if s is SecretState.STORED), known[0] if known else None))
        if self._backend_name == NO_KEYRING:
            name = self.name_edit.text()
            variable = env_var_for(name, API_V1) if name.strip() else KEY_ENV_PREFIX + "<NAME>"
            hint = ("No keyring is available, so a key typed here cannot be saved. "
                    + (f"Start a Secret Service, or set {variable}." if variable else
                       "Start a Secret Service: a name without a letter A-Z or a digit has no environment "
                       "variable to read the key from."))
        elif others:
            hint = (f"The workspace's key, used by {len(others) + 1} profiles of this workspace: a key typed here "
                    "replaces it for all of them.")
        else:
            hint = (f"Stored once for the workspace in {self._backend_name}; its other profiles share it. Create one "
                    "in Control Room under Workspace → API keys.")
        if state is SecretState.FROM_ENVIRONMENT and own is not None:
            placeholder = f"Read from {env_var_for(own.name, API_V1)} — leave empty to keep"
        elif state is SecretState.STORED:
            placeholder = "•••••• stored for this workspace — leave empty to keep"
        elif state in (SecretState.MISSING, SecretState.UNAVAILABLE) or (state is None and not others and own is None):
            placeholder = "Paste one of the workspace's API keys"
        else:  # locked, failed or not read yet: a key may be stored, so empty must keep it
            placeholder = "Leave empty to keep the workspace's key"
        self.secret_edit.setPlaceholderText(placeholder)
        self.secret_hint.setText(hint)

    def _field_problems(self) -> dict[QLineEdit, str | None]:
        own_id = self._source.id if self._editing and self._source else None
        api = self.api
        return {
            self.name_edit: name_problem(self._store, self.name_edit.text(), own_id, api),
            self.url_edit: url_problem(self._base_url(), api),
            self.workspace_edit: field_problem(api, workspace_id=self.workspace_edit.text()),
            self.process_edit: field_problem(api, process_id=self.process_edit.text()),
        }

    def _validate(self) -> None:
        problems = self._field_problems()
        for field, message in problems.items():
            show_problem(self.problem_labels[field], field, message if field in self._touched else None)
        self.ok_button.setEnabled(not any(problems.values()))
        fit_height(self)

    def _base_url(self) -> str:
        url = self.region_combo.currentData()
        return self.url_edit.text() if url is None or self.api == API_V1 else url

    # --- results ------------------------------------------------------------------------------

    def result_profile(self) -> Profile:
        """The profile as entered, validated: the same id when editing, a new one otherwise."""
        v1 = self.api == API_V1
        fields: dict[str, Any] = {
            "name": self.name_edit.text(),
            "api": self.api,
            "base_url": self._base_url(),
            "workspace_id": self.workspace_edit.text(),
            "process_id": self.process_edit.text(),
            "secret_in_query": not v1 and bool(self.mode_combo.currentData()),
            "follow_others": self.follow_check.isChecked(),
            "notes": self.notes_edit.toPlainText().strip(),
        }
        if self._source is None:
            profile = Profile(**fields)
        elif self._editing:
            profile = replace(self._source, **fields)
        else:  # a duplicate keeps the payloads too: that is usually why a profile is copied
            profile = replace(self._source, id=new_profile_id(), **fields)
        return profile.validated()

    def entered_secret(self) -> str | None:
        """The secret (or workspace key) typed in, or None to keep the stored one (a duplicate of a
        per-process secret profile: copy the original's)."""
        return self.secret_edit.text().strip() or None
