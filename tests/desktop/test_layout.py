"""The window as a new user meets it: it fits small screens, never resizes itself, and keeps its form still."""

import subprocess
import sys
import textwrap

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QToolButton

from tests.conftest import write_images
from tests.desktop.layout_checks import squeezed
from tests.desktop.test_end_to_end import add_dataset

PAGES = ("datasets", "train", "convert", "models")


@pytest.mark.parametrize("size", [(1024, 700), (800, 600)])
def test_every_page_fits_without_squeezing_anything(qtbot, window, tmp_path, size):
    write_images(tmp_path / "d" / "trainA", 2)
    write_images(tmp_path / "d" / "trainB", 2)
    add_dataset(window, tmp_path / "d")
    window.resize(*size)
    for name in PAGES:
        window.tabs.setCurrentWidget(getattr(window, name))
        qtbot.wait(30)
        assert (window.width(), window.height()) == size, name  # the content never makes the window grow
        assert squeezed(window) == [], name


@pytest.mark.slow  # 3 s, an app process of its own: in make test-slow, for make test's ten minutes
def test_it_fits_at_a_150_percent_scale_factor_too(tmp_path):
    code = textwrap.dedent("""
        import os, sys
        sys.path.insert(0, os.getcwd())
        from desktop.app import make_app
        from desktop.main_window import MainWindow
        from tests.desktop.layout_checks import squeezed
        app = make_app(["x"])
        window = MainWindow()
        window.resize(1024, 700)
        window.show()
        bad = []
        for page in (window.datasets, window.train, window.convert, window.models):
            window.tabs.setCurrentWidget(page)
            for _ in range(10):
                app.processEvents()
            bad += squeezed(window) + ([f"size {window.width()}x{window.height()}"] if window.width() != 1024 or window.height() != 700 else [])
        window.train.shutdown()
        print("BAD", bad)
    """)
    env = {**__import__("os").environ, "QT_SCALE_FACTOR": "1.5", "QT_QPA_PLATFORM": "offscreen",
           "CYCLEGAN_STUDIO_HOME": str(tmp_path / "home")}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert "BAD []" in proc.stdout, proc.stdout + proc.stderr[-2000:]


def test_long_messages_never_resize_the_window(qtbot, window):
    window.resize(1024, 700)
    long = "Stopped at step 111. The run is saved in " + "/very/long/path" * 40 + " and can be continued."
    for name in PAGES:
        window.tabs.setCurrentWidget(getattr(window, name))
        qtbot.wait(20)
        assert (window.width(), window.height()) == (1024, 700), name
    window.tabs.setCurrentWidget(window.train)
    window.train.status.setText(long)
    # a traceback's worth of lines made the window 1302x896, Start below the screen (a hostile GUI pass)
    window.train.show_error("\n".join(f"line {i}: {long}" for i in range(40)))
    window.convert.status.setText(long)
    window.convert.error.setText(long)
    window.convert.preview.caption.setText(f"{long} was not converted: " + "/deep" * 80)  # made it 1498 wide
    window.models.message.setText(long)
    window.datasets.title.setText("L" * 300)  # a dataset named before names were limited
    assert window.datasets.title.minimumSizeHint().width() < 400  # its pane scrolled sideways, the rest cut off
    for name in PAGES:
        window.tabs.setCurrentWidget(getattr(window, name))
        qtbot.wait(20)
        assert (window.width(), window.height()) == (1024, 700), name
    assert window.train.status.text() == long and window.train.status.toolTip() == long  # the whole text, kept


def test_the_compare_view_divider_zoom_and_pan(qtbot, window):
    view = window.convert.preview
    window.resize(1024, 700)
    window.tabs.setCurrentWidget(window.convert)
    before, after = QImage(400, 300, QImage.Format.Format_RGB32), QImage(400, 300, QImage.Format.Format_RGB32)
    before.fill(QColor("red"))
    after.fill(QColor("blue"))
    view.show_pair(before, after, "test.png")
    canvas = view.canvas
    qtbot.wait(20)
    rect = canvas.image_rect()
    assert rect.width() <= canvas.width() + 1e-6 and rect.height() <= canvas.height() + 1e-6  # fitted (in floats)
    middle = QPoint(int(canvas.divider_x()), int(rect.center().y()))
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=middle)  # a click on the handle moves nothing
    assert canvas.divider == 0.5
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, pos=middle)
    QTest.mouseMove(canvas, QPoint(int(rect.left() + rect.width() * 0.25), middle.y()))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(int(rect.left() + rect.width() * 0.25), middle.y()))
    assert canvas.divider == pytest.approx(0.25, abs=0.02)
    grab = canvas.grab().toImage()
    left, right = grab.pixelColor(int(rect.left() + 5), middle.y()), grab.pixelColor(int(rect.right() - 5), middle.y())
    assert left.red() > 200 and right.blue() > 200  # before on the left of the divider, after on the right
    canvas.zoom_to(1.0)
    assert canvas.scale == 1.0 and view.zoom_label.text() == "100 %"
    offset = QPointF(canvas.offset)
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
    QTest.mouseMove(canvas, QPoint(40, 30))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(40, 30))
    assert canvas.offset - offset == QPointF(30, 20)  # dragged away from the divider: a pan
    canvas.fit()
    assert canvas.fitted and canvas.image_rect().width() <= canvas.width()


def test_the_compare_view_pans_from_the_keyboard_and_tells_a_screen_reader_what_it_shows(qtbot, window):
    """Zoomed in, only the centre of a photo could be seen without a mouse; to a screen reader the view was a
    nameless client area (a keyboard pass)."""
    view = window.convert.preview
    window.resize(1024, 700)
    window.tabs.setCurrentWidget(window.convert)
    picture = QImage(400, 300, QImage.Format.Format_RGB32)
    picture.fill(QColor("red"))
    view.show_pair(picture, picture, "astronaut.png")
    canvas = view.canvas
    canvas.setFocus()
    canvas.zoom_to(4.0)
    start = QPointF(canvas.offset)
    for key, modifier, moved in ((Qt.Key.Key_Down, Qt.KeyboardModifier.NoModifier, (0, -0.1)),
                                 (Qt.Key.Key_Up, Qt.KeyboardModifier.NoModifier, (0, 0)),
                                 (Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier, (-0.1, 0)),
                                 (Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier, (0, 0))):
        QTest.keyClick(canvas, key, modifier)
        shift = canvas.offset - start
        assert (shift.x(), shift.y()) == pytest.approx((moved[0] * canvas.width(), moved[1] * canvas.height()))
    assert canvas.divider == 0.5  # Ctrl with Left and Right pans; without, they move the divider as before
    QTest.keyClick(canvas, Qt.Key.Key_Right)
    assert canvas.divider == pytest.approx(0.55)
    assert canvas.accessibleName() == "Before and after: astronaut.png"
    assert canvas.accessibleDescription() == "Before left of the divider at 55 %, after right of it; zoom 400 %"
    view.clear()
    assert canvas.accessibleName() == "Before and after" and canvas.accessibleDescription() == canvas.placeholder


def test_first_start_opens_where_something_can_be_done_at_once(qtbot, window):
    assert window.tabs.currentWidget() is window.convert
    assert window.convert.validate() is None  # the demo model and photos are set


def test_menus_reach_every_task(qtbot, window, monkeypatch):
    from PySide6.QtWidgets import QLabel, QMessageBox

    from desktop.main_window import SHORTCUTS

    texts = {a.text() for menu in window.menuBar().actions() for a in menu.menu().actions()}
    assert {"Add dataset…", "Import model…", "Published models…", "Keyboard shortcuts", "Documentation",
            "About CycleGAN Studio", "Open library folder"} <= texts  # "data folder", where the status says "Library"
    # a page's button named as its menu's action ("Import model file…"), and "…" where it asks before acting
    assert window.models.import_button.text() in texts and window.datasets.remove_button.text() == "Remove…"
    # "Published…" on Convert, "Published models…" in the menu and on the Models page (a new-user pass)
    assert window.convert.gallery_button.text() == window.models.gallery_button.text() == "Published models…"
    # the standard Quit key has none under the Windows key scheme: F1's "Ctrl+Q" did nothing (a keyboard pass)
    quit_action = next(a for menu in window.menuBar().actions() for a in menu.menu().actions() if a.text() == "Quit")
    assert "Ctrl+Q" in [keys.toString() for keys in quit_action.shortcuts()]
    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box) or box.show())
    window.show_shortcuts()
    box = shown[0]
    assert "Ctrl+Enter" in box.informativeText() and "F1" in box.informativeText()
    # one line a shortcut: in 400 px most wrapped in two or three (a new-user pass)
    label = box.findChild(QLabel, "qt_msgbox_informativelabel")
    line = label.fontMetrics().height()
    assert label.sizeHint().height() < (len(SHORTCUTS) + 2) * line * 1.3, (label.sizeHint(), line)
    box.close()
    shortcuts = [a.shortcut().toString() for menu in window.menuBar().actions() for a in menu.menu().actions()
                 if not a.shortcut().isEmpty()]
    assert len(shortcuts) == len(set(shortcuts))


def test_a_long_job_finishing_is_announced(qtbot, window):
    window.convert.finished_long.emit("12 converted in 3:10 → /tmp/out")
    assert window.notifications == [("Conversion finished", "12 converted in 3:10 → /tmp/out")]
    assert "Conversion finished" in window.statusBar().currentMessage()


def test_the_name_dialog_is_wide_enough_for_its_name(qtbot, window):
    """Looked at while it is open: the dialog's own layout reset a minimum width set on the dialog to
    188 px when it was shown, cutting the suggested name (an earlier test never showed it)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QLineEdit

    from desktop.widgets.layout import ask_text

    seen = []

    def look():
        dialog = QApplication.activeModalWidget()
        field = dialog.findChild(QLineEdit)
        seen.append((field.width(), field.fontMetrics().horizontalAdvance(field.text())))
        dialog.reject()

    QTimer.singleShot(200, look)
    assert ask_text(window, "Export model", "Model name:", "golden-hour-20261127-101112-photo2golden hour") is None
    width, text = seen[0]
    assert width >= text + 20

    def empty_then_ok():  # "" for OK on no name, which passed for Cancel: Rename did nothing, unsaid (a Models pass)
        dialog = QApplication.activeModalWidget()
        dialog.findChild(QLineEdit).setText("  ")
        dialog.accept()

    QTimer.singleShot(200, empty_then_ok)
    assert ask_text(window, "Rename model", "New name:", "mine") == ""


def test_a_long_path_is_cut_in_the_middle_and_never_runs_under_the_clear_button(qtbot, window):
    window.resize(1024, 700)
    window.tabs.setCurrentWidget(window.convert)
    field = window.convert.output.edit
    field.setText("/home/someone/pictures/" + "holiday/" * 12 + "converted-outputs")
    window.convert.setFocus()
    qtbot.wait(30)
    shown = field.shown_text()
    assert shown.startswith("/home") and shown.endswith("outputs") and "…" in shown
    assert field.toolTip() == field.text()
    button = next(b for b in field.findChildren(QToolButton) if b.isVisible())
    text_right = field.text_rect().left() + field.fontMetrics().horizontalAdvance(shown)
    assert text_right < button.x()


def test_a_first_start_opens_no_larger_than_its_screen(window):
    """It opened at 1200x780 whatever the screen: on a 1024x700 laptop its right and bottom edges,
    status bar included, hung off the screen (the offscreen platform's screen is 800x800)."""
    available = window.screen().availableGeometry()
    assert window.width() <= available.width() and window.height() <= available.height()
    assert window.width() >= min(1024, available.width())  # and it still takes the room there is


@pytest.mark.parametrize("size", [(1024, 700), (800, 600)])
def test_the_buttons_that_start_work_are_in_view_without_scrolling(qtbot, window, size):
    """At 1024x700 the Train page's Start, Pause and Stop sat about 500 px below its form's fold:
    a new user saw a long form and no way to begin."""
    window.resize(*size)
    for page, buttons in ((window.train, ("start_button", "pause_button", "stop_button")),
                          (window.convert, ("start_button",))):
        window.tabs.setCurrentWidget(page)
        qtbot.wait(30)
        for name in buttons:
            button = getattr(page, name)
            shown = button.visibleRegion().boundingRect()
            assert shown.height() == button.height() and shown.width() == button.width(), (page, name)
        if page is window.train:
            assert not page.estimate.visibleRegion().isEmpty()  # what a run will take, beside Start


def test_a_message_appearing_never_moves_the_convert_buttons(qtbot, window):
    """The error line sat under the buttons in the pinned footer, so a refusal pushed Convert and Cancel up by a
    few lines, out from under the pointer of someone clicking again."""
    window.resize(1024, 700)
    page = window.convert
    window.tabs.setCurrentWidget(page)
    qtbot.wait(30)
    where = {b: b.mapTo(window, b.rect().topLeft()) for b in (page.start_button, page.cancel_button)}
    page.error.setText("The output folder is not writable: " + "/a/long/path" * 20)
    qtbot.wait(30)
    assert page.error.isVisible()
    assert {b: b.mapTo(window, b.rect().topLeft()) for b in where} == where


@pytest.mark.parametrize("size", [(1024, 700), (800, 600)])
def test_the_runs_are_one_click_away(qtbot, window, size):
    """The Runs list and "Continue selected run" sat at the end of the Train page's scrolling form,
    under the fold at 1024x700: a user who had trained did not see their runs."""
    window.resize(*size)
    page = window.train
    window.tabs.setCurrentWidget(page)
    page.left_tabs.setCurrentIndex(page.left_tabs.indexOf(page.runs.parentWidget()))
    qtbot.wait(30)
    for widget in (page.runs, page.continue_button):
        shown = widget.visibleRegion().boundingRect()
        assert shown.size() == widget.size(), widget
    assert page.runs.height() >= 200  # room for several runs, not a sliver
    assert not page.start_button.visibleRegion().isEmpty()  # the footer stays under both tabs


def test_the_loss_plot_gets_half_of_the_run_view_at_1024x700(qtbot, window):
    """The splitter's sizes came from its widgets' hints (sizes set before it was shown are ignored): 43 % for
    the plot, 110 px of curves at 1024x700 with a warning above, seven of eight losses in one band."""
    window.resize(1024, 700)
    window.show()
    page = window.train
    window.tabs.setCurrentWidget(page)
    page.show_notice("Few images (A: 12, B: 12): with fewer than 20 different photos a side, models tend to learn "
                     "what the photos show rather than the change.")
    qtbot.waitUntil(lambda: page.view._split_done, timeout=5000)
    plot, samples = page.view.live.sizes()
    assert plot >= samples and plot >= 240, (plot, samples)
    assert min(view.height() for view in page.view.samples.grid.views.values()) >= 64  # samples still readable


def test_a_screen_at_150_percent_scale_and_the_keyboard(qtbot, window):
    """Found by a pass at QT_SCALE_FACTOR 1.5 on a 1024x700 screen (683x467 logical) and with the keyboard only:
    the window could not be smaller than 754x520, so it hung 80 px below the screen with Start and the status bar
    out of reach; Convert's buttons scrolled away with its form at 125 %; scroll areas and the plot were Tab stops
    that showed nothing; Tab in the published models went cell to cell and never reached Download."""
    from PySide6.QtWidgets import QScrollArea

    from desktop.widgets.gallery import GalleryDialog

    hint = window.minimumSizeHint()
    assert hint.width() <= 683 and hint.height() <= 467, hint  # what is larger scrolls, inside the window
    window.resize(683, 467)
    for name in PAGES:
        window.tabs.setCurrentWidget(getattr(window, name))
        qtbot.wait(20)
        assert (window.width(), window.height()) == (683, 467), name
    convert = window.convert
    assert not any(isinstance(a, QScrollArea) and a.isAncestorOf(convert.start_button)
                   for a in convert.findChildren(QScrollArea))  # pinned under the form, like Train's Start
    assert all(area.focusPolicy() == Qt.FocusPolicy.NoFocus for area in window.findChildren(QScrollArea))
    assert window.train.view.plot.plot.focusPolicy() == Qt.FocusPolicy.NoFocus
    gallery = GalleryDialog(window.library, window)
    qtbot.addWidget(gallery)
    assert not gallery.table.tabKeyNavigation()


def test_the_runs_tab_says_what_it_will_hold_before_the_first_run(qtbot, window):
    """A first start showed an empty white list under Runs."""
    page = window.train
    page.left_tabs.setCurrentIndex(1)
    qtbot.wait(20)
    assert page.runs.count() == 0 and page.no_runs.isVisibleTo(page) and page.no_runs.text().startswith("No runs yet")


def test_every_list_slider_progress_bar_and_log_has_a_name_for_a_screen_reader(qtbot, window):
    """A screen reader said "list", "slider 60" and "progress bar 14": which list, what slider, the progress of
    what (a keyboard pass). Combos and fields in forms are named by their labels and are left out here."""
    from PySide6.QtWidgets import (QAbstractItemView, QAbstractSlider, QComboBox, QHeaderView, QPlainTextEdit,
                                   QProgressBar, QScrollBar)

    from desktop.widgets.gallery import GalleryDialog

    def in_combo(widget) -> bool:
        while widget is not None:
            if isinstance(widget, QComboBox):
                return True
            widget = widget.parentWidget()
        return False

    gallery = GalleryDialog(window.library, window)
    qtbot.addWidget(gallery)
    unnamed = [f"{type(w).__name__} {w.objectName()} in {type(w.parentWidget()).__name__}"
               for top in (window, gallery)
               for kind in (QAbstractItemView, QAbstractSlider, QProgressBar, QPlainTextEdit)
               for w in top.findChildren(kind)
               if not isinstance(w, (QScrollBar, QHeaderView)) and not in_combo(w) and not w.accessibleName()]
    assert unnamed == []
    assert window.models.direction.accessibleName() and window.models.eval_dataset.accessibleName()
    log = window.train.view.log
    assert log.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByKeyboard  # a caret to read it with


def test_at_125_percent_on_1024x700_a_warned_run_keeps_start_and_the_tabs_in_view(qtbot, window, tmp_path):
    """QT_SCALE_FACTOR 1.25 on a 1024x700 screen is 819x560: the pages needed 2 px more than that, so the whole window
    scrolled, and with a run's "Few images" warning Start, Pause and Stop sank below the edge; when the run ended the
    window scrolled to Start and the page tabs went out of view (a look-and-keyboard pass)."""
    page = window.train
    window.resize(819, 560)
    window.tabs.setCurrentWidget(page)
    page.show_notice("few images (A: 4, B: 4): with fewer than 20 different photos a side, models tend to learn what "
                     "the photos show rather than the change")
    qtbot.wait(50)
    outer = window.centralWidget()
    assert outer.verticalScrollBar().maximum() == 0
    for button in (page.start_button, page.pause_button, page.stop_button):
        shown = button.visibleRegion().boundingRect()
        assert (shown.width(), shown.height()) == (button.width(), button.height())


def test_the_train_forms_fields_start_in_one_column(qtbot, window):
    """The Device row, the main rows and All settings each had their own label column: their fields started at
    three places (x 67, 125 and 176; a look-and-keyboard pass)."""
    page = window.train
    window.tabs.setCurrentWidget(page)
    page.form.more_button.setChecked(True)
    qtbot.wait(50)
    starts = {name: field.mapTo(page, field.rect().topLeft()).x()
              for name, field in (("dataset", page.dataset), ("device", page.device),
                                  ("crop", page.form.field("crop_size")), ("beta1", page.form.field("beta1")))}
    assert len(set(starts.values())) == 1, starts


def test_the_add_dataset_dialogs_fields_start_in_one_column(qtbot, window):
    """The dataset folder, A and B fields started at two other places than the name fields (a look-and-keyboard
    pass)."""
    from desktop.pages.datasets import AddDatasetDialog

    dialog = AddDatasetDialog(window.library, window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.wait(30)
    starts = {name: field.mapTo(dialog, field.rect().topLeft()).x()
              for name, field in (("name", dialog.name), ("root", dialog.root), ("a", dialog.folder_a))}
    assert len(set(starts.values())) == 1, starts


def test_the_keyboard_focus_shows_on_tab_bars_and_on_the_blue_buttons(qtbot, window):
    """On the page tab bars the focus was a faint pale fill, and on the blue buttons (Start, Convert, Download) a
    thin navy line on blue (a look-and-keyboard pass): the focused tab's name is now blue and underlined, the focused
    blue button darker with a thick border."""
    import numpy as np
    from PySide6.QtGui import QImage

    def count(widget, test) -> int:
        image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
        rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
        rgb = rows[:, :3 * image.width()].reshape(image.height(), image.width(), 3).astype(int)
        return int(test(rgb[..., 0], rgb[..., 1], rgb[..., 2]).sum())

    def blue_text(r, g, b):
        return (b > 150) & (r < 90) & (g < 120)

    def darker_fill(r, g, b):
        return (r == 0x1b) & (g == 0x47) & (b == 0xb8)

    window.tabs.setCurrentWidget(window.convert)
    button, bar = window.convert.start_button, window.tabs.tabBar()
    window.convert.input.edit.setFocus()
    qtbot.wait(20)
    assert count(bar, blue_text) == 0 and count(button, darker_fill) == 0
    bar.setFocus()
    qtbot.wait(20)
    assert count(bar, blue_text) > 5
    button.setFocus()
    qtbot.wait(20)
    assert count(button, darker_fill) > 50


def test_a_progress_bars_text_reads_over_its_fill(qtbot, window):
    """Black text over the #2563eb fill was 4.1:1 (a new-user pass): the fill is light enough for 7:1."""
    from PySide6.QtGui import QColor

    def luminance(color: QColor) -> float:
        def channel(c: float) -> float:
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
        return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())

    bar = window.train.progress
    bar.setRange(0, 10)
    bar.setValue(10)
    image = bar.grab().toImage()
    fill = image.pixelColor(6, image.height() // 2)  # left of the text, inside the chunk
    text = bar.palette().color(bar.foregroundRole())
    lighter, darker = sorted((luminance(fill), luminance(text)), reverse=True)
    assert (lighter + 0.05) / (darker + 0.05) >= 7


def test_a_long_folder_name_never_widens_the_datasets_page(qtbot, window, tmp_path):
    """A folder name of 160 letters without a space widened the Datasets page's details past the window, with a
    sideways scroll bar cutting every line, and the list of datasets scrolled sideways (a datasets and runs pass)."""
    from PySide6.QtWidgets import QScrollArea

    root = tmp_path / ("a_very_long_folder_name_that_keeps_going" * 4)
    write_images(root / "trainA", 2)
    write_images(root / "trainB", 2)
    add_dataset(window, root, name="An extremely long dataset name that goes on and on to see how the page copes")
    window.resize(1024, 700)
    window.tabs.setCurrentWidget(window.datasets)
    qtbot.wait(50)
    pane = window.datasets.details.parentWidget()
    while not isinstance(pane, QScrollArea):
        pane = pane.parentWidget()
    assert not pane.horizontalScrollBar().isVisible()
    assert window.datasets.details.width() <= pane.viewport().width()
    assert window.datasets.list.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    assert (window.width(), window.height()) == (1024, 700)


def test_a_sides_tabs_show_its_name_as_typed_and_both_fit(qtbot, window, tmp_path):
    """Sides named "Rock & Roll" and "R&D" showed as "Rock _Roll" and "RD" (a "&" marks a tab's shortcut), and two
    long names pushed the second tab behind scroll arrows at 1024x700, its count hidden (a datasets pass)."""
    from desktop.pages.datasets import TAB_NAME_SHOWN
    from engine.library import NAME_LENGTH

    page = window.datasets
    window.resize(1024, 700)
    window.tabs.setCurrentWidget(page)
    wide = ("Rock & Roll guitars from the seventies and eighties", "W" * NAME_LENGTH)  # with the Pairs tab, 30
    for name_a, name_b in (("Rock & Roll", "R&D"), ("a" * NAME_LENGTH, "b" * NAME_LENGTH), wide):  # letters cut all
        name = name_a[:4] + name_b[:1]
        write_images(tmp_path / name / "trainA", 2)  # one set of folders is one dataset
        write_images(tmp_path / name / "trainB", 3)
        window.library.add_dataset(name, str(tmp_path / name), None, name_a, name_b)
        page.refresh(name)
        qtbot.waitUntil(lambda: page.sides.tabToolTip(1) == f"{name_b} (3)", timeout=10000)
        bar = page.sides.tabBar()
        assert page.sides.tabText(0).endswith(" (2)") and page.sides.tabToolTip(0) == f"{name_a} (2)"
        if len(name_a) <= TAB_NAME_SHOWN:
            assert page.sides.tabText(0) == name_a.replace("&", "&&") + " (2)"
        assert bar.tabRect(1).right() <= bar.width(), name
        for index in (0, 1, 2):  # nothing cut: two 80-letter names read "aaa… (" and "…bbb (3", the counts lost
            assert page.sides.isTabVisible(index)  # (the Pairs tab too: the files share names)
            assert bar.fontMetrics().horizontalAdvance(bar.tabText(index)) < bar.tabRect(index).width(), name
