"""discussion threads on items

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 16:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0005'
down_revision: Union[str, None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('target_kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=True),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('visibility', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('edited_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('deleted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint("target_kind IN ('milestone', 'alliance', 'indicator_value', 'lesson')", name='ck_comment_target_kind'),
    sa.CheckConstraint("visibility IN ('network', 'team', 'cohort')", name='ck_comment_visibility'),
    sa.ForeignKeyConstraint(['author_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohort.id'], ),
    sa.ForeignKeyConstraint(['network_id'], ['network.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comment_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comment_network_id'), ['network_id'], unique=False)
        batch_op.create_index('ix_comment_thread', ['target_kind', 'target_id'], unique=False)

    op.create_table('comment_mention',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('read_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('comment_id', 'user_id', name='uq_comment_mention')
    )
    with op.batch_alter_table('comment_mention', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_mention_comment_id'), ['comment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comment_mention_user_id'), ['user_id'], unique=False)

    op.create_table('comment_read',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('target_kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('last_read_comment_id', sa.Integer(), nullable=False),
    sa.Column('read_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('user_id', 'target_kind', 'target_id')
    )


def downgrade() -> None:
    op.drop_table('comment_read')
    with op.batch_alter_table('comment_mention', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_mention_user_id'))
        batch_op.drop_index(batch_op.f('ix_comment_mention_comment_id'))

    op.drop_table('comment_mention')
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_thread')
        batch_op.drop_index(batch_op.f('ix_comment_network_id'))
        batch_op.drop_index(batch_op.f('ix_comment_cohort_id'))
        batch_op.drop_index(batch_op.f('ix_comment_author_id'))

    op.drop_table('comment')
