"""clinical signals: consult revisions of check-ins, the wording of each response

A practitioner's phone-consult entry keeps the values it replaced (her own words stay in the
record), and each questionnaire response records the wording it was answered on (placeholder
or licensed, which language, validated or not, a fingerprint of the text). Responses from
before this revision keep NULL: their wording was not recorded.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('checkin_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('checkin_id', sa.Integer(), nullable=False),
    sa.Column('mood', sa.Integer(), nullable=False),
    sa.Column('tension', sa.Integer(), nullable=True),
    sa.Column('energy', sa.Integer(), nullable=True),
    sa.Column('bonding', sa.Integer(), nullable=True),
    sa.Column('sleep_hours', sa.Numeric(precision=4, scale=2, asdecimal=False), nullable=True),
    sa.Column('night_wakings', sa.Integer(), nullable=True),
    sa.Column('sleep_quality', sa.Integer(), nullable=True),
    sa.Column('skin_to_skin_minutes', sa.Integer(), nullable=True),
    sa.Column('activities', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('replaced_by_id', sa.Integer(), nullable=True),
    sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['checkin_id'], ['checkins.id'], name=op.f('fk_checkin_revisions_checkin_id_checkins'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_checkin_revisions_entered_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['replaced_by_id'], ['users.id'], name=op.f('fk_checkin_revisions_replaced_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkin_revisions')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('checkin_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkin_revisions_checkin_id'), ['checkin_id'], unique=False)

    with op.batch_alter_table('questionnaire_responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wording', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('wording_locale', sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column('wording_validated', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('wording_version', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('questionnaire_responses', schema=None) as batch_op:
        batch_op.drop_column('wording_version')
        batch_op.drop_column('wording_validated')
        batch_op.drop_column('wording_locale')
        batch_op.drop_column('wording')

    with op.batch_alter_table('checkin_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkin_revisions_checkin_id'))

    op.drop_table('checkin_revisions')
