"""``python -m desktop`` opens the app."""

from .app import main

raise SystemExit(main())
