"""The Files tab: each step run's artifacts (its log, the files it kept) and the run's outputs, with a
download of the selected artifacts (or all of them) into a folder the user picks.

The download comes from a storage host through a short-lived link; the app never sends the API key
there. It goes on if another run is selected meanwhile: its progress and "Open folder" stay here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QStandardPaths, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTreeWidgetItem,
    QWidget,
)

from robocloud_desktop.core.errors import ProcessApiError
from robocloud_desktop.core.visible import visible
from robocloud_desktop.ui.board.story.source import FILES, RunFiles
from robocloud_desktop.ui.board.story.steps import step_title
from robocloud_desktop.ui.board.story.widgets import StoryPage, StoryTree, format_size, message_of, short_time

if TYPE_CHECKING:
    import threading

    from robocloud_desktop.core.api_v1 import ControlRoomClient
    from robocloud_desktop.core.story_results import Artifact
    from robocloud_desktop.core.target import Target
    from robocloud_desktop.ui.board.story.source import Call, StorySource

NO_FILES = "No files: the run's steps kept no artifacts, and it has no outputs."
PAYLOAD_CHARS = 200
COL_NAME, COL_SIZE = range(2)
_ARTIFACT = Qt.ItemDataRole.UserRole


def read_files(run_id: str) -> Call:
    def call(client: ControlRoomClient, target: Target, key: str) -> RunFiles:
        steps = client.step_runs(target, key, run_id)
        artifacts = {step.id: client.artifacts(target, key, step.id) for step in steps}
        try:
            outputs, problem = client.run_outputs(target, key, run_id), ""
        except ProcessApiError as error:  # the artifacts are worth showing without them
            outputs, problem = None, f"The run's outputs could not be read: {error.message}"
        return RunFiles(steps, artifacts, outputs, problem)

    return call


class FilesPage(StoryPage):
    def __init__(self, source: StorySource, parent: QWidget | None = None) -> None:
        super().__init__(source, "storyFiles", parent)
        self.tree = StoryTree("runFiles", "Artifacts and outputs", ["Name", "Size"], self)
        self.tree.setToolTip("Each step's artifacts, and the run's outputs. Select artifacts to download only "
                             "those.")
        self.tree.empty_text = NO_FILES
        self.tree.setRootIsDecorated(True)
        self.tree.set_columns(stretch=COL_NAME)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.itemSelectionChanged.connect(self._update_download)
        self.tree.itemDoubleClicked.connect(lambda item, _c: self._download_one(item))

        self.download_button = QPushButton("Download all…", self)
        self.download_button.setObjectName("downloadArtifacts")
        self.download_button.setAccessibleName("Download")
        self.download_button.clicked.connect(self.choose_folder_and_download)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("cancelDownload")
        self.cancel_button.setAccessibleName("Cancel the download")
        self.cancel_button.setToolTip("Stop downloading; a file not complete is not kept")
        self.cancel_button.clicked.connect(self.cancel_download)
        self.cancel_button.hide()
        self.open_folder_button = QPushButton("Open folder", self)
        self.open_folder_button.setObjectName("openDownloadFolder")
        self.open_folder_button.setAccessibleName("Open folder")
        self.open_folder_button.clicked.connect(self.open_folder)
        self.open_folder_button.hide()
        self.progress = QProgressBar(self)
        self.progress.setObjectName("downloadProgress")
        self.progress.setAccessibleName("Download progress")
        self.progress.hide()
        self.download_note = QLabel(self)
        self.download_note.setObjectName("downloadNote")
        self.download_note.setAccessibleName("Download")
        self.download_note.setWordWrap(True)
        self.download_note.setTextFormat(Qt.TextFormat.PlainText)
        self.download_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.download_note.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.download_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.open_folder_button)
        buttons.addStretch(1)
        self.layout_.addWidget(self.tree, 1)
        self.layout_.addLayout(buttons)
        self.layout_.addWidget(self.progress)
        self.layout_.addWidget(self.download_note)
        self.layout_.addWidget(self.status)

        self.files: RunFiles | None = None
        self.folder: Path | None = None  # where the last download went
        self.saved: list[Path] = []
        self._cancel: threading.Event | None = None
        self._update_download()

    # --- listing ------------------------------------------------------------------------------

    def waiting(self, text: str) -> None:
        self.tree.set_waiting(text)

    def reset(self) -> None:
        super().reset()
        self.files = None
        self.tree.clear()
        self._update_download()

    def load(self) -> None:
        record = self.record
        assert record is not None
        self.read(FILES, read_files(record.run_id), self._show)

    def _show(self, files: RunFiles) -> None:
        picked = {(a.step_run_id, a.id) for a in (i.data(COL_NAME, _ARTIFACT) for i in self.tree.selectedItems()) if a}
        self.files = files
        self.tree.clear()
        bold = QFont(self.tree.font())
        bold.setBold(True)
        for number, step in enumerate(files.steps, 1):
            found = files.artifacts.get(step.id, [])
            group = QTreeWidgetItem([step_title(number, step), f"{len(found)} file{'s' if len(found) != 1 else ''}"])
            group.setFont(COL_NAME, bold)
            group.setToolTip(COL_NAME, f"Artifacts of step run {step.id}")
            group.setFlags(group.flags() & ~Qt.ItemFlag.ItemIsSelectable)
            for artifact in found:
                row = QTreeWidgetItem([artifact.name, format_size(artifact.size)])
                row.setData(COL_NAME, _ARTIFACT, artifact)
                row.setToolTip(COL_NAME, f"{artifact.name}\nDouble-click to download it")
                row.setTextAlignment(COL_SIZE, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                group.addChild(row)
                row.setSelected((artifact.step_run_id, artifact.id) in picked)  # read again: the choice stays
            if not found:
                none = QTreeWidgetItem(["No artifacts", ""])
                none.setFlags(Qt.ItemFlag.ItemIsEnabled)
                none.setForeground(COL_NAME, self.palette().placeholderText())
                group.addChild(none)
            self.tree.addTopLevelItem(group)
        if files.outputs:
            count = len(files.outputs)
            group = QTreeWidgetItem(["Outputs", f"{count} output{'s' if count != 1 else ''}"])
            group.setFont(COL_NAME, bold)
            group.setToolTip(COL_NAME, "What the run's work items produced: a payload each, and files")
            group.setFlags(group.flags() & ~Qt.ItemFlag.ItemIsSelectable)
            for number, output in enumerate(files.outputs, 1):
                when = short_time(output.created_at)
                head = QTreeWidgetItem([f"Output {number}" + (f" · {when}" if when else ""),
                                        f"{len(output.files)} file{'s' if len(output.files) != 1 else ''}"])
                head.setFlags(Qt.ItemFlag.ItemIsEnabled)
                head.setToolTip(COL_NAME, f"Output {output.id}")
                payload = QTreeWidgetItem([f"Payload {_compact(output.payload)}", ""])
                payload.setFlags(Qt.ItemFlag.ItemIsEnabled)
                payload.setToolTip(COL_NAME, _pretty(output.payload))
                head.addChild(payload)
                for file in output.files:
                    item = QTreeWidgetItem([file.name, format_size(file.size)])
                    item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                    item.setTextAlignment(COL_SIZE, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                    item.setToolTip(COL_NAME, f"{file.name}: an output file. Download it from Control Room; the API "
                                              "gives no link for it.")
                    head.addChild(item)
                group.addChild(head)
            self.tree.addTopLevelItem(group)
        self.tree.expandAll()
        if not files.steps and not files.outputs:
            self.tree.clear()  # the list says why it is empty
        if files.outputs_problem:
            self.status.say(files.outputs_problem, "warning")
        self._update_download()

    def artifacts(self) -> list[Artifact]:
        groups = (self.tree.topLevelItem(row) for row in range(self.tree.topLevelItemCount()))
        return [artifact for group in groups if group is not None for artifact in _artifacts_under(group)]

    def chosen(self) -> list[Artifact]:
        """What Download saves: the selected artifacts, or every one."""
        picked = [item.data(COL_NAME, _ARTIFACT) for item in self.tree.selectedItems()]
        return [artifact for artifact in picked if artifact is not None] or self.artifacts()

    def _update_download(self) -> None:
        busy = self._cancel is not None
        picked = [item for item in self.tree.selectedItems() if item.data(COL_NAME, _ARTIFACT) is not None]
        everything = self.artifacts()
        self.download_button.setEnabled(bool(everything) and not busy)
        self.download_button.setText(f"Download {len(picked)} selected…" if len(picked) > 1
                                     else "Download selected…" if picked else "Download all…")
        if busy:
            tip = "A download is under way: wait for it, or cancel it"
        elif not everything:
            tip = "Nothing to download: the run's steps kept no artifacts"
        else:
            tip = ("Save the selected artifacts in a folder you choose" if picked
                   else "Save every artifact of the run in a folder you choose (select some to save only those)")
        self.download_button.setToolTip(tip)

    # --- downloading --------------------------------------------------------------------------

    def choose_folder_and_download(self) -> None:
        from PySide6.QtWidgets import QFileDialog  # dialogs load when first opened

        start = str(self.folder or QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DownloadLocation))
        folder = QFileDialog.getExistingDirectory(self, "Download the run's files into", start)
        if folder:
            self.download_to(Path(folder))

    def _download_one(self, item: QTreeWidgetItem) -> None:
        artifact = item.data(COL_NAME, _ARTIFACT)
        if artifact is not None and self._cancel is None:
            self.tree.setCurrentItem(item)
            self.choose_folder_and_download()

    def download_to(self, folder: Path, artifacts: list[Artifact] | None = None) -> None:
        """Save these artifacts (by default what Download saves) into `folder`, without asking."""
        record, artifacts = self.record, artifacts if artifacts is not None else self.chosen()
        if record is None or not artifacts or self._cancel is not None:
            return
        self.folder, self.saved = folder, []
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.progress.setFormat("%p %")
        self.progress.show()
        self.open_folder_button.hide()
        self.cancel_button.show()
        count = f"{len(artifacts)} files" if len(artifacts) > 1 else artifacts[0].name
        self.download_note.setText(f"Downloading {count} into {folder}…")
        self.download_note.show()
        self._cancel = self.source.download(record, artifacts, folder, self._progressed,
                                            lambda paths: self._downloaded(folder, paths), self._download_failed)
        self._update_download()

    def _progressed(self, done: int, total: int | None) -> None:
        if total:
            self.progress.setRange(0, 100)
            self.progress.setValue(min(100, done * 100 // total))
        else:
            self.progress.setRange(0, 0)  # busy, without a percentage: the size is not known

    def _downloaded(self, folder: Path, paths: list[Path]) -> None:
        cancelled = self._cancel is not None and self._cancel.is_set()
        self._cancel = None
        self.saved = paths
        self.cancel_button.hide()
        self.progress.setRange(0, 100)
        if paths:
            self.progress.setValue(100)
        names = ", ".join(path.name for path in paths)
        if cancelled:
            self.download_note.setText(f"Cancelled. Saved before that in {folder}: {names}" if paths
                                       else "Cancelled; nothing was saved.")
        else:
            self.download_note.setText(f"Saved in {folder}: {names}")
        self.open_folder_button.setVisible(bool(paths))
        self.open_folder_button.setToolTip(f"Open {folder} in your file manager")
        self._update_download()

    def _download_failed(self, error: Exception) -> None:
        cancelled = self._cancel is not None and self._cancel.is_set()
        self._cancel = None
        self.cancel_button.hide()
        self.progress.hide()
        self.download_note.setText("Cancelled; nothing more was saved." if cancelled
                                   else f"The download failed: {message_of(error)}")
        self._update_download()

    def cancel_download(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            self.download_note.setText("Cancelling…")

    def open_folder(self) -> None:
        if self.folder is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.folder)))

    def downloading(self) -> bool:
        return self._cancel is not None


def _artifacts_under(group: QTreeWidgetItem) -> list[Artifact]:
    children = (group.child(row) for row in range(group.childCount()))
    found = [child.data(COL_NAME, _ARTIFACT) for child in children if child is not None]
    return [artifact for artifact in found if artifact is not None]


def _compact(payload: object) -> str:
    try:
        text = json.dumps(payload, ensure_ascii=False, separators=(", ", ": "))
    except (TypeError, ValueError):
        text = str(payload)
    text = visible(text)
    return text if len(text) <= PAYLOAD_CHARS else text[:PAYLOAD_CHARS] + "…"


def _pretty(payload: object) -> str:
    try:
        text = json.dumps(payload, indent=2, ensure_ascii=False)
    except (TypeError, ValueError):
        text = str(payload)
    return visible(text, lines=True)[:4000]
