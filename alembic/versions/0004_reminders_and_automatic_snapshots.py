"""reminders and automatic snapshots

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 13:40:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0004'
down_revision: Union[str, None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('reminder_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('days_before', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('recipient', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('lead', 'digest')", name='ck_reminder_kind'),
    sa.CheckConstraint('days_before >= 0', name='ck_reminder_days'),
    sa.ForeignKeyConstraint(['sent_by_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['session_id'], ['programme_session.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'session_id', 'days_before', name='uq_reminder_once')
    )
    with op.batch_alter_table('reminder_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_log_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminder_log_user_id'), ['user_id'], unique=False)

    op.create_table('reminder_opt_out',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('opted_out_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('user_id')
    )
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_days', sqlmodel.sql.sqltypes.AutoString(length=40), server_default='10,3', nullable=False))

    with op.batch_alter_table('snapshot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('auto_session_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint('uq_snapshot_auto_session', ['auto_session_id'])
        batch_op.create_foreign_key(
            'fk_snapshot_auto_session', 'programme_session', ['auto_session_id'], ['id']
        )


def downgrade() -> None:
    with op.batch_alter_table('snapshot', schema=None) as batch_op:
        batch_op.drop_constraint('fk_snapshot_auto_session', type_='foreignkey')
        batch_op.drop_constraint('uq_snapshot_auto_session', type_='unique')
        batch_op.drop_column('auto_session_id')

    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.drop_column('reminder_days')

    op.drop_table('reminder_opt_out')
    with op.batch_alter_table('reminder_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_log_user_id'))
        batch_op.drop_index(batch_op.f('ix_reminder_log_session_id'))

    op.drop_table('reminder_log')
