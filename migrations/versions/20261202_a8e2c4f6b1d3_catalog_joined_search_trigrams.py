"""catalog products: a trigram index over the search text with its separators taken out (PostgreSQL)

pg_trgm splits text into words at every character that is not a letter or digit, so «art-20000» asks the
index for the trigrams of «art» and «20000» anywhere in a product: 5,792 of 100,000 generated products
have them all, and each is read to be rejected. With separators taken out of both sides the query also
asks for «rt2» and «t20», which only the right products have. A search with a separator adds that
condition (it follows from the substring match, so the answers stay the same). SQLite's FTS5 trigram
phrase is a true substring match already: nothing changes there. See docs/catalog.md.

Revision ID: a8e2c4f6b1d3
Revises: f3c8b1d2e7a4
Create Date: 2026-12-02 08:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a8e2c4f6b1d3'
down_revision = 'f3c8b1d2e7a4'
branch_labels = None
depends_on = None

# The same characters as evosync.catalog.listing.SEPARATORS (a migration never imports the app).
SEPARATORS = " -./,:;()«»+#№*_"


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            "CREATE INDEX ix_catalog_products_search_joined_trgm ON catalog_products "
            f"USING gin (translate(search_text, '{SEPARATORS}', '') gin_trgm_ops)"
        )


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP INDEX IF EXISTS ix_catalog_products_search_joined_trgm")
