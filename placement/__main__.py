"""``python -m placement`` runs the CLI."""

from .cli import main

raise SystemExit(main())
