"""catalog products: the stored name guess of a forbidden product

The refresh stores what a product's name looks like if it looks forbidden («вейп», «алкоголь», …; NULL when
harmless), so the CSV export and the products page never run the name patterns per row
(docs/forbidden-goods.md). Existing rows are filled here with the patterns as they are at this revision;
the next refresh rewrites every product once anyway (HASH_VERSION "5") with the patterns of the code that
runs it.

Revision ID: 685cd52ca930
Revises: b7d3e9a1c452
Create Date: 2026-12-02 04:30:00

"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '685cd52ca930'
down_revision = 'b7d3e9a1c452'
branch_labels = None
depends_on = None

BATCH = 5000
# evosync/goods/forbidden.py at this revision (a migration must not change with the code it precedes).
NAME_PATTERNS = (
    (r"\bвейп|\bvape\b|\bвейпер", "вейп"),
    (r"электронн\w*\s+сигарет|\bэлектронк|\bпод[- ]?систем|\bpod\b", "электронная сигарета"),
    (r"жидкост\w*\s+для\s+(вейп|электронн|под)", "жидкость для вейпа"),
    (r"\bкальян", "кальян"),
    (r"\bснюс|\bsnus\b|никотинов\w*\s+(паучи|подушечк|пластин)", "снюс"),
    (r"\bникотин", "никотин"),
    (r"\bсигарет|\bсигар(а|ы|илл)|\bпапирос|\bтабак|\biqos\b", "табак"),
    (
        r"\bводк|\bконьяк|\bвиски\b|\bром\b|\bджин\b|\bтекил|\bликер|\bнастойк\w*\s+\d|\bвино\b|\bвина\b"
        r"|\bшампанск|\bигрист|\bпортвейн|\bбренди|\bкальвадос|\bабсент|\bсидр|\bмедовух",
        "алкоголь",
    ),
    (r"\bпиво\b|\bпива\b|\bпивн\w*\s+напит|\bэль\b|\bлагер\b|\bстаут\b", "пиво"),
)
HARMLESS = re.compile(
    r"безалкогольн|\b0[,.]0\s*%|кальянн\w*\s+уголь\s+кокос|шоколадн\w*\s+сигар|сигарет\w*\s+шоколад"
    r"|винегрет|ромашк|\bромб"
)
COMPILED = tuple((re.compile(p), what) for p, what in NAME_PATTERNS)


def _guess(name):
    text = (name or "").lower().replace("ё", "е")
    if not text or HARMLESS.search(text):
        return None
    return next((what for pattern, what in COMPILED if pattern.search(text)), None)


def _backfill():
    """Set the guess of every existing product that looks forbidden, a batch of rows (by id) at a time."""
    conn = op.get_bind()
    select = sa.text("SELECT id, name FROM catalog_products WHERE id > :last ORDER BY id LIMIT :n")
    update = sa.text("UPDATE catalog_products SET name_guess = :g WHERE id = :i")
    last = 0
    while rows := conn.execute(select, {"last": last, "n": BATCH}).fetchall():
        last = rows[-1][0]
        values = [{"i": i, "g": g} for i, name in rows if (g := _guess(name)) is not None]
        if values:
            conn.execute(update, values)


def upgrade():
    with op.batch_alter_table('catalog_products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_guess', sa.String(length=64), nullable=True))
    _backfill()


def downgrade():
    # Not in a batch: on SQLite a batch would rebuild the table and lose its search triggers.
    op.drop_column('catalog_products', 'name_guess')
