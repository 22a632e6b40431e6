"""Channels translate a platform's events into ``Inbound`` and render ``Reply`` objects back; nothing more."""
