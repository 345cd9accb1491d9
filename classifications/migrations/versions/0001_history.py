"""The history store: imports, assessments as received, classifications, findings.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source_name", sa.String(500), nullable=False),
        sa.Column("source_hash", sa.String(64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added", sa.Integer, nullable=False),
        sa.Column("replaced", sa.Integer, nullable=False),
    )
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("site_id", sa.String(200), nullable=False),
        sa.Column("assessment_date", sa.Date, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id", name="fk_assessments_import"),
                  nullable=False),
        sa.Column("source_row", sa.Integer, nullable=True),
        sa.Column("statuses", JSON, nullable=False),
        sa.Column("site", JSON, nullable=False),
        sa.Column("notes", JSON, nullable=False),
        # also the index `history show` and every per-site timeline read by
        sa.UniqueConstraint("site_id", "assessment_date", name="uq_assessments_site_date"),
    )
    op.create_table(
        "classifications",
        sa.Column("assessment_id", sa.Integer,
                  sa.ForeignKey("assessments.id", name="fk_classifications_assessment", ondelete="CASCADE"),
                  primary_key=True, autoincrement=False),
        sa.Column("band", sa.String(64), nullable=False),
        sa.Column("level", sa.Integer, nullable=True),
        sa.Column("level_title", sa.String(200), nullable=True),
        sa.Column("share_absent", sa.Float, nullable=True),
        sa.Column("edd", JSON, nullable=False),
        sa.Column("missing", JSON, nullable=False),
        sa.Column("catalog_version", sa.String(64), nullable=False),
        sa.Column("catalog_hash", sa.String(64), nullable=False),
        sa.Column("bands_hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("assessment_id", sa.Integer,
                  sa.ForeignKey("assessments.id", name="fk_findings_assessment", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("indicator", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("tier", sa.String(20), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("due_date", sa.Date, nullable=True),
        sa.Column("progress_check_date", sa.Date, nullable=True),
    )
    op.create_index("ix_findings_assessment", "findings", ["assessment_id"])


def downgrade() -> None:
    op.drop_index("ix_findings_assessment", table_name="findings")
    op.drop_table("findings")
    op.drop_table("classifications")
    op.drop_table("assessments")
    op.drop_table("imports")
