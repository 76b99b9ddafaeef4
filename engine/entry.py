"""Entry script of the installed app's ``cyclegan`` executable (build.spec). PyInstaller names a script by its
file name, so ``engine/__main__.py`` would clash with the app's ``desktop/__main__.py``; hence this file."""

import multiprocessing

from engine.cli import main

if __name__ == "__main__":  # a frozen app's worker processes import the script too and must not run the command
    multiprocessing.freeze_support()
    raise SystemExit(main())
