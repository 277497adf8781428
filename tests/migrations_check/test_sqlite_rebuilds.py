"""A batch migration that rebuilds a parent table on SQLite must keep every child row.

SQLite rebuilds a table by copying it and dropping the old one; with foreign keys on, the drop cascades.
The migration environment turns them off for the run and checks the foreign keys afterwards.
"""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory
from flask_migrate import upgrade

from evosync import create_app
from evosync.extensions import db

ROOT = Path(__file__).resolve().parents[2]
REBUILD = '''"""rebuild every parent table"""
from alembic import op

revision = "ffff00000001"
down_revision = {head!r}


def upgrade():
    for name in {parents!r}:
        with op.batch_alter_table(name, recreate="always"):
            pass


def downgrade():
    pass
'''


DANGLING = '''"""insert a child row with no parent"""
from alembic import op

revision = "ffff00000002"
down_revision = {head!r}


def upgrade():
    op.execute("INSERT INTO sync_leases (user_id, fencing) VALUES (999, 0)")


def downgrade():
    pass
'''


def _head() -> str:
    config = Config(str(ROOT / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return ScriptDirectory.from_config(config).get_current_head()


def _value(table: sa.Table, column: sa.Column):
    """A value that satisfies the column's type and an ``IN (…)`` check on it, if there is one."""
    for check in table.constraints:
        if isinstance(check, sa.CheckConstraint) and column.name in str(check.sqltext):
            found = re.search(r"IN \('([^']*)'", str(check.sqltext))
            if found:
                return found.group(1)
    python_type = column.type.python_type
    samples = {int: 1, str: "x", bool: False, datetime: datetime.now(UTC), bytes: b"x", float: 1.0}
    return samples.get(python_type, 1)


def _seed(tables: list[sa.Table]) -> dict[str, int]:
    """One row in every table, parents first, each child pointing at its parents' row; returns the ids."""
    ids: dict[str, int] = {}
    for table in tables:
        row = {}
        for column in table.columns:
            fks = list(column.foreign_keys)
            if fks:
                row[column.name] = ids[fks[0].column.table.name]
            elif column.primary_key and column.autoincrement is not False and column.type.python_type is int:
                continue
            elif not column.nullable and column.default is None and column.server_default is None:
                row[column.name] = _value(table, column)
        result = db.session.execute(table.insert().values(row))
        ids[table.name] = result.inserted_primary_key[0]
    db.session.commit()
    return ids


def test_rebuilding_each_parent_table_keeps_the_child_rows(tmp_path):
    migrations = tmp_path / "migrations"
    shutil.copytree(ROOT / "migrations", migrations, ignore=shutil.ignore_patterns("__pycache__"))
    app = create_app({"ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp_path / 'rebuild.sqlite'}"})
    with app.app_context():
        upgrade(directory=str(migrations))
        tables = list(db.metadata.sorted_tables)
        parents = sorted({fk.column.table.name for table in tables for fk in table.foreign_keys})
        assert "users" in parents
        _seed(tables)
        before = {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t)) for t in tables}
        assert all(before.values()), before
        db.session.remove()
        (migrations / "versions" / "ffff00000001_rebuild.py").write_text(
            REBUILD.format(head=_head(), parents=parents)
        )
        upgrade(directory=str(migrations))
        after = {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t)) for t in tables}
        foreign_keys_on = db.session.execute(sa.text("PRAGMA foreign_keys")).scalar()
        db.session.remove()
        db.engine.dispose()
    assert after == before
    assert foreign_keys_on == 1  # the pooled connection went back with foreign keys on again


def test_a_migration_that_leaves_dangling_rows_is_refused(tmp_path):
    migrations = tmp_path / "migrations"
    shutil.copytree(ROOT / "migrations", migrations, ignore=shutil.ignore_patterns("__pycache__"))
    app = create_app({"ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp_path / 'dangling.sqlite'}"})
    with app.app_context():
        upgrade(directory=str(migrations))
        db.session.remove()
    (migrations / "versions" / "ffff00000002_dangling.py").write_text(DANGLING.format(head=_head()))
    with app.app_context():
        with pytest.raises(
            SystemExit
        ):  # Flask-Migrate logs the error and exits 1, as `flask db upgrade` does
            upgrade(directory=str(migrations))
        version = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
        leases = db.session.scalar(sa.text("SELECT count(*) FROM sync_leases"))
        db.session.remove()
        db.engine.dispose()
    assert (version, leases) == (_head(), 0)  # rolled back: still at the old head, no dangling row
