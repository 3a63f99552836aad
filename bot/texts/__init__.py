"""Every user-facing string of troly, in one place for review (Vietnamese, correct diacritics).

One module per feature: common (greetings, help, errors), ask (Q&A), guides (uploads), and the
modules the check-in, scheduler and channel features add. Handlers import from here only.
"""
