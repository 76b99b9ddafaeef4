"""Datasets page: the library's datasets, their counts, thumbnails and problems."""

from __future__ import annotations

import html
import re
from collections import Counter
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QDialog, QDialogButtonBox, QFormLayout,
                               QHBoxLayout, QLabel, QLineEdit, QListWidget, QMessageBox, QPushButton,
                               QRadioButton, QTabWidget, QVBoxLayout, QWidget)

from desktop.formatting import sentence
from desktop.widgets.announce import SpokenLabel, announce
from desktop.widgets.layout import NarrowingLabel, fit_to_width, share_label_column, split_page, title_and_details
from desktop.widgets.folder_field import FolderField
from desktop.widgets.images import ThumbnailGrid
from desktop.widgets.questions import confirm, confirm_box
from desktop.widgets.shortcuts import bind_delete_key, bind_rename_key
from desktop.workers import CallWorker
from engine.data import unmatched_in_words
from engine.fileio import in_words
from engine.library import UNREADABLE_NAMED_ONE_A_LINE, DatasetCopy, DatasetEntry, Library, cache_home, folder_stamps

ENGINE_SIDE_NAME = re.compile(r"(train|test|val)?_?[AB]", re.IGNORECASE)  # a layout's folder name, not a side's


class AddDatasetDialog(QDialog):
    """Name, domain names, and either a root (trainA/trainB) or two folders."""

    def __init__(self, library: Library, parent=None):
        super().__init__(parent)
        self.library = library
        self.entry: DatasetEntry | None = None
        self.setWindowTitle("Add dataset")
        self.setMinimumWidth(560)
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. horse2zebra")
        self.name_a, self.name_b = QLineEdit("A"), QLineEdit("B")
        self.name_a.setPlaceholderText("e.g. horse")
        self.name_b.setPlaceholderText("e.g. zebra")
        self.use_root = QRadioButton("One folder with trainA/ and trainB/, or train/ of side-by-side pairs")
        self.use_root.setToolTip("Test folders beside them (testA/ testB/, or test/) are found too")
        self.use_pair = QRadioButton("Two folders of images, A and B")
        self.use_root.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.use_root)
        group.addButton(self.use_pair)
        self.root = FolderField("Dataset folder (trainA/, trainB/)")
        self.folder_a, self.folder_b = (FolderField("Folder of side A's images"),
                                        FolderField("Folder of side B's images"))
        self.copy = QCheckBox("Copy the images into the library (otherwise the folders are only referenced)")
        self.error = SpokenLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Side A shows", self.name_a)  # "Domain A is": the papers' word, where the app says "side"
        form.addRow("Side B shows", self.name_b)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.add_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.add_button.setText("Add")
        self.status = QLabel()
        self.status.hide()
        self.checking: CallWorker | None = None  # the check, then the copy, running now
        self.cancelled = False
        self.left_out: list[tuple[Path, str]] = []  # files the copy could not read
        buttons.accepted.connect(self.try_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.use_root)
        root = QFormLayout()
        root.addRow(QLabel(), self.root)  # under its radio button, in the fields' column
        layout.addLayout(root)
        layout.addWidget(self.use_pair)
        pair = QFormLayout()
        pair.addRow("A", self.folder_a)
        pair.addRow("B", self.folder_b)
        layout.addLayout(pair)
        share_label_column(form, root, pair)  # the folder fields started at two other places than the names'
        layout.addWidget(self.copy)
        layout.addWidget(self.error)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self._guessed = ""
        self._guessed_sides = ["A", "B"]
        self.root.changed.connect(self._guess_name)
        # a folder picked chooses its way of adding: the other way's fields were greyed out until its button was
        # found, and "Two folders" (a photographer's case) was not the one checked (a new-user pass)
        self.root.changed.connect(lambda path: path and self.use_root.setChecked(True))
        for field in (self.folder_a, self.folder_b):
            field.changed.connect(lambda path: path and self.use_pair.setChecked(True))
            field.changed.connect(self._guess_from_two_folders)
        for signal in (self.use_root.toggled, self.root.changed, self.folder_a.changed, self.folder_b.changed,
                       self.name.textChanged, self.name_a.textChanged, self.name_b.textChanged):
            signal.connect(self.error.clear)  # it spoke of what was there before: "Choose the dataset folder." stayed

    def _guess_name(self, path: str) -> None:
        """Name the dataset after its folder, as long as the name is empty or still the app's guess: a path typed
        in key by key named it after its first letter ("/t")."""
        if self.name.text() in ("", self._guessed):
            self._guessed = Path(path).name if path else ""
            self.name.setText(self._guessed)
        self._guess_sides()  # the two folders' names, guessed before the root was chosen, are not the root's sides

    def _guess_from_two_folders(self, *_) -> None:
        """Two folders name the dataset ("plain to graded") and each side, where those are empty or still the app's
        guesses: the dialog asked for a name on Add, and the sides stayed "A" and "B" (a new-user pass)."""
        paths = [Path(self.folder_a.path()), Path(self.folder_b.path())]
        # a file picked is no side's name: "the ok1.jpg folder …/ok1.jpg is a file" (a datasets pass)
        a, b = ("" if p.is_file() else p.name for p in paths)
        self._guess_sides(a, b)
        if a and b and self.name.text() in ("", self._guessed):
            layout = all(ENGINE_SIDE_NAME.fullmatch(n) for n in (a, b)) and paths[0].parent == paths[1].parent
            self._guessed = paths[0].parent.name if layout else f"{a} to {b}"  # not "trainA to trainB"
            self.name.setText(self._guessed)

    def _guess_sides(self, a: str = "", b: str = "") -> None:
        """Each side named after its folder where it is still the app's guess: "A" or "B" again for a layout's
        folder name (trainA/ says nothing of what it shows; typed key by key, "/day/trainA" left "train")."""
        for i, (field, folder) in enumerate(((self.name_a, a), (self.name_b, b))):
            if field.text() in ("", self._guessed_sides[i]):
                self._guessed_sides[i] = "AB"[i] if not folder or ENGINE_SIDE_NAME.fullmatch(folder) else folder
                field.setText(self._guessed_sides[i])

    def try_accept(self) -> None:
        """Check the choice off the GUI thread (every file's header is read: 2000 images a side held the window
        8 s), then register it; Cancel stays live meanwhile and drops the result."""
        if self.checking is not None:
            return
        if self.use_root.isChecked():
            folders = (self.root.path(), None)
            missing = "" if folders[0] else "Choose the dataset folder."
        else:
            folders = (self.folder_a.path(), self.folder_b.path())
            missing = "" if all(folders) else "Choose both folders, A and B."
        if missing:
            self._say(missing)
            return
        worker = CallWorker(self.library.check_dataset, self.name.text(), *folders, self.name_a.text(),
                            self.name_b.text(), copying=self.copy.isChecked(),  # a snapshot of folders listed
                            parent=self.parent(), stoppable=True)  # outlives a cancelled dialog
        worker.done.connect(self._checked)
        worker.failed.connect(self._refused)
        self.checking = worker
        self._lock_fields(True)  # what is checked is what was there at the click: an edit meanwhile was not taken
        self.status.setText("Checking the images…")
        self.status.show()
        worker.start()

    def _checked(self, entry: DatasetEntry) -> None:
        if not self._finish_check():
            return
        if self.copy.isChecked():
            self._start_copy(entry)
            return
        try:
            self.entry = self.library.register(entry)
        except (ValueError, OSError) as exc:
            self._say(str(exc))
            return
        self.accept()

    def _start_copy(self, entry: DatasetEntry) -> None:
        """Copy the images before the dataset is added, with progress and Cancel here: the dialog closed at once and
        the copy ran unseen, and a copy that failed, was killed or was removed meanwhile left the dataset reading
        its original folders (or another dataset's copy) without a word."""
        worker = CallWorker(self.library.copy_dataset, entry, parent=self.parent(), stoppable=True,
                            reports_progress=True)
        worker.progress.connect(lambda done, total: self.status.setText(
            f"Copying the images into the library: {done:,} of {total:,} files…"))
        worker.done.connect(self._copied)
        worker.failed.connect(self._refused)
        self.checking = worker
        self._lock_fields(True)
        self.status.setText("Copying the images into the library…")
        self.status.show()
        worker.start()

    def _copied(self, copy: DatasetCopy) -> None:
        if not self._finish_check():  # cancelled as it ended: the copy is this dialog's to remove
            self.library.discard_copy(copy.entry)
            return
        try:
            self.entry = self.library.register(copy.entry)
        except (ValueError, OSError) as exc:
            self.library.discard_copy(copy.entry)
            self._say(str(exc))
            return
        self.left_out = copy.left_out
        self.accept()

    def _refused(self, message: str) -> None:
        stopped = self.checking is not None and self.checking.stopped  # cancelled or the app is closing: no news
        if self._finish_check() and not stopped:
            self._say(message)

    def _finish_check(self) -> bool:
        """Whether the check's (or copy's) result is still wanted (the dialog was not cancelled meanwhile)."""
        self.checking = None
        self.status.hide()
        self._lock_fields(False)
        return not self.cancelled

    def _lock_fields(self, locked: bool) -> None:
        """Locked while the check runs; unlocked, the keyboard goes back where it was: disabling its field handed
        it to Cancel, so Enter to try again after an error closed the dialog and lost what was typed."""
        if locked:
            self._focus_before = self.focusWidget()
        for widget in (self.name, self.name_a, self.name_b, self.use_root, self.use_pair, self.copy,
                       self.add_button):
            widget.setEnabled(not locked)
        for field in (self.root, self.folder_a, self.folder_b):
            field.setEnabled(not locked)
        if not locked:
            before = getattr(self, "_focus_before", None)
            (before if before is not None and before.isEnabled() else self.add_button).setFocus()

    def _say(self, text: str) -> None:
        self.error.setText(sentence(text))
        self.adjustSize()  # taller for a long message: its fields were squeezed to fit it instead

    def reject(self) -> None:
        self.cancelled = True
        if self.checking is not None and self.checking.control is not None:
            self.checking.control.stop()  # a copy stops and removes what it wrote; a check's result is dropped
        super().reject()


THUMBNAILS_SHOWN = 500  # a side's pictures shown at most (the page says so past it)
LEFT_OUT_LISTED = 40  # files left out named in the problems' tooltip (a tooltip taller than a screen is cut)
TAB_NAME_SHOWN = 16  # letters of a side's name on its tab, the count after them: three tabs fit 1024 px


class RenameDatasetDialog(QDialog):
    """A dataset's name and what its sides show, changed in place: its folders and pictures stay. A refusal is
    said in the dialog, which stays open with what was typed: it came in a message box after the dialog had closed,
    the names typed lost (a datasets pass)."""

    def __init__(self, entry: DatasetEntry, library: Library, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Rename dataset")
        self.entry, self.library, self.edited = entry, library, None
        self.name, self.name_a, self.name_b = QLineEdit(entry.name), QLineEdit(entry.name_a), QLineEdit(entry.name_b)
        form = QFormLayout(self)
        for label, field in (("Name", self.name), ("Side A shows", self.name_a), ("Side B shows", self.name_b)):
            field.setMinimumWidth(320)
            form.addRow(label, field)
        self.error = SpokenLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Rename")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def accept(self) -> None:
        try:
            self.edited = self.library.edit_dataset(self.entry.name, self.name.text(), self.name_a.text(),
                                                    self.name_b.text())
        except (KeyError, ValueError, OSError) as exc:
            why = exc.args[0] if isinstance(exc, KeyError) and exc.args else in_words(exc)
            self.error.setText(sentence(f"Not renamed: {why}"))
            self.adjustSize()  # taller for it: its second line was cut, over the buttons (a datasets pass)
            (self.name_a if "side" in why else self.name).setFocus()  # the field at fault
            return
        super().accept()


class DatasetsPage(QWidget):
    datasets_changed = Signal()
    dataset_renamed = Signal(str, str)  # old name, new name: the Train page's choice follows it

    def __init__(self, library: Library, parent=None):
        super().__init__(parent)
        self.library = library
        self._workers: list = []
        self._say_added: str | None = None  # the dataset just added: its check's outcome is said once it comes
        self.inspecting: CallWorker | None = None  # the dataset shown is being checked (its report is shown when done)
        self._checked: tuple[str, tuple] | None = None  # the dataset shown and its folders' times when checked
        self.removing: CallWorker | None = None  # deleting a removed dataset's copy
        self.training_data = lambda: []  # the picture folders of the run the Train page trains (the window sets it)
        self.list = fit_to_width(QListWidget())  # a long name cut with …, not scrolled sideways
        self.list.setAccessibleName("Datasets")
        self.list.currentTextChanged.connect(self.show_dataset)
        self.add_button = QPushButton("Add dataset…")
        self.add_button.setToolTip("Add a dataset (Ctrl+N, File menu)")
        self.add_button.clicked.connect(self.add_dataset)
        self.remove_button = QPushButton("Remove…")  # it asks first, as Delete… does
        self.remove_button.setToolTip("Forget this dataset (its images stay on disk)")
        self.remove_button.clicked.connect(self.remove_current)
        bind_delete_key(self.list, self.remove_button)
        self.rename_button = QPushButton("Rename…")
        self.rename_button.setToolTip("Rename this dataset, or what its sides show (F2); its folders stay")
        self.rename_button.clicked.connect(self.rename_current)
        bind_rename_key(self.list, self.rename_button)
        left = QVBoxLayout()
        left.addWidget(QLabel("<b>Datasets</b>"))
        left.addWidget(self.list, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.rename_button)
        buttons.addWidget(self.remove_button)
        left.addLayout(buttons)

        self.title, self.details = title_and_details()
        self.problems = NarrowingLabel()
        self.problems.setObjectName("warning")
        cache = cache_home() / "thumbnails"
        self.grid_a, self.grid_b = ThumbnailGrid(cache), ThumbnailGrid(cache)
        self.grid_pairs = ThumbnailGrid(cache)
        for grid, side in ((self.grid_a, "A"), (self.grid_b, "B"), (self.grid_pairs, "Pairs")):
            grid.setAccessibleName(f"Pictures of the dataset: {side}")
        self.sides = QTabWidget()
        self.sides.tabBar().setElideMode(Qt.TextElideMode.ElideMiddle)  # two 60-letter names hid B's tab at 1024 px
        self.sides.tabBar().setUsesScrollButtons(False)
        self.sides.addTab(self.grid_a, "A")
        self.sides.addTab(self.grid_b, "B")
        self.sides.addTab(self.grid_pairs, "Pairs")
        right = QVBoxLayout()
        right.addWidget(self.title)
        right.addWidget(self.details)
        right.addWidget(self.problems)
        right.addWidget(self.sides, 1)
        # pairs were not named, and "the left halves of four photos, and the right halves in a golden-hour look"
        # read as a riddle (a pix2pix pass)
        self.empty_hint = QLabel("No dataset yet. Add one: a folder with trainA/ and trainB/, or two folders of "
                                 "images; for pairs, files of one name on both sides, or a train/ folder of pictures "
                                 "side by side. Or try the demo: four photos cut in two, their left halves as they "
                                 "are and their right halves in a golden-hour look.")
        self.empty_hint.setWordWrap(True)
        self.demo_button = QPushButton("Add the demo dataset")
        self.demo_button.setToolTip("Photos (A) and photos in a warm golden-hour look (B), shipped with the app: "
                                    "enough to see training work, too few for a good model")
        self.demo_button.clicked.connect(self.add_demo)
        # a list that cannot be read: "move it aside" was said, and no way to was offered (a crash pass)
        self.set_aside_button = QPushButton("Start an empty list")
        self.set_aside_button.setToolTip("Rename the damaged list to datasets.damaged.json, kept as it is, and start "
                                         "an empty one; your pictures and runs stay where they are")
        self.set_aside_button.clicked.connect(self.set_aside_damaged_list)
        right.addWidget(self.empty_hint)
        right.addWidget(self.demo_button, 0, Qt.AlignmentFlag.AlignLeft)
        right.addWidget(self.set_aside_button, 0, Qt.AlignmentFlag.AlignLeft)
        right.addStretch(0)
        split_page(self, left, right, (240, 760))
        self.refresh()

    def refresh(self, select: str | None = None) -> None:
        current = select or (self.list.currentItem().text() if self.list.currentItem() else None)
        self.list.blockSignals(True)
        self.list.clear()
        damaged = ""  # the list could not be read: the page showed "No dataset yet" and offered the demo, which failed
        try:  # on the same file (a datasets pass); it says so until the file is mended or moved aside
            names = [e.name for e in self.library.datasets()]
        except ValueError as exc:
            names, damaged = [], sentence(str(exc))
            QMessageBox.warning(self, "Datasets", damaged)
        self.list.addItems(names)
        self.list.blockSignals(False)
        self.empty_hint.setVisible(not names and not damaged)
        self.demo_button.setVisible(not names and not damaged)
        self.set_aside_button.setVisible(bool(damaged))
        self.sides.setVisible(bool(names))
        self.remove_button.setEnabled(bool(names))
        self.rename_button.setEnabled(bool(names))
        if names:
            row = names.index(current) if current in names else 0
            self.list.setCurrentRow(row)
            self.show_dataset(names[row])
        else:
            self.title.setText("The dataset list cannot be read" if damaged else "")
            self.details.setText("")
            self.problems.setText(f"⚠ {html.escape(damaged)}" if damaged else "")
            self.problems.setToolTip("")  # the last dataset's problems (a review)

    def set_aside_damaged_list(self) -> None:
        try:
            kept = self.library.set_aside_damaged_list()
        except (ValueError, OSError) as exc:
            QMessageBox.warning(self, "Datasets", sentence(in_words(exc)))
            self.refresh()
            return
        self.refresh()
        self.datasets_changed.emit()
        self.details.setText(f"The damaged list is kept as {html.escape(str(kept))}. Add your datasets again: their "
                             "folders are as they were.")
        self.list.setFocus()  # the button that had it is hidden now

    def add_demo(self) -> None:
        """Reference the shipped demo photos as a dataset (nothing is copied; they are read only)."""
        from engine.resources import demo_dataset_dir

        try:
            entry = self.library.add_dataset("demo golden hour", str(demo_dataset_dir()), None, "photo", "golden hour")
        except (ValueError, OSError) as exc:
            QMessageBox.warning(self, "Demo dataset", sentence(in_words(exc)))  # as every other message reads
            return
        self.refresh(entry.name)
        self.list.setFocus()  # the button that had it is hidden now: the keyboard went to the tab bar
        self.datasets_changed.emit()

    def show_dataset(self, name: str) -> None:
        if not name:
            return
        try:
            entry = self.library.dataset(name)
        except (KeyError, ValueError):  # gone from the list meanwhile: the last dataset's details stayed as its own
            self.refresh()
            return
        self.title.setText(f"{entry.name}: {entry.name_a} ↔ {entry.name_b}")
        self.details.setText("Checking its images…")
        self.problems.setText("")
        self.problems.setToolTip("")
        # the last dataset's pictures and counts stayed under this one's title until its check ended (20 s for
        # 10,000 images a side)
        aligned = entry.layout == "aligned"
        for grid in (self.grid_a, self.grid_b, self.grid_pairs):
            grid.set_files([])
        for index, (text, shown) in enumerate(((entry.name_a, not aligned), (entry.name_b, not aligned),
                                               ("Pairs", aligned))):
            self._name_tab(index, text)
            self.sides.setTabVisible(index, shown)
        self.sides.setCurrentIndex(2 if aligned else 0)  # a two-folder dataset after a side-by-side one opened on B
        # every file's header is read: 2000 images a side held the window 1.2 s at each click, 8 s on adding
        if self.inspecting is not None:  # for the dataset shown before: stopped, not left reading on
            self.inspecting.control.stop()
        self._checked = (entry.name, folder_stamps(entry))
        worker = CallWorker(Library.inspect, entry, parent=self, stoppable=True)
        worker.done.connect(lambda report: worker is self.inspecting and self._show_report(entry, report))
        worker.finished.connect(lambda: self._inspected(worker))
        self.inspecting = worker
        self._workers.append(worker)
        worker.start()

    def _name_tab(self, index: int, name: str, count: int | None = None) -> None:
        """A side's tab, named as the user named the side: "&" marks a shortcut on a tab, and "Rock & Roll" showed
        as "Rock _Roll", "R&D" as "RD" (a datasets pass). A long name is shortened in its middle before the count
        goes on, so that the count stays in view (two 80-letter names left "xxx… (" and "…yyy (12"); the whole name
        is its tooltip."""
        counted = f" ({count})" if count is not None else ""
        half = TAB_NAME_SHOWN // 2
        shown = name if len(name) <= TAB_NAME_SHOWN else f"{name[:half]}…{name[1 - half:]}"
        self.sides.setTabText(index, (shown + counted).replace("&", "&&"))
        self.sides.setTabToolTip(index, name + counted)

    def check_again_if_changed(self) -> None:
        """Check the dataset shown again where a folder of it changed since (pictures added or removed): its counts
        stayed as they were until the next start, on this page while the Train page had the new ones."""
        item = self.list.currentItem()
        if item is None or self._checked is None or self._checked[0] != item.text():
            return
        try:
            entry = self.library.dataset(item.text())
        except (KeyError, ValueError):
            return
        if folder_stamps(entry) != self._checked[1]:
            self.show_dataset(entry.name)

    def _inspected(self, worker) -> None:
        self._workers.remove(worker)
        if worker is self.inspecting:
            self.inspecting = None

    def _show_report(self, entry: DatasetEntry, report) -> None:
        # names and folders are the user's text: "R&D <final>" lost "<final>", a side named "<i>horse" came out in
        # italics
        name_a, name_b, folder_a, folder_b = (html.escape(t) for t in (entry.name_a, entry.name_b, entry.folder_a,
                                                                      entry.folder_b))
        tests = ""
        if entry.test_a:
            tests = f"<br>Test folders: {html.escape(entry.test_a)}" + (f", {html.escape(entry.test_b)}"
                                                                         if entry.test_b else "")
        aligned = entry.layout == "aligned"
        a, b = (f"<b>{name}</b>{'' if name == side else f' ({side})'}"  # not "A (A)" for a side left unnamed
                for name, side in ((name_a, "A"), (name_b, "B")))  # (a datasets pass)
        if aligned:
            sides = f"{report.pairs} pairs, {a} on the left and {b} on the right of each image, in {folder_a}"
        else:
            sides = f"{a}: {report.count_a} images in {folder_a}<br>{b}: {report.count_b} images in {folder_b}"
        named = html.escape(unmatched_in_words(report.unmatched_names, 3))  # the command line named them; this gave a
        # count
        unmatched = f"; {report.unmatched} without a partner: {named}" if report.unmatched else ""
        paired = (f"<br>{report.pairs} pairs (files of the same name on both sides{unmatched}): pix2pix, which "
                  "learns from pairs of the same picture, can train on them (Method on the Train page)"
                  if report.pairs and not aligned else "")
        largest = max(report.count_a, report.count_b, report.pairs)
        shown_only = (f"<br>The first {THUMBNAILS_SHOWN} of each are shown." if largest > THUMBNAILS_SHOWN else "")
        added = self._say_added == entry.name  # the next step, said where one looks: the dialog closed onto the
        # thumbnails with no word of what to do now (a new-user pass)
        self.details.setText(sides + paired + tests + shown_only + (
            "<br><b>Added.</b> Next: train a model on it on the Train page (Ctrl+2)." if added else ""))
        shown = report.problems[:8]
        more = f"<br>…and {len(report.problems) - 8} more" if len(report.problems) > 8 else ""
        self.problems.setText("<br>".join(f"⚠ {html.escape(sentence(p))}" for p in shown) + more)
        # "…and 5 more" could be read nowhere (a datasets pass): every one in the tooltip, and every file left out
        # (a problem names three of them: five of eight unreadable files were named nowhere)
        named = [f"{file} ({side}): {why}" for side, file, why in report.left_out[:LEFT_OUT_LISTED]] + (
            [f"…and {len(report.left_out) - LEFT_OUT_LISTED} more"] if len(report.left_out) > LEFT_OUT_LISTED else [])
        most_a_side = max(Counter(side for side, _, _ in report.left_out).values(), default=0)
        listing = "\n\nLeft out:\n" + "\n".join(named) if most_a_side > UNREADABLE_NAMED_ONE_A_LINE else ""
        self.problems.setToolTip("\n".join(sentence(p) for p in report.problems) + listing if more or listing else "")
        if self._say_added == entry.name:  # shown, never said: the dialog closed onto silence (a keyboard pass)
            self._say_added = None
            counts = f"{report.pairs} pairs" if aligned else f"{report.count_a} and {report.count_b} images"
            announce(self.details, f"Added {entry.name}: {counts}." + (
                f" {len(report.problems)} problem(s): {sentence(report.problems[0])}" if report.problems else "")
                + " Next: train a model on it on the Train page.")
        self._name_tab(0, entry.name_a, report.count_a)
        self._name_tab(1, entry.name_b, report.count_b)
        self._name_tab(2, "Pairs", report.pairs)
        self.sides.setTabVisible(0, not aligned)
        self.sides.setTabVisible(1, not aligned)
        self.sides.setTabVisible(2, bool(report.pairs))
        self.grid_a.set_files([] if aligned else report.files_a, THUMBNAILS_SHOWN)
        self.grid_b.set_files([] if aligned else report.files_b, THUMBNAILS_SHOWN)
        self.grid_pairs.set_pairs(report.pair_files, THUMBNAILS_SHOWN)

    def add_dataset(self) -> None:
        dialog = AddDatasetDialog(self.library, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.entry is not None:
            self.show_added(dialog)

    def show_added(self, dialog: AddDatasetDialog) -> None:
        """Show the dataset a dialog added, and name the files its copy left out."""
        self._say_added = dialog.entry.name
        self.refresh(dialog.entry.name)
        self.datasets_changed.emit()
        if dialog.left_out:
            names = "\n".join(f"{path.name}: {reason}" for path, reason in dialog.left_out[:10])
            more = f"\n…and {len(dialog.left_out) - 10} more" if len(dialog.left_out) > 10 else ""
            QMessageBox.information(self, "Copy dataset", f"{len(dialog.left_out)} file(s) or folder(s) could not be "
                                    f"read and were left out of the copy:\n{names}{more}")  # titled "Copy" alone

    def rename_current(self) -> None:
        """Rename the dataset chosen, or its sides: the only way was to remove it and add it again, and "A (A)"
        stayed on its tab (a datasets and runs pass)."""
        item = self.list.currentItem()
        if item is None or self.removing is not None:
            return
        try:
            entry = self.library.dataset(item.text())
        except (KeyError, ValueError):  # gone from the list meanwhile
            self.refresh()
            return
        dialog = RenameDatasetDialog(entry, self.library, self)
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.edited is None:
            return
        edited = dialog.edited
        self.refresh(edited.name)
        self.dataset_renamed.emit(entry.name, edited.name)
        self.datasets_changed.emit()
        announce(self, f"Renamed to {edited.name}.")

    def _trained_on_now(self, entry: DatasetEntry | None) -> bool:
        """Whether the run the Train page trains reads this dataset's folders."""
        if entry is None:
            return False
        used = [Path(p).resolve() for p in self.training_data()]
        mine = [Path(p).resolve() for p in (entry.folder_a, entry.folder_b) if p]
        return any(m == u or m.is_relative_to(u) or u.is_relative_to(m) for m in mine for u in used)

    def remove_current(self) -> None:
        item = self.list.currentItem()
        if not item:
            return
        try:
            entry = self.library.dataset(item.text())
        except (KeyError, ValueError):
            entry = None
        copy = self.library.copy_of(entry) if entry is not None else None
        try:
            shared = copy is not None and self.library.readers_of(copy, self.library.datasets(), entry)
        except ValueError:
            shared = True  # a damaged list: the copy is not offered for deletion
        question = f"Remove “{item.text()}” from the library?"
        # the run goes on, from the pictures it listed at its start; asked nothing of it before (a new-user pass)
        training = " A run is training on it now: it goes on." if self._trained_on_now(entry) else ""
        if copy is None or shared:  # another dataset reads that copy too: it stays
            # and why: "Its images are not deleted." alone left the space it takes unexplained (a datasets pass)
            why = (f" They are the library's copy in {copy}, which “{shared[0]}” reads too: remove that dataset as "
                   "well to be offered the copy's deletion." if isinstance(shared, list) and shared else "")
            if not confirm(self, "Remove dataset", question, "Remove", f"Its images are not deleted.{why}{training}"):
                return
            delete_copy = False
        elif training:  # its copy was offered for deletion under the run reading it; kept, removed later by no one
            QMessageBox.information(self, "Remove dataset", f"A run is training on “{item.text()}”, whose images "
                                    f"are the library's copy in {copy}: remove it once the run has stopped, to be "
                                    "offered the copy's deletion too.")
            return
        else:  # the copy is the library's own: removing the dataset left hundreds of MB nothing showed
            box, remove = confirm_box(self, "Remove dataset", question, "Remove",
                                      f"Its images are a copy the library made, in {copy}.")
            also = QCheckBox("Also delete the copy (its size is being counted…)", box)  # kept: unowned, Python
            box.setCheckBox(also)  # freed it while the box showed it
            # counted off the GUI thread: a copy of 20,000 pictures held the window seconds before the box showed
            counting = CallWorker(folder_size, copy, parent=self)
            counting.done.connect(lambda size: also.setText(f"Also delete the copy ({size / 2**20:,.1f} MB)"))
            counting.finished.connect(lambda: self._workers.remove(counting))
            self._workers.append(counting)
            counting.start()
            box.exec()
            if box.clickedButton() is not remove:
                return
            delete_copy = also.isChecked()
        if delete_copy:  # deleted off the window's thread: a copy of 40,000 pictures held it 16 s (a datasets pass)
            self.remove_button.setEnabled(False)
            self.rename_button.setEnabled(False)  # renamed meanwhile, it stayed listed, its removal failing unsaid
            self.details.setText(f"Deleting the copy in {html.escape(str(copy))}…")
            worker = CallWorker(remove_dataset, self.library, item.text(), True, parent=self)
            worker.done.connect(lambda left: self._removed(left, copy))
            worker.failed.connect(lambda text: self._removed([], copy, text))
            worker.finished.connect(lambda: setattr(self, "removing", None))
            self.removing = worker
            worker.start()
            return
        try:
            self._removed(remove_dataset(self.library, item.text(), False), copy)
        except (ValueError, OSError) as exc:
            self._removed([], copy, str(exc))

    def _removed(self, left: list[str], copy: Path | None, error: str = "") -> None:
        if error:  # the list is damaged or cannot be written: said, nothing written
            QMessageBox.warning(self, "Remove dataset", sentence(error))
        elif left:
            named = ", ".join(left[:3]) + (", …" if len(left) > 3 else "")  # they were a count alone
            QMessageBox.information(self, "Remove dataset", f"The copy's images were deleted; {len(left)} other "
                                                            f"file(s) found in {copy} were kept: {named}.")
        self.refresh()
        self.datasets_changed.emit()


def remove_dataset(library: Library, name: str, delete_copy: bool) -> list[str]:
    """:meth:`Library.remove_dataset`, a dataset already gone from the list (another window, a hand edit) being no
    error: it raised KeyError."""
    try:
        return library.remove_dataset(name, delete_copy=delete_copy)
    except KeyError:
        return []


def folder_size(folder: Path) -> int:
    """Bytes of the files under ``folder``."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
