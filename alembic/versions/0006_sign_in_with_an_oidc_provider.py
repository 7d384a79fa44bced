"""sign in with an OIDC provider

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 16:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0006'
down_revision: Union[str, None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('oidc_login_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('nonce', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('next_path', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('oidc_login_state', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oidc_login_state_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_oidc_login_state_state_hash'), ['state_hash'], unique=True)

    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('oidc_subject', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True))
        batch_op.create_index(batch_op.f('ix_app_user_oidc_subject'), ['oidc_subject'], unique=True)

    with op.batch_alter_table('auth_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('id_token', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('auth_session', schema=None) as batch_op:
        batch_op.drop_column('id_token')

    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_app_user_oidc_subject'))
        batch_op.drop_column('oidc_subject')

    with op.batch_alter_table('oidc_login_state', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oidc_login_state_state_hash'))
        batch_op.drop_index(batch_op.f('ix_oidc_login_state_created_at'))

    op.drop_table('oidc_login_state')
