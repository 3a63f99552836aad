"""knowledge triggers: any write to what answers are built from bumps the knowledge generation

Every store that changes guides, chunks, synonyms or section phrasings already bumps the
'knowledge' counter in its transaction (bot/db/changes.py). These triggers make the database
guarantee it for every other writer too (a hand-written SQL fix, a future store that forgets),
because each process now keeps what the Q&A path reads about guides in memory, keyed on that
number (bot/db/guide_cache.py): a write that did not bump would be served stale.

On PostgreSQL the triggers are deferred to commit, so the counter row is locked at the end of a
writing transaction, as changes.bump does (not from its first write on, which could deadlock two
writers). SQLite serializes writers, so plain row triggers do. A later migration that recreates one
of these tables on SQLite (batch_alter_table) drops its triggers and must create them again.

A migration that creates triggers declares them in TRIGGERS (one that drops some, in
TRIGGERS_DROPPED): tests/bot/test_migrations.py checks that after `upgrade head`, on SQLite and
PostgreSQL, the database has exactly the triggers the migrations declare, and
tests/handlers/test_guide_writers.py that a write to each table bumps the counter.

Revision ID: 0017_knowledge_triggers
Revises: 0016_qa_entries
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0017_knowledge_triggers"
down_revision: str | Sequence[str] | None = "0016_qa_entries"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: guides columns the answers read (audience, announcements, the owning unit are not read)
GUIDE_COLUMNS = ("slug", "title", "source_ref", "status", "current_version_id",
                 "effective_from", "effective_until", "replaces_id")
#: table → the UPDATE columns that matter (empty: any)
WATCHED: dict[str, tuple[str, ...]] = {
    "guides": GUIDE_COLUMNS,
    "guide_chunks": (),
    "synonyms": (),
    "section_phrasings": (),
}
EVENTS = ("insert", "update", "delete")
FUNCTION = "troly_knowledge_changed"


def _name(table: str, event: str) -> str:
    return f"{table}_{event}_knowledge"


#: table → the triggers this migration creates on it (read by tests/bot/test_migrations.py)
TRIGGERS: dict[str, tuple[str, ...]] = {
    table: tuple(_name(table, event) for event in EVENTS) for table in WATCHED}

SQLITE_BUMP = (
    "INSERT OR IGNORE INTO change_counters (name, generation, changed_at) "
    "VALUES ('knowledge', 0, CURRENT_TIMESTAMP); "
    "UPDATE change_counters SET generation = generation + 1 WHERE name = 'knowledge';"
)


def _event(table: str, event: str) -> str:
    columns = WATCHED[table]
    return f"UPDATE OF {', '.join(columns)}" if event == "update" and columns else event.upper()


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO change_counters (name, generation, changed_at)
                VALUES ('knowledge', 1, now())
                ON CONFLICT (name) DO UPDATE SET generation = change_counters.generation + 1;
                RETURN NULL;
            END $$""")
        for table in WATCHED:
            for event in EVENTS:
                op.execute(f"CREATE CONSTRAINT TRIGGER {_name(table, event)} "
                           f"AFTER {_event(table, event)} ON {table} "
                           f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                           f"EXECUTE FUNCTION {FUNCTION}()")
        return
    for table in WATCHED:
        for event in EVENTS:
            op.execute(f"CREATE TRIGGER {_name(table, event)} AFTER {_event(table, event)} "
                       f"ON {table} BEGIN {SQLITE_BUMP} END")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in WATCHED:
        for event in EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS {_name(table, event)}"
                       + (f" ON {table}" if postgres else ""))
    if postgres:
        op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
