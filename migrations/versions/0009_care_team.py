"""her care team: contact details, care-team members, contact attempts, practice settings

Her date of birth (for a referral), phone and emergency contact on the profile; the professionals involved in her care; the
calls made about an urgent flag; the links she shares her referral summary through; and practice-wide texts such as the urgent-flag protocol.
Rows about her go with her account (ON DELETE CASCADE to users).

Revision ID: 0009
Revises: 0008 (the lead asked for 0003 and re-chains on merge; 0005 is this branch's head)
Create Date: 2026-12-02 08:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('client_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('date_of_birth', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('phone', sa.String(length=20), nullable=True))
        batch_op.add_column(
            sa.Column('emergency_contact_name', sa.String(length=120), nullable=True))
        batch_op.add_column(
            sa.Column('emergency_contact_relation', sa.String(length=60), nullable=True))
        batch_op.add_column(
            sa.Column('emergency_contact_phone', sa.String(length=20), nullable=True))

    op.create_table('care_team_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('practice', sa.String(length=120), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('agb_code', sa.String(length=8), nullable=True),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint(
        "role in ('verloskundige', 'huisarts', 'kraamzorg', 'gynaecoloog', 'poh_ggz', 'other')",
        name=op.f('ck_care_team_members_role_known')),
    sa.ForeignKeyConstraint(['client_id'], ['users.id'],
                            name=op.f('fk_care_team_members_client_id_users'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'],
                            name=op.f('fk_care_team_members_added_by_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_team_members')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('care_team_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_team_members_client_id'), ['client_id'],
                              unique=False)

    op.create_table('contact_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('flag_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('caller_id', sa.Integer(), nullable=True),
    sa.Column('callee', sa.String(length=200), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint(
        "outcome in ('reached', 'no_answer', 'voicemail', 'wrong_number', 'other')",
        name=op.f('ck_contact_attempts_outcome_known')),
    sa.ForeignKeyConstraint(['flag_id'], ['flags.id'],
                            name=op.f('fk_contact_attempts_flag_id_flags'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['users.id'],
                            name=op.f('fk_contact_attempts_client_id_users'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['caller_id'], ['users.id'],
                            name=op.f('fk_contact_attempts_caller_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_attempts')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('contact_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_contact_attempts_flag_at', ['flag_id', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_attempts_client_id'), ['client_id'],
                              unique=False)

    op.create_table('practice_settings',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'],
                            name=op.f('fk_practice_settings_updated_by_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_practice_settings'))
    )

    op.create_table('share_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('recipient_name', sa.String(length=120), nullable=False),
    sa.Column('recipient_role', sa.String(length=20), nullable=False),
    sa.Column('recipient_email', sa.String(length=254), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('consent_text', sa.Text(), nullable=False),
    sa.Column('consent_version', sa.String(length=20), nullable=False),
    sa.Column('consent_recorded_by_practitioner', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('open_count', sa.Integer(), nullable=False),
    sa.Column('last_opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['users.id'],
                            name=op.f('fk_share_links_client_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['care_team_members.id'],
                            name=op.f('fk_share_links_member_id_care_team_members'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                            name=op.f('fk_share_links_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_share_links_token_hash')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('share_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_share_links_client_id'), ['client_id'], unique=False)


def downgrade():
    with op.batch_alter_table('share_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_share_links_client_id'))
    op.drop_table('share_links')
    op.drop_table('practice_settings')
    with op.batch_alter_table('contact_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_attempts_client_id'))
        batch_op.drop_index('ix_contact_attempts_flag_at')
    op.drop_table('contact_attempts')
    with op.batch_alter_table('care_team_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_care_team_members_client_id'))
    op.drop_table('care_team_members')
    with op.batch_alter_table('client_profiles', schema=None) as batch_op:
        batch_op.drop_column('emergency_contact_phone')
        batch_op.drop_column('emergency_contact_relation')
        batch_op.drop_column('emergency_contact_name')
        batch_op.drop_column('phone')
        batch_op.drop_column('date_of_birth')
