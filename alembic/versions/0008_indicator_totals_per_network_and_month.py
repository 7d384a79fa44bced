"""indicator totals per network and month

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 16:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0008'
down_revision: Union[str, None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# The counted values (submitted or validated), as in dashboard/services/indicators/progress.py.
COUNTED = "('submitted', 'validated')"


def upgrade() -> None:
    op.create_table('indicator_total',
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('counted_values', sa.Integer(), nullable=False),
    sa.Column('counted_sum', sa.Float(), nullable=False),
    sa.Column('first_period', sa.Date(), nullable=True),
    sa.Column('last_period', sa.Date(), nullable=True),
    sa.Column('last_value', sa.Float(), nullable=True),
    sa.Column('last_status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('last_updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('draft_values', sa.Integer(), nullable=False),
    sa.Column('submitted_values', sa.Integer(), nullable=False),
    sa.Column('validated_values', sa.Integer(), nullable=False),
    sa.Column('any_updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicator.id'], ),
    sa.ForeignKeyConstraint(['network_id'], ['network.id'], ),
    sa.PrimaryKeyConstraint('network_id', 'indicator_id')
    )
    op.create_table('network_month_total',
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('counted_values', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['network_id'], ['network.id'], ),
    sa.PrimaryKeyConstraint('network_id', 'period_start')
    )
    # Backfill from the values already stored, so an upgraded database is right at once.
    counted = f"status IN {COUNTED}"
    op.execute(
        "INSERT INTO indicator_total (network_id, indicator_id, counted_values, counted_sum, "
        "first_period, last_period, last_updated_at, last_value, last_status, draft_values, "
        "submitted_values, validated_values, any_updated_at) "
        "SELECT a.network_id, a.indicator_id, a.n, a.total, a.first_p, a.last_p, a.stamp, "
        "v.value, v.status, a.drafts, a.submitted, a.validated, a.any_stamp FROM ("
        " SELECT network_id, indicator_id,"
        f" SUM(CASE WHEN {counted} THEN 1 ELSE 0 END) AS n,"
        f" COALESCE(SUM(CASE WHEN {counted} THEN value END), 0) AS total,"
        f" MIN(CASE WHEN {counted} THEN period_start END) AS first_p,"
        f" MAX(CASE WHEN {counted} THEN period_start END) AS last_p,"
        f" MAX(CASE WHEN {counted} THEN updated_at END) AS stamp,"
        " SUM(CASE WHEN status = 'draft' THEN 1 ELSE 0 END) AS drafts,"
        " SUM(CASE WHEN status = 'submitted' THEN 1 ELSE 0 END) AS submitted,"
        " SUM(CASE WHEN status = 'validated' THEN 1 ELSE 0 END) AS validated,"
        " MAX(updated_at) AS any_stamp"
        " FROM indicator_value GROUP BY network_id, indicator_id"
        ") a LEFT JOIN indicator_value v ON v.network_id = a.network_id"
        " AND v.indicator_id = a.indicator_id AND v.period_start = a.last_p"
    )
    op.execute(
        "INSERT INTO network_month_total (network_id, period_start, counted_values) "
        "SELECT v.network_id, v.period_start, count(*) FROM indicator_value v "
        "JOIN indicator_target t ON t.network_id = v.network_id"
        " AND t.indicator_id = v.indicator_id "
        f"WHERE v.status IN {COUNTED} GROUP BY v.network_id, v.period_start"
    )


def downgrade() -> None:
    op.drop_table('network_month_total')
    op.drop_table('indicator_total')
