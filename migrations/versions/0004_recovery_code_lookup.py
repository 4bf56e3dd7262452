"""recovery codes carry a keyed lookup

A recovery-code attempt finds its one candidate by a keyed prefix (an HMAC under the app's
secret) instead of running argon2 against each of the account's unused codes. Codes made before
this revision have no lookup; they still work, checked as before.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code_lookup', sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.drop_column('code_lookup')
