"""Gettext catalogs (``<lang>/LC_MESSAGES/messages.po``); shipped as package data and read with Babel."""
