"""Allows ``python -m bot`` as an alias of the ``caunoi`` console script."""

from bot.cli import main

raise SystemExit(main())
