"""Telegram channel via aiogram: sending, inbound updates (polling and webhook), menus, wiring."""
