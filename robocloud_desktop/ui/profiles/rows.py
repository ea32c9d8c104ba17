"""One row per profile in the profile list: the model, the two-line drawing, and the list view."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QIcon, QPainter, QPalette
from PySide6.QtWidgets import QListView, QStyledItemDelegate, QStyleOptionViewItem

from robocloud_desktop.core.profiles import API_V1, Profile
from robocloud_desktop.core.regions import region_label
from robocloud_desktop.core.secrets import SecretState, env_var_for, or_set_variable
from robocloud_desktop.core.workspaces import V1_CLOUD, workspace_key_name
from robocloud_desktop.ui.empty_text import ShowsEmptyText
from robocloud_desktop.ui.look import icon

if TYPE_CHECKING:  # only named in hints; the first paint need not load them
    from PySide6.QtGui import QColor, QPixmap

SubtitleRole = Qt.ItemDataRole.UserRole + 2
SearchRole = Qt.ItemDataRole.UserRole + 3

_Index = QModelIndex | QPersistentModelIndex


def subtitle(profile: Profile) -> str:
    """The quiet second line: where the process is (its region, or "API v1" and a tenant's host) and
    its whole id. The list elides it in the middle to the width it has: processes of one workspace
    often differ only at the end of their ids, which must stay in sight."""
    pid = profile.process_id
    if profile.uses_key:
        if workspace_key_name(profile.base_url, "") == workspace_key_name(V1_CLOUD, ""):
            return f"API v1 · process {pid}"
        # A single-sign-on tenant by its subdomain ("acme"), any other host whole.
        host = region_label(profile.base_url).removesuffix(".robocorp.com")
        return f"API v1 · {host} · process {pid}"
    return f"{region_label(profile.base_url)} · process {pid}"


def api_words(profile: Profile) -> str:
    return "Control Room API v1, workspace API key" if profile.uses_key else "Process API, per-process secret"


def secret_tooltip(profile: Profile, state: SecretState | None, backend: str, sharing: int = 1) -> str:
    if state is None:
        return "Checking the keyring…"
    if profile.uses_key:
        return key_tooltip(profile, state, backend, sharing)
    return {
        SecretState.STORED: f"Secret stored in {backend}",
        SecretState.FROM_ENVIRONMENT: f"Secret from {env_var_for(profile.name)}",
        SecretState.MISSING: "No secret stored — edit the profile to add one",
        SecretState.LOCKED: "Keyring locked: unlock it (log in to your desktop session, or unlock the login "
                            "keyring in your password manager), then press F5 to check again",
        SecretState.UNAVAILABLE: "No keyring available: start a Secret Service (GNOME Keyring or KWallet)"
                                 + or_set_variable(profile.name),
        SecretState.ERROR: "The keyring could not be read; press F5 to try again",
    }[state]


def key_tooltip(profile: Profile, state: SecretState, backend: str, sharing: int) -> str:
    shared = f", shared by the {sharing} profiles of this workspace" if sharing > 1 else ""
    return {
        SecretState.STORED: f"Workspace API key stored in {backend}{shared}",
        SecretState.FROM_ENVIRONMENT: f"Workspace API key from {env_var_for(profile.name, API_V1)}",
        SecretState.MISSING: "No API key stored for its workspace — edit the profile to add one",
        SecretState.LOCKED: "Keyring locked: unlock it (log in to your desktop session, or unlock the login "
                            "keyring in your password manager), then press F5 to check again",
        SecretState.UNAVAILABLE: "No keyring available: start a Secret Service (GNOME Keyring or KWallet)"
                                 + or_set_variable(profile.name, API_V1),
        SecretState.ERROR: "The keyring could not be read; press F5 to try again",
    }[state]


def secret_icon(state: SecretState | None) -> QIcon:
    if state is None:
        return QIcon()  # not read yet: a "missing" key would be a claim we cannot make
    return icon("key" if state in (SecretState.STORED, SecretState.FROM_ENVIRONMENT) else "key-missing")



class ProfileModel(QAbstractListModel):
    """Profiles with their secret states. States arrive later, from the keyring, row by row."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._profiles: list[Profile] = []
        self._states: dict[str, SecretState] = {}
        self._backend = ""

    def profiles(self) -> list[Profile]:
        return list(self._profiles)

    def set_profiles(self, profiles: list[Profile]) -> None:
        self.beginResetModel()
        self._profiles = list(profiles)
        self.endResetModel()

    def replace(self, profile: Profile) -> bool:
        """Put a newer copy of a profile in its row; False if it is not there under the same name
        (its place in the list would change)."""
        row = self.row_of(profile.id)
        if row is None or self._profiles[row].name != profile.name:
            return False
        self._profiles[row] = profile
        self.dataChanged.emit(self.index(row), self.index(row))
        return True

    def set_states(self, states: dict[str, SecretState], backend: str) -> None:
        self._states, self._backend = dict(states), backend
        if self._profiles:
            roles = [Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole]
            self.dataChanged.emit(self.index(0), self.index(len(self._profiles) - 1), roles)

    def state(self, profile_id: str) -> SecretState | None:
        return self._states.get(profile_id)

    def states(self) -> dict[str, SecretState]:
        return dict(self._states)

    def sharing(self, profile: Profile) -> int:
        """How many listed profiles use this profile's workspace key (itself included)."""
        if not profile.uses_key:
            return 1
        key = workspace_key_name(profile.base_url, profile.workspace_id)
        return sum(1 for p in self._profiles if p.uses_key and workspace_key_name(p.base_url, p.workspace_id) == key)

    def profile_at(self, row: int) -> Profile | None:
        return self._profiles[row] if 0 <= row < len(self._profiles) else None

    def row_of(self, profile_id: str) -> int | None:
        return next((i for i, p in enumerate(self._profiles) if p.id == profile_id), None)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt's own default)
        return 0 if parent.isValid() else len(self._profiles)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        profile = self.profile_at(index.row()) if index.isValid() else None
        if profile is None:
            return None
        state = self._states.get(profile.id)
        if role == Qt.ItemDataRole.DisplayRole:
            return profile.name
        if role == SubtitleRole:
            return subtitle(profile)
        if role == Qt.ItemDataRole.DecorationRole:
            return secret_icon(state)
        if role == Qt.ItemDataRole.ToolTipRole:
            return (f"{profile.name}\n{api_words(profile)}\n{profile.base_url}\nWorkspace {profile.workspace_id}\n"
                    f"Process {profile.process_id}\n"
                    + secret_tooltip(profile, state, self._backend, self.sharing(profile)))
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return (f"{profile.name}, {subtitle(profile)}, "
                    f"{secret_tooltip(profile, state, self._backend, self.sharing(profile))}")
        if role == SearchRole:
            return "\n".join((profile.name, profile.workspace_id, profile.process_id, region_label(profile.base_url),
                              profile.base_url, profile.notes, "API v1" if profile.uses_key else ""))
        return None


class ProfileDelegate(QStyledItemDelegate):
    """Two lines per profile: the name in bold, then region and process id, quieter (the tooltip has all)."""

    PAD_X, PAD_Y, ICON, GAP = 8, 6, 16, 8

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fonts: tuple[QFont, QFont, QFontMetrics, QFontMetrics] | None = None
        self._outlines: dict[tuple[int, int, float], QPixmap] = {}

    def _fonts_for(self, font: QFont) -> tuple[QFont, QFont, QFontMetrics, QFontMetrics]:
        """(font, its bold, bold metrics, metrics), made again only when the view's font changes."""
        if self._fonts is None or self._fonts[0] != font:
            bold = QFont(font)
            bold.setWeight(QFont.Weight.DemiBold)
            self._fonts = (QFont(font), bold, QFontMetrics(bold), QFontMetrics(font))
        return self._fonts

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        _, _, bold_metrics, metrics = self._fonts_for(option.font)
        height = bold_metrics.height() + metrics.height() + 2 + 2 * self.PAD_Y
        return QSize(max(option.rect.width(), 120), height)

    def initStyleOption(self, option: QStyleOptionViewItem, index: _Index) -> None:
        """Left as the view made it: the base paint() then draws only the row's background, selection
        and focus, and asks the model for nothing. The text and icon are drawn in paint()."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        super().paint(painter, option, index)
        # The row's state from the view, not option.state: that would make PySide set up all of
        # QStyle's enums, slowing the first paint of the window.
        view = option.widget
        selected = isinstance(view, QListView) and view.selectionModel().isSelected(index)
        group = QPalette.ColorGroup.Active if view is None or view.isActiveWindow() else QPalette.ColorGroup.Inactive
        if view is not None and not view.isEnabled():
            group = QPalette.ColorGroup.Disabled
        palette = option.palette
        main = palette.color(group, QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        quiet = main if selected else palette.color(group, QPalette.ColorRole.PlaceholderText)

        area = option.rect.adjusted(self.PAD_X, self.PAD_Y, -self.PAD_X, -self.PAD_Y)
        icon_rect = QRect(area.left(), area.top() + (area.height() - self.ICON) // 2, self.ICON, self.ICON)
        decoration = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(decoration, QIcon) and not decoration.isNull():  # null while the keyring is read
            if selected:
                painter.drawPixmap(icon_rect, self._outline(decoration, main, painter.device().devicePixelRatioF()))
            else:
                decoration.paint(painter, icon_rect, Qt.AlignmentFlag.AlignCenter)
        left = icon_rect.right() + 1 + self.GAP
        width = area.right() - left

        font, bold, bold_metrics, metrics = self._fonts_for(option.font)
        flags = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        painter.save()
        painter.setFont(bold)
        painter.setPen(main)
        name = bold_metrics.elidedText(str(index.data(Qt.ItemDataRole.DisplayRole) or ""),
                                       Qt.TextElideMode.ElideRight, width)
        painter.drawText(QRect(left, area.top(), width, bold_metrics.height()), flags, name)
        painter.setFont(font)
        painter.setPen(quiet)
        second = self.second_line(metrics, str(index.data(SubtitleRole) or ""), width)
        painter.drawText(QRect(left, area.top() + bold_metrics.height() + 2, width, metrics.height()), flags, second)
        painter.restore()

    @staticmethod
    def second_line(metrics: QFontMetrics, text: str, width: int) -> str:
        """The second line as drawn in `width` pixels: cut in the middle, so both the place and the
        end of the process id (where ids of one workspace differ) stay readable."""
        return metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, width)

    def _outline(self, icon: QIcon, colour: QColor, ratio: float) -> QPixmap:
        """The icon's shape in `colour`. On the selection's colour the icons' own greens and reds
        are hard to see; their shapes (a whole key, a dashed one) still tell the states apart."""
        key = (icon.cacheKey(), colour.rgba(), ratio)
        outline = self._outlines.get(key)
        if outline is None:
            outline = icon.pixmap(QSize(self.ICON, self.ICON), ratio)
            painter = QPainter(outline)
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
            painter.fillRect(outline.rect(), colour)
            painter.end()
            self._outlines[key] = outline
        return outline


class ProfileView(ShowsEmptyText, QListView):
    """A list that says something useful when it is empty."""
