"""insight cache: her "what seems to help you" section, kept per client, day, period, language

Computing the section on a year of check-ins took 28 % of her progress page; it is now kept
for the day and dropped by her saves. Rows go with her account (ON DELETE CASCADE to users).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 21:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'insight_cache',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('made_on', sa.Date(), nullable=False),
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['client_id'], ['users.id'],
                                name=op.f('fk_insight_cache_client_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_insight_cache')),
        sa.UniqueConstraint('client_id', 'made_on', 'key',
                            name='uq_insight_cache_client_day_key'),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('insight_cache', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_insight_cache_client_id'), ['client_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('insight_cache', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_insight_cache_client_id'))
    op.drop_table('insight_cache')
