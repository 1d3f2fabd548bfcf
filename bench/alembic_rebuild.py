#!/usr/bin/python3
"""The peer side of benchmark 3: Alembic's batch_alter_table adding the same CHECK constraints
to `events` that bench_safe_rebuild's V2 adds, with Alembic's defaults and no safety stage
(no backup, no validation). On SQLite, batch mode reflects the table, creates
_alembic_tmp_events with the constraint, copies the rows, drops `events`, renames the copy and
recreates the index: the same rebuild as V2.

Usage: /usr/bin/python3 alembic_rebuild.py DB   (Debian's python3-alembic)
"""
import sys

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import create_engine


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: alembic_rebuild.py DB", file=sys.stderr)
        return 2
    engine = create_engine(f"sqlite:///{sys.argv[1]}")
    with engine.begin() as conn:
        op = Operations(MigrationContext.configure(conn))
        with op.batch_alter_table("events") as batch:
            batch.create_check_constraint(
                "ck_events_non_negative",
                "response_time_ms >= 0 AND prompt_tokens >= 0 AND completion_tokens >= 0",
            )
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
