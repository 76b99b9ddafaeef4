"""``python -m desktop`` opens the app; also the PyInstaller entry script (hence the absolute import)."""

from desktop.app import main

if __name__ == "__main__":  # spawned worker processes import this module too and must not start the app
    raise SystemExit(main())
