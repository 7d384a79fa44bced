"""login attempt client address

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 12:55:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0003'
down_revision: Union[str, None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('client_address', sqlmodel.sql.sqltypes.AutoString(length=45), nullable=True)
        )
        batch_op.create_index(
            batch_op.f('ix_login_attempt_client_address'), ['client_address'], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_attempt_client_address'))
        batch_op.drop_column('client_address')
