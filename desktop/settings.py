"""Persistent UI state (window, last page, folders, form values) in an INI file under the
platformdirs config folder, through QSettings."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLineEdit, QSpinBox, QWidget

from engine.library import config_home


def app_settings() -> QSettings:
    """The settings file; where its folder cannot be made (a file in the way, no permission) they are kept for this
    session only (MainWindow says so): the app stopped with a traceback before its window showed."""
    folder = config_home()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass
    return QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)


def save_form(settings: QSettings, group: str, fields: dict[str, QWidget]) -> None:
    settings.beginGroup(group)
    for key, w in fields.items():
        if isinstance(w, QCheckBox):
            settings.setValue(key, w.isChecked())
        elif isinstance(w, (QSpinBox, QDoubleSpinBox)):
            settings.setValue(key, w.value())
        elif isinstance(w, QComboBox):
            settings.setValue(key, w.currentText())
        elif isinstance(w, QLineEdit):
            settings.setValue(key, w.text())
        elif hasattr(w, "path") and hasattr(w, "set_path"):
            settings.setValue(key, w.path())
    settings.endGroup()


def restore_form(settings: QSettings, group: str, fields: dict[str, QWidget]) -> None:
    settings.beginGroup(group)
    try:
        for key, w in fields.items():
            if not settings.contains(key):
                continue
            value = settings.value(key)
            try:
                if isinstance(w, QCheckBox):
                    w.setChecked(str(value).lower() in ("true", "1"))
                elif isinstance(w, QSpinBox):  # held within the box's range, as a spin box holds a typed number:
                    w.setValue(max(w.minimum(), min(w.maximum(), int(value))))  # 99999999999999 stopped the start
                elif isinstance(w, QDoubleSpinBox):
                    w.setValue(max(w.minimum(), min(w.maximum(), float(value))))
                elif isinstance(w, QComboBox):
                    i = w.findText(str(value))
                    if i >= 0:
                        w.setCurrentIndex(i)
                elif isinstance(w, QLineEdit):
                    w.setText(str(value))
                elif hasattr(w, "set_path"):
                    w.set_path(str(value))
            except (TypeError, ValueError, OverflowError):
                continue  # a hand-edited or old value: keep the default
    finally:
        settings.endGroup()
