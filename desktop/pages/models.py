"""Models page: model files and runs with their metadata; export, import, rename, delete."""

from __future__ import annotations

import errno
import html
import os
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton,
                               QVBoxLayout, QWidget)

from desktop.formatting import counted, domain_name, format_timestamp, sentence
from desktop.widgets.announce import OutcomeLabel
from desktop.widgets.gallery import GalleryDialog
from desktop.widgets.layout import ask_text, fit_to_width, split_page, title_and_details
from desktop.widgets.questions import confirm
from desktop.widgets.shortcuts import bind_delete_key, bind_rename_key
from desktop.workers import CallWorker
from engine.data import side_labels
from engine.imports import DomainsUnknown
from engine.library import NAME_LENGTH, AlreadyImported, Library, NameTaken, refuse_the_demos_name, with_number
from engine.evaluate import evaluate_held_out, input_direction, inputs_left_out, pairs_with_truth, truth_for
from engine.fileio import in_words, modified_ns
from engine.modelfile import ModelFileError, export_model, read_metadata
from engine.resources import is_builtin
from engine.rundir import RunDir, RunLocked, trained_elsewhere


IMPORTABLE = (".pt", ".pth", ".safetensors")


class DomainsDialog(QDialog):
    """What a generator's input and output show, when its file name does not say (X2Y would)."""

    def __init__(self, stem: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle("What does this model translate?")  # "Name the domains": the papers' word
        self.name_a, self.name_b = QLineEdit(), QLineEdit()
        self.name_a.setPlaceholderText("e.g. sketch")
        self.name_b.setPlaceholderText("e.g. photo")
        form = QFormLayout(self)
        note = QLabel(f"{stem} does not say what it translates. What does its input show, and its output?")
        note.setWordWrap(True)
        form.addRow(note)
        form.addRow("Its input shows", self.name_a)  # "Input (A)": letters shown nowhere else (a new-user pass)
        form.addRow("Its output shows", self.name_b)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        for field in (self.name_a, self.name_b):  # one side named and OK dropped the import, unsaid
            field.textChanged.connect(self._sync)
        self._sync()

    def _sync(self) -> None:
        self.ok_button.setEnabled(bool(self.name_a.text().strip() and self.name_b.text().strip()))

    @classmethod
    def ask(cls, stem: str, parent=None) -> tuple[str, str] | None:
        dialog = cls(stem, parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        a, b = dialog.name_a.text().strip(), dialog.name_b.text().strip()
        return (a, b) if a and b else None


def change_failed(exc: Exception, path: Path) -> str:
    """Why a model or run could not be renamed or deleted, in words: the system's "[Errno 30] Read-only file system:
    '…/runs/tiny/.lock'" named a file the person never made (a models pass)."""
    if isinstance(exc, OSError) and getattr(exc, "winerror", None) in (32, 33):  # Windows: a file held open
        return f"{path.name} is open in another program: close it there and try again"
    if isinstance(exc, OSError) and exc.errno == errno.EROFS:  # the disk: the folder as a whole
        return f"{path.parent} cannot be changed ({exc.strerror.lower()})"
    if isinstance(exc, OSError) and exc.errno in (errno.EACCES, errno.EPERM):
        return f"{path.name} cannot be changed here ({exc.strerror.lower()})"
    return in_words(exc)

def training_words(run: Path, live_run: str | None = None) -> str:
    """Who trains ``run`` now, as the end of "is being trained …" ("" if no one): this window on its Train page
    (``live_run``, the run it trains; on Windows a held lock cannot even be read), or another program."""
    if live_run and Path(live_run) == run:
        return "on the Train page"
    holder = trained_elsewhere(run)
    if holder is None:
        return ""
    return "on the Train page" if holder.startswith(f"process {os.getpid()},") else f"by {holder}"


def method_words(method: str | None) -> str:
    return "pix2pix (trained on pairs)" if method == "pix2pix" else "CycleGAN"


def describe(meta: dict) -> str:
    """The model's metadata as a table. Every value is shown as text: a stranger's file named its domains in HTML,
    and the page showed its headings, links and pictures (a hostile models pass)."""
    m = meta.get("model", {})
    generator = m.get("generator", "resnet")
    shape = (f"U-Net ({generator}), {m.get('norm')} norm" if generator.startswith("unet")
             else f"ResNet generator, {counted(m.get('blocks'), 'block')}")
    source = meta.get("source") or {}
    rows = [
        ("Translates", f"{domain_name(meta.get('source_domain', '?'))} → "  # no "(AtoB)": the engine's word
                       f"{domain_name(meta.get('target_domain', '?'))}"),
        ("Method", method_words(meta.get("method"))),
        ("Architecture", f"{shape}, {m.get('ngf')} filters, {'RGB' if m.get('channels') == 3 else 'grayscale'}"
                         f"{', residual output' if m.get('residual') else ''}"),
        ("Trained at", f"{meta.get('crop_size')} px" + (f" for {counted(meta['steps'], 'step')}" if meta.get("steps")
                                                         else "")),
        ("Parameters", f"{meta.get('parameters', 0):,}"),
        ("Created", f"{format_timestamp(meta.get('created', ''))} with version {meta.get('version', '')}"),
    ]
    if meta.get("path"):  # where an export went, to share it: the page named the file, not its folder
        rows.append(("File", meta["path"]))
    if source.get("file"):
        rows.insert(1, ("About", domain_name(meta.get("description", ""), 200)))  # a stranger's words: one line
        digest = (source.get("sha256") or "?")[:12]
        rows.append(("Imported from", f"{domain_name(source['file'], 120)} (sha256 {digest}…)"
                     + (" — published with the reference implementation" if source.get("published") else "")))
    return "<table>" + "".join(f"<tr><td><b>{k}</b>&nbsp;&nbsp;</td><td>{html.escape(str(v), quote=False)}</td></tr>"
                               for k, v in rows) + "</table>"


def cleaned_note(asked: str, written: str | Path, is_run: bool = False) -> str:
    """Why the file (or run folder) is not named as asked, if it is not: "../../escape" became _.._escape.pt unsaid."""
    path = Path(written)
    if (path.name if is_run else path.stem) == asked.strip():
        return ""
    return (f" (not “{asked.strip()}”: a file name holds none of / \\ : * ? \" < > |, no dot or space at either "
            f"end, and at most {NAME_LENGTH} characters)")


class ModelsPage(QWidget):
    models_changed = Signal()
    use_model = Signal(str, str)  # the model's path, and the direction chosen for a run ("" for a model file)
    renamed = Signal(str, str)  # old path, new path: what other pages had chosen follows it

    def __init__(self, library: Library, parent=None):
        super().__init__(parent)
        self.library = library
        self._evaluating: CallWorker | None = None  # one at a time: a click on another model re-enabled Evaluate
        self._exporting: CallWorker | None = None  # one at a time, as evaluations
        self._focus_to_evaluate = False  # the focus was moved off Evaluate while it ran: it goes back at the end
        self._has_weights = True  # False for a run with no checkpoint yet
        self._details_request = 0  # a model file read for an earlier click is not shown
        self.uses_of = lambda path: ""  # what else uses a model, said before it is deleted (the window sets it)
        self.live_run = lambda: None  # the run the Train page trains (the window sets it)
        self._importing = 0  # imports running (files dropped together import side by side)
        self.list = fit_to_width(QListWidget())
        self.list.setAccessibleName("Models and runs")
        self.list.currentItemChanged.connect(lambda item, _: self.show_item(item))
        self.import_button = QPushButton("Import model…")
        self.import_button.setToolTip("A model file, or another tool's generator (.pth, .safetensors); files can "
                                      "also be dropped here (Ctrl+I)")
        self.import_button.clicked.connect(self.import_file)
        self.gallery_button = QPushButton("Published models…")
        self.gallery_button.setToolTip("Download a generator published with the reference implementation "
                                       "(Monet, Van Gogh, horse ↔ zebra, …)")
        self.gallery_button.clicked.connect(self.open_gallery)
        self.setAcceptDrops(True)
        left = QVBoxLayout()
        left.addWidget(QLabel("<b>Models and runs</b>"))
        left.addWidget(self.list, 1)
        left.addWidget(self.import_button)
        left.addWidget(self.gallery_button)

        self.title, self.details = title_and_details()
        self.message = OutcomeLabel()  # each outcome said: a screen reader heard nothing of an import's result
        self.message.setWordWrap(True)
        self.direction = QComboBox()
        self.direction.addItems(["AtoB", "BtoA"])
        self.direction.setAccessibleName("Direction to export or convert with")
        self.direction.setToolTip("The way to export the run, or to convert with it")  # it has no label beside it
        # it is renamed after the run's domains ("photo → golden hour"): it kept the width of "AtoB"
        self.direction.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.direction.activated.connect(lambda index: self._offer_evaluation_inputs("AB"[index]))
        self.export_button = QPushButton("Export direction…")
        self.export_button.setToolTip("Write the direction chosen as a model file of its own, in your models: one "
                                      "to keep or share once the run is gone (Convert can use the run as it is)")
        self.export_button.clicked.connect(lambda: self.export_selected())  # clicked's `checked` is no name
        self.use_button = QPushButton("Convert with this")
        self.use_button.setToolTip("Open the Convert page with this model chosen (a run: in the direction chosen "
                                   "beside)")
        self.use_button.clicked.connect(self.use_selected)
        self.rename_button = QPushButton("Rename…")
        self.rename_button.clicked.connect(self.rename_selected)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.setObjectName("danger")
        # a slot with a default argument gets clicked's checked=False: confirm=False deleted unasked
        self.delete_button.clicked.connect(lambda: self.delete_selected())
        bind_delete_key(self.list, self.delete_button)
        bind_rename_key(self.list, self.rename_button)
        actions = QHBoxLayout()
        for w in (self.direction, self.export_button, self.use_button):
            actions.addWidget(w)
        actions.addStretch(1)
        managing = QHBoxLayout()  # a row of their own: with a run's five in one, its directions were cut to "da…"
        managing.addWidget(self.rename_button)
        managing.addWidget(self.delete_button)
        managing.addStretch(1)
        self._evaluation_key: tuple | None = None  # the test folders the choices below were found in, as they were
        self._evaluation_choices_found: list[tuple[str, tuple]] = []
        self.eval_dataset = QComboBox()
        self.eval_dataset.setAccessibleName("Evaluate on")
        self.eval_dataset.currentIndexChanged.connect(lambda _: self._sync_evaluate_button())
        self.eval_dataset.setToolTip("Datasets with paired test images: testA/ and testA_truth/ (same names)")
        self.evaluate_button = QPushButton("Evaluate")
        self.evaluate_button.setToolTip("PSNR and SSIM of this model's outputs against the ground truth")
        self.evaluate_button.clicked.connect(self.evaluate_selected)
        evaluation = QHBoxLayout()
        evaluation.addWidget(QLabel("Evaluate on"))
        evaluation.addWidget(self.eval_dataset, 1)
        evaluation.addWidget(self.evaluate_button)
        right = QVBoxLayout()
        right.addWidget(self.title)
        right.addWidget(self.details)
        right.addLayout(actions)
        right.addLayout(managing)
        right.addLayout(evaluation)
        right.addWidget(self.message)
        right.addStretch(1)
        split_page(self, left, right, (320, 700))
        self.refresh()

    def current_path(self) -> Path | None:
        item = self.list.currentItem()
        return Path(item.data(Qt.ItemDataRole.UserRole)) if item else None

    def refresh(self, select: str | None = None) -> None:
        self.refresh_eval_datasets()
        current = select or (str(self.current_path()) if self.current_path() else None)
        # rebuilt unseen, then shown once: cleared with its signals on, the page showed "nothing chosen" for a moment,
        # hid and disabled its buttons, and the focus on one of them went to the window's tab bar (a keyboard pass)
        self.list.blockSignals(True)
        self.list.clear()
        for path in self.library.builtin_models():
            item = QListWidgetItem(f"Demo: {path.stem} (built in)")
            item.setToolTip(item.text())
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            self.list.addItem(item)
        for path in self.library.models():
            item = QListWidgetItem(f"Model: {path.stem}")
            item.setToolTip(item.text())
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            self.list.addItem(item)
        for run in self.library.runs():
            item = QListWidgetItem(f"Run: {run.name}")
            item.setToolTip(item.text())
            item.setData(Qt.ItemDataRole.UserRole, str(run))
            self.list.addItem(item)
        for i in range(self.list.count()):
            if self.list.item(i).data(Qt.ItemDataRole.UserRole) == current:
                self.list.setCurrentRow(i)
                break
        else:
            if self.list.count():
                self.list.setCurrentRow(0)
        self.list.blockSignals(False)
        self.show_item(self.list.currentItem())

    def show_item(self, item) -> None:
        self.message.clear()
        self._details_request += 1
        self._offer_evaluation_inputs(None)  # all sides, until this model's is known
        path = Path(item.data(Qt.ItemDataRole.UserRole)) if item else None
        is_run = bool(path) and path.is_dir()
        for w in (self.use_button,):
            w.setEnabled(path is not None)
        self._has_weights = True  # until a run is found to have no checkpoint
        self._sync_evaluate_button()
        self.direction.setVisible(is_run)
        self.export_button.setVisible(is_run)
        editable = path is not None and not is_builtin(path)  # runs too: they could be neither renamed nor deleted
        self.rename_button.setVisible(editable)
        self.delete_button.setVisible(editable)
        if path is None:
            self.title.setText("No models yet")
            self.details.setText("Train a run on the Train page, then export a direction here, or import a model file.")
            return
        self.title.setText(path.stem if not is_run else path.name)
        try:
            if is_run:
                from engine.rundir import describe as describe_run

                info = describe_run(path, read_checkpoints=False, whole_history=False)  # on this thread: cheaply
                if info["checkpoint"] and RunDir(path).checkpoints_cut_short():  # Use and Export failed, later
                    info["checkpoint"] = None
                    missing = ("<br>Every checkpoint of this run is cut short (a full disk, or a copy stopped part "
                               "way): nothing to export or use.")
                else:
                    missing = "<br>No checkpoint yet: nothing to export."
                domains = info["domains"]
                a, b = domain_name(domains[0]), domain_name(domains[1])
                self.direction.setItemText(0, f"{a} → {b}")
                self.direction.setItemText(1, f"{b} → {a}")
                learnt = info["directions"]  # the other direction of a pix2pix run was offered, and refused on export
                self.direction.setEnabled(len(learnt) > 1)
                if len(learnt) == 1:
                    self.direction.setCurrentIndex(0 if learnt[0] == "AtoB" else 1)
                side = "AB"[self.direction.currentIndex()]  # Evaluate scores the direction shown beside it: it
                self._offer_evaluation_inputs(side, say=len(learnt) == 1)  # scored A → B with B → A chosen
                self._prefer_the_runs_dataset(path, side)
                resnet = info["model"].get("generator", "resnet") == "resnet"
                network = (counted(info["model"]["blocks"], "block") if resnet
                           else info["model"]["generator"].replace("unet_", "U-Net "))  # a U-Net has no blocks
                training = training_words(path, self.live_run())  # the live run was listed as one at rest
                step, planned = info["last_logged_step"], info["planned_steps"]
                # a run stopped at step 7 of 40 read as the finished one beside it (a new-user pass)
                progress = (f"last logged step {step:,}" if training else f"finished at step {step:,}"
                            if info["finished"] else f"unfinished: last logged step {step:,}"
                            + (f" of {planned:,}" if planned else ""))
                self.details.setText(
                    f"Run folder {html.escape(str(path))}<br>{method_words(info['method'])} · {progress} · "
                    f"trained at {info['crop_size']} px · {network}"
                    + (f"<br>Being trained now {html.escape(training)}." if training else "")
                    + ("" if info["checkpoint"] else missing))
                self.export_button.setEnabled(bool(info["checkpoint"]) and self._exporting is None)
                self._has_weights = bool(info["checkpoint"])  # Use and Evaluate failed later, on a run with none
                self.use_button.setEnabled(self._has_weights)
                self._sync_evaluate_button()
            else:
                note = ("<p>Built in: turns photos into a warm “golden hour” look. Try it on the Convert page "
                        "with the demo images.</p>") if is_builtin(path) else ""
                meta = read_metadata(path, remembered_only=True)
                if meta is None:  # read off this thread: loading a 43 MB model held the window up to 1.3 s
                    self.details.setText(note + f"Reading {html.escape(path.name)}…")
                    self._read_details(path, note)
                else:
                    self._show_metadata(note, meta)
        except (ModelFileError, ValueError, OSError) as exc:
            self._show_details_error(str(exc))

    def _read_details(self, path: Path, note: str) -> None:
        request = self._details_request
        reader = CallWorker(read_metadata, path, parent=self)
        reader.done.connect(lambda meta: request == self._details_request and self._show_metadata(note, meta))
        reader.failed.connect(lambda text: request == self._details_request and self._show_details_error(text))
        reader.start()  # kept until it ends (desktop.workers.track)

    def _show_metadata(self, note: str, meta: dict) -> None:
        self.details.setText(note + describe(meta))
        if made_for := input_direction(meta):  # an imported generator: any side, the user's choice
            self._offer_evaluation_inputs(made_for[0])

    def _show_details_error(self, text: str) -> None:
        self.details.setText(f"<span style='color:#b00020'>{html.escape(text, quote=False)}</span>")

    def _offer_evaluation_inputs(self, side: str | None, say: bool = True) -> None:
        """Offer only held-out pairs whose input is the side this model translates from (None: any side), and pick
        one: a B to A model was offered "A as input" first, and refused or fed the wrong side; a one-way pix2pix run
        was offered the other side too, refused with "choose that direction", in a Direction box it could not
        change (a pix2pix pass)."""
        combo = self.eval_dataset.model()
        for i in range(self.eval_dataset.count()):
            data = self.eval_dataset.itemData(i)
            combo.item(i).setEnabled(side is None or not data or data[0] == side)
        if side is not None:
            self._prefer_evaluation_input(side, say)
        self._sync_evaluate_button()

    def _prefer_evaluation_input(self, side: str, say: bool = True) -> None:
        current = self.eval_dataset.currentData()
        if current and current[0] == side:
            return
        items = [(i, self.eval_dataset.itemData(i)) for i in range(self.eval_dataset.count())]
        fitting = [(i, data) for i, data in items if data and data[0] == side]
        same_dataset = [i for i, data in fitting if current and data[3] == current[3]]  # it went to another dataset
        if same_dataset or fitting:
            self.eval_dataset.setCurrentIndex((same_dataset or [fitting[0][0]])[0])
        elif say and any(data for _, data in items) and not self.message.text():  # Evaluate would be refused, for
            # a side none of the choices offers; an outcome in view stays ("Imported as …" went, a Models pass)
            self.message.setText(f"This model takes {side} pictures: to evaluate it, add a dataset with held-out "
                                 f"pairs whose input is {side} (test{side}/ with test{side}_truth/ beside it).")

    def _prefer_the_runs_dataset(self, run: Path, side: str) -> None:
        """Evaluate on the dataset the run trained on, where it has held-out pairs: the first dataset's were chosen,
        and a run was scored on another task without a word (a pix2pix pass)."""
        from engine.rundir import load_config

        try:
            config = load_config(run)
            entries = {entry.name: entry for entry in self.library.datasets()}
        except (OSError, ValueError):
            return
        trained_on = Path(config.data).resolve()
        for i in range(self.eval_dataset.count()):
            data = self.eval_dataset.itemData(i)
            entry = entries.get(data[3]) if data and data[0] == side else None
            folder = Path(entry.folder_a).resolve() if entry else None
            if folder is not None and (trained_on == folder or trained_on == folder.parent
                                       and folder.name in ("trainA", "A", "a", "train")):
                self.eval_dataset.setCurrentIndex(i)
                self._sync_evaluate_button()
                return

    def refresh_eval_datasets(self) -> None:
        """Library datasets that have paired test folders, as (label, test, truth); the one chosen stays chosen."""
        chosen = self.eval_dataset.currentText()
        self.eval_dataset.blockSignals(True)  # emptied with its signals on, Evaluate was disabled, and lost the focus
        self.eval_dataset.clear()
        try:
            entries = self.library.datasets()
        except ValueError:
            entries = []
        for label, choice in self._evaluation_choices(entries):
            self.eval_dataset.addItem(label, choice)
        has_any = self.eval_dataset.count() > 0
        self.eval_dataset.setEnabled(has_any)
        self.eval_dataset.setToolTip("Datasets with pictures and how each should look: testA/ with testA_truth/ "
                                     "(same file names), a test/ folder of side-by-side pairs, or testA/ and testB/ "
                                     "of a paired dataset. Pairs you train on are not held out: a score on them "
                                     "measures what the model remembers")
        if not has_any:  # (it said "no dataset with test pairs (testA/ + testA_truth/, …)", cut off)
            # a paired dataset's training pairs do not count ("12 pairs" on Datasets, then "no test pairs" here)
            self.eval_dataset.addItem("No held-out test pairs yet")
        # how to have some, where it is off: a new user met a disabled row that said nothing of it (a new-user pass)
        self.evaluate_button.setToolTip("How close this model's outputs come to how each picture should look (PSNR, "
                                        "SSIM and colour difference), where you have such pictures"
                                        + ("" if has_any else ". To have pairs to score it on, add a dataset with "
                                           "held-out pairs: testA/ with testA_truth/ (the same file names), a test/ "
                                           "folder of pairs side by side, or testA/ and testB/ of a paired dataset"))
        # (only the first was named, for a paired dataset too; a pix2pix pass)
        self.eval_dataset.setCurrentIndex(max(self.eval_dataset.findText(chosen), 0))
        self.eval_dataset.blockSignals(False)
        self._sync_evaluate_button()

    def _evaluation_choices(self, entries: list) -> list[tuple[str, tuple]]:
        """(label, (side, pairs, swap, dataset)) for each held-out set of the datasets; remembered while their test
        folders are unchanged (files added or removed change a folder's time; one in a sub-folder is seen at the next
        start): listed at each visit of the page, 100 datasets of 240 test pictures held the window 1.4 to 1.9 s
        each time (a scale pass)."""
        folders = [(entry.test_a, entry.test_b, str(truth_for(entry.test_a) or ""), str(truth_for(entry.test_b) or ""))
                   for entry in entries]
        key = tuple((entry, tuple(modified_ns(f) for f in kept if f)) for entry, kept in zip(entries, folders))
        if key != self._evaluation_key:
            choices = []
            for entry in entries:
                for side, test in (("A", entry.test_a), ("B", entry.test_b)):
                    truth = truth_for(test)
                    try:  # (input, its ground truth), and the inputs left out: said with the scores
                        pairs, left_out = pairs_with_truth(test, truth) if truth else ([], [])
                    except ValueError:  # none pair: not offered
                        pairs, left_out = [], []
                    if pairs:
                        choices.append((f"{entry.name}: test{side}", (side, pairs, False, entry.name, left_out)))
                held_out, unmatched = Library.held_out_pairs(entry)
                if held_out:  # named as the user named the sides: "A as input" on sides named plain and warm
                    name_a, name_b = side_labels(entry.name_a, entry.name_b)
                    for side, name, truth in (("A", name_a, entry.test_b), ("B", name_b, entry.test_a)):
                        choices.append((f"{entry.name}: test pairs, {name} as input",  # B as the input swaps them
                                        (side, held_out, side == "B", entry.name,
                                         inputs_left_out(unmatched, side, truth))))
            self._evaluation_key, self._evaluation_choices_found = key, choices
        return self._evaluation_choices_found

    def evaluate_selected(self) -> None:
        path, pair = self.current_path(), self.eval_dataset.currentData()
        if path is None or not pair:
            return
        side, pairs, swap, dataset, left_out = pair
        try:
            entry = next((e for e in self.library.datasets() if e.name == dataset), None)
        except ValueError:  # the list is damaged: scored without the check
            entry = None
        training = [Path(f) for f in (entry.folder_a, entry.folder_b) if f] if entry else []
        direction = "AtoB" if side == "A" else "BtoA"  # a model file made for the other side is refused
        self.message.setText(f"Evaluating on {len(pairs)} pair(s)…")
        worker = CallWorker(evaluate_held_out, str(path), pairs, swap, direction, parent=self, training=training,
                            left_out=left_out, stoppable=True)  # closing the window stops it between pairs
        worker.done.connect(lambda report: self._show_evaluation(report, path))
        worker.failed.connect(lambda m: worker.stopped or self.message.setText(
            sentence(f"Evaluation{self._of(path)} failed: {m}"), failed=True))
        worker.finished.connect(self._evaluation_ended)
        self._evaluating = worker
        self._sync_evaluate_button()
        worker.start()

    def _sync_evaluate_button(self) -> None:
        index = self.eval_dataset.currentIndex()
        had_focus = self.evaluate_button.hasFocus()
        self.evaluate_button.setEnabled(self._evaluating is None and self.current_path() is not None
                                        and self._has_weights and bool(self.eval_dataset.currentData())
                                        and self.eval_dataset.model().item(index).isEnabled())
        if had_focus and not self.evaluate_button.isEnabled():  # it went to the window's tab bar (a keyboard pass)
            self._focus_to_evaluate = True
            self.eval_dataset.setFocus()

    def _evaluation_ended(self) -> None:
        self._evaluating = None
        self._sync_evaluate_button()
        if self._focus_to_evaluate and self.eval_dataset.hasFocus():
            self.evaluate_button.setFocus()  # back where the person pressed it
        self._focus_to_evaluate = False

    def _of(self, path: Path) -> str:
        """" of NAME" where the scores arrive while another model is shown (they read as that model's)."""
        return "" if path == self.current_path() else f" of {path.name if path.is_dir() else path.stem}"

    def import_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import a model file", str(Path.home()),
                                              f"Models ({' '.join('*' + s for s in IMPORTABLE)})")
        if path:
            self.import_path(path)

    def import_path(self, path: str, name_a: str | None = None, name_b: str | None = None,
                    name: str | None = None) -> None:
        """Import off the GUI thread (a published U-Net is 218 MB); asks for the domains if the file cannot tell,
        and for a name if its own is taken."""
        self.message.setText(f"Importing {Path(path).name}…")
        worker = CallWorker(self.library.import_model, path, name, name_a, name_b, parent=self)
        worker.done.connect(self._imported)
        worker.failed.connect(lambda text: self._import_failed(path, text, worker.error, name_a, name_b, name))
        self._importing += 1  # Import off until it ends: a second click on the same file asked for a second name
        worker.finished.connect(self._import_ended)
        self.import_button.setEnabled(False)
        worker.start()

    def _import_ended(self) -> None:
        self._importing -= 1
        self.import_button.setEnabled(not self._importing)

    def _imported(self, target) -> None:
        self.refresh(str(target))
        self.message.setText(f"Imported as {Path(target).stem}.")
        self.models_changed.emit()

    def _import_failed(self, path: str, text: str, error: Exception | None, name_a: str | None = None,
                       name_b: str | None = None, name: str | None = None) -> None:
        if isinstance(error, AlreadyImported):  # imported before: that one shown, no copy made
            self.refresh(str(error.path))
            self.message.setText(sentence(f"Not imported again: {text}"))
            return
        if isinstance(error, NameTaken):  # every reference generator is latest_net_G.pth; or demo.pt
            taken = self.library.model_path(name or Path(path).stem).stem  # the name typed, cut as a file's name
            asked = (f"{taken} is reserved for the built-in demo. Name this one:" if error.demo
                     else f"A model named {taken} is in the library already. Name this one:")
            name = ask_text(self, "Import model", asked, self._free_name(taken))
            if name and name.strip():
                self.import_path(path, name_a, name_b, name=name.strip())
                return
            text = f"a model named {taken!r} already exists; import it again to give it another name"
        elif isinstance(error, DomainsUnknown):
            names = DomainsDialog.ask(Path(path).stem, self)
            if names:
                self.import_path(path, *names, name=name)
                return
            # the engine's advice named command-line flags, and "was not said" gave no way on (a new-user pass)
            text = "it needs names for what its input and output show; import it again to give them"
        self.message.setText(sentence(f"Not imported: {text}"), failed=True)

    def _free_name(self, taken: str) -> str:
        """``taken-2``, ``-3``, … the first not in the library, cut to leave room for its number (a name of 80
        characters, cut back to itself, was tried a million times)."""
        for n in range(2, 1000):
            candidate = with_number(taken, n)
            if not self.library.model_path(candidate).exists():
                return candidate
        return ""

    def open_gallery(self) -> None:
        dialog = GalleryDialog(self.library, self)
        dialog.model_added.connect(lambda path: (self.refresh(path), self.models_changed.emit()))
        dialog.exec()

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if any(Path(u.toLocalFile()).suffix.lower() in IMPORTABLE for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        files = [url.toLocalFile() for url in event.mimeData().urls()
                 if Path(url.toLocalFile()).suffix.lower() in IMPORTABLE]
        if files and self._importing:  # a second drop of the same file raced the first (a review): as Import is off
            self.message.setText("An import is running: drop the files again once it has ended.")
        else:  # files dropped together import side by side
            for file in files:
                self.import_path(file)
        event.acceptProposedAction()

    def use_selected(self) -> None:
        """Hand the selection to the Convert page with the direction chosen here: only the path went, and Convert
        opened on A → B after B → A was picked (a new-user pass)."""
        if path := self.current_path():
            chosen = "AtoB" if self.direction.currentIndex() == 0 else "BtoA"
            self.use_model.emit(str(path), chosen if path.is_dir() else "")

    def export_selected(self, name: str | None = None) -> None:
        run = self.current_path()
        if run is None or not run.is_dir() or self._exporting is not None:  # a second, started during the first,
            return  # failed on the name the first had just written: "Export failed" said of a model exported
        direction = "AtoB" if self.direction.currentIndex() == 0 else "BtoA"
        if not name:
            label = self.direction.currentText().replace(" → ", "2")
            suggested = f"{run.name}-{label}".replace(" ", "-")  # a file name, like every other the app makes
            # it asked "Model name:" alone: which direction, and what exporting makes, were not said (a new-user pass)
            name = ask_text(self, "Export model", f"Export {self.direction.currentText()} as a model file of its own "
                            "in your models, named:", suggested)
            if not name:
                return
        try:
            target = self.library.model_path(name)
            refuse_the_demos_name(target)  # as import and rename do: "demo" then named two models (a Models pass)
        except ValueError as exc:
            self.message.setText(sentence(f"Not exported: {exc}"), failed=True)
            return
        if target.exists():
            self.message.setText(f"Not exported: a model named {target.stem!r} already exists; choose another name.",
                                 failed=True)
            return
        self.message.setText("Exporting…")
        worker = CallWorker(export_model, run, direction, target, parent=self)
        worker.done.connect(lambda p: (self.refresh(str(p)),
                                       self.message.setText(f"Exported {Path(p).name}{cleaned_note(name, p)}."),
                                       self.models_changed.emit()))
        worker.failed.connect(lambda m: self.message.setText(sentence(f"Export failed: {m}"), failed=True))
        worker.finished.connect(self._export_ended)
        self._exporting = worker
        self.export_button.setEnabled(False)
        worker.start()

    def _export_ended(self) -> None:
        self._exporting = None
        path = self.current_path()
        self.export_button.setEnabled(path is not None and path.is_dir() and self._has_weights)

    def _show_evaluation(self, report, path: Path) -> None:
        """The scores, and why pairs were left out (the command line names each; this gave a count alone)."""
        from engine.data import first_reasons

        why = f" ({first_reasons(report.skipped)})" if report.skipped else ""
        warning = f" ⚠ {sentence(report.warning())}" if report.warning() else ""  # said by the command line only
        self.message.setText(sentence(f"Evaluation{self._of(path)}: {report.summary()}{why}") + " "
                             + sentence(report.verdict()) + warning)

    def rename_selected(self) -> None:
        path = self.current_path()
        if path is None or is_builtin(path):
            return
        is_run = path.is_dir()
        current = path.name if is_run else path.stem
        name = ask_text(self, "Rename run" if is_run else "Rename model", "New name:", current)
        if name == "":  # OK on an emptied name did nothing, unsaid (a Models pass)
            self.message.setText("Not renamed: give it a name.", failed=True)
        elif name and name != current:
            try:
                target = self.library.rename_run(path, name) if is_run else self.library.rename_model(path, name)
            except FileNotFoundError:
                self._gone(path, "Not renamed")
                return
            except (ValueError, OSError, RunLocked) as exc:
                self.message.setText(sentence(f"Not renamed: {change_failed(exc, path)}"), failed=True)
                return
            self.refresh(str(target))
            self.message.setText(f"Renamed to {target.name if is_run else target.stem}"
                                 f"{cleaned_note(name, target, is_run)}.")
            self.renamed.emit(str(path), str(target))
            self.models_changed.emit()

    def delete_selected(self, ask: bool = True) -> None:
        path = self.current_path()
        if path is None or is_builtin(path):
            return
        is_run = path.is_dir()
        if is_run and (holder := training_words(path, self.live_run())):  # it asked "This cannot be undone", then
            # refused (a review)
            self.message.setText(f"Not deleted: {path.name} is being trained {holder}; stop that run first, then try "
                                 "again.", failed=True)
            return
        if ask:
            question = (f"Delete the run “{path.name}”: its checkpoints, samples, log and settings?" if is_run
                        else f"Delete the model “{path.stem}” (its file, {path.name})?")  # listed as "Model: mine"
            warning = (("Models exported from it stay. " if is_run else "") + self.uses_of(str(path))
                       + "This cannot be undone.")
            if not confirm(self, "Delete run" if is_run else "Delete model", question, "Delete", warning):
                return
        left = []
        try:
            if is_run:
                left = self.library.delete_run(path)
            else:
                Library.delete_model(path)
        except FileNotFoundError:
            self._gone(path, "Not deleted")
            return
        except (ValueError, OSError, RunLocked) as exc:
            self.message.setText(sentence(f"Not deleted: {change_failed(exc, path)}"), failed=True)
            return
        self.refresh()
        if left:  # files another program put in the run's folder: never this app's to delete
            self.message.setText(f"Deleted. {len(left)} file(s) this app did not write are still in {path} "
                                 f"({', '.join(left[:3])}{', …' if len(left) > 3 else ''}).")
        else:  # it said nothing for a model file
            self.message.setText(f"Deleted {'the run' if is_run else 'the model'} {path.name if is_run else path.stem}.")
        self.models_changed.emit()

    def _gone(self, path: Path, what: str) -> None:
        """A model or run moved or deleted outside the app since the list was made: said, and the list redone (it
        said "[Errno 2] No such file or directory: …" and kept listing it)."""
        self.refresh()
        self.message.setText(f"{what}: {path.name} is no longer in the library (moved or deleted outside this app).",
                             failed=True)

