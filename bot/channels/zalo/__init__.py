"""Zalo Official Account channel: API client, webhook, token rotation, wiring."""
