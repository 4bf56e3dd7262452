"""share links: the reason for sharing, why a link was closed, and its e-mail

A share link keeps the short reason its sender wrote (shown at the top of the referral summary),
a revoked link keeps why it was closed (for instance "consent_withdrawn" when she withdrew
her consent and every open link closed at once), and the outbox row of the e-mail that carried
it, so that an erasure removes the mail to her care team too.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 21:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


# SQLite rebuilds the table for the foreign key: keep AUTOINCREMENT, so ids are never reused.
KEEP_IDS = {'sqlite_autoincrement': True}


def upgrade():
    with op.batch_alter_table('share_links', schema=None, table_kwargs=KEEP_IDS) as batch_op:
        batch_op.add_column(sa.Column('reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('revoked_reason', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('outbox_message_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_share_links_outbox_message_id_outbox_messages'),
            'outbox_messages', ['outbox_message_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('share_links', schema=None, table_kwargs=KEEP_IDS) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_share_links_outbox_message_id_outbox_messages'), type_='foreignkey')
        batch_op.drop_column('outbox_message_id')
        batch_op.drop_column('revoked_reason')
        batch_op.drop_column('reason')
