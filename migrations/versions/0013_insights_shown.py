"""insights shown: the last day each finding was shown to her

A finding that no longer holds after more days or edits leaves an "earlier we saw..., now not
any more" line for 14 days; this table remembers what was shown and when. Rows go with her
account (ON DELETE CASCADE to users).

Revision ID: 0013
Revises: 0012 (the integrator re-chains the branches' migrations)
Create Date: 2026-12-06 21:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('insights_shown',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('activity', sa.String(length=40), nullable=False),
    sa.Column('measure', sa.String(length=40), nullable=False),
    sa.Column('last_shown', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['users.id'],
                            name=op.f('fk_insights_shown_client_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_insights_shown')),
    sa.UniqueConstraint('client_id', 'activity', 'measure',
                        name='uq_insights_shown_client_finding'),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('insights_shown', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_insights_shown_client_id'), ['client_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('insights_shown', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_insights_shown_client_id'))
    op.drop_table('insights_shown')
