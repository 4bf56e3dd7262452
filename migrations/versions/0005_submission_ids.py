"""questionnaire responses remember the form they came from

Each questionnaire form carries a one-time submission id; a unique index on it makes the same
submission arriving twice (a reload, a double tap, a retry) store one response. Older rows
have none (NULL, which a unique index allows many times).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('questionnaire_responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submission_id', sa.Uuid(), nullable=True))
        batch_op.create_index('uq_responses_submission_id', ['submission_id'], unique=True)


def downgrade():
    with op.batch_alter_table('questionnaire_responses', schema=None) as batch_op:
        batch_op.drop_index('uq_responses_submission_id')
        batch_op.drop_column('submission_id')
