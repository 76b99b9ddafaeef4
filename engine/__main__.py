"""``python -m engine`` is the ``cyclegan`` command (and what ``torchrun -m engine`` runs)."""

from .cli import main

raise SystemExit(main())
