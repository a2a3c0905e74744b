"""``python -m placement`` runs the CLI."""

from placement.cli import main

raise SystemExit(main())
