"""Fakes shared by tests/ and bench/: the Telegram Bot API and the Zalo OA as real HTTP servers."""
