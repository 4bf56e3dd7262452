"""appointments: opening hours, exceptions, booking rules, appointments, outbox attachments

A practitioner's weekly hours and exceptions, their booking rules and calendar feed (its secret
stored only as a hash), and the appointments booked in them. A partial unique index over
(practitioner, start) for appointments not cancelled makes double booking impossible on SQLite
and PostgreSQL alike, and frees a cancelled time. The outbox gains one text attachment per
message (the .ics of a confirmation).

Revision ID: 0015
Revises: 0009
Create Date: 2026-12-06 20:38:16.123388

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('appointments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=100), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('practitioner_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('booked_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind in ('practice', 'video', 'phone', 'home')", name=op.f('ck_appointments_kind_known')),
    sa.CheckConstraint('starts_at < ends_at', name=op.f('ck_appointments_starts_before_end')),
    sa.ForeignKeyConstraint(['booked_by_id'], ['users.id'], name=op.f('fk_appointments_booked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['client_id'], ['users.id'], name=op.f('fk_appointments_client_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['practitioner_id'], ['users.id'], name=op.f('fk_appointments_practitioner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointments')),
    sa.UniqueConstraint('uid', name=op.f('uq_appointments_uid')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.create_index('ix_appointments_client_start', ['client_id', 'starts_at'], unique=False)
        batch_op.create_index('uq_appointments_practitioner_start_live', ['practitioner_id', 'starts_at'], unique=True, sqlite_where=sa.text('cancelled_at IS NULL'), postgresql_where=sa.text('cancelled_at IS NULL'))

    op.create_table('availability_exceptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practitioner_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('exception', sa.String(length=10), nullable=False),
    sa.Column('starts_at', sa.Time(), nullable=True),
    sa.Column('ends_at', sa.Time(), nullable=True),
    sa.Column('length_minutes', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=True),
    sa.Column('note', sa.String(length=120), nullable=True),
    sa.CheckConstraint("exception in ('off', 'extra')", name=op.f('ck_availability_exceptions_exception_known')),
    sa.CheckConstraint("kind is null or kind in ('practice', 'video', 'phone', 'home')", name=op.f('ck_availability_exceptions_kind_known')),
    sa.ForeignKeyConstraint(['practitioner_id'], ['users.id'], name=op.f('fk_availability_exceptions_practitioner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_availability_exceptions')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('availability_exceptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_availability_exceptions_practitioner_id'), ['practitioner_id'], unique=False)

    op.create_table('calendar_settings',
    sa.Column('practitioner_id', sa.Integer(), nullable=False),
    sa.Column('buffer_minutes', sa.Integer(), nullable=False),
    sa.Column('notice_hours', sa.Integer(), nullable=False),
    sa.Column('horizon_days', sa.Integer(), nullable=False),
    sa.Column('change_limit_hours', sa.Integer(), nullable=False),
    sa.Column('feed_token_hash', sa.String(length=64), nullable=True),
    sa.Column('feed_created_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['practitioner_id'], ['users.id'], name=op.f('fk_calendar_settings_practitioner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('practitioner_id', name=op.f('pk_calendar_settings')),
    sa.UniqueConstraint('feed_token_hash', name=op.f('uq_calendar_settings_feed_token_hash'))
    )
    op.create_table('weekly_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practitioner_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.Time(), nullable=False),
    sa.Column('ends_at', sa.Time(), nullable=False),
    sa.Column('length_minutes', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.CheckConstraint("kind in ('practice', 'video', 'phone', 'home')", name=op.f('ck_weekly_hours_kind_known')),
    sa.CheckConstraint('length_minutes >= 10 and length_minutes <= 240', name=op.f('ck_weekly_hours_length_range')),
    sa.CheckConstraint('starts_at < ends_at', name=op.f('ck_weekly_hours_starts_before_end')),
    sa.CheckConstraint('weekday >= 0 and weekday <= 6', name=op.f('ck_weekly_hours_weekday_range')),
    sa.ForeignKeyConstraint(['practitioner_id'], ['users.id'], name=op.f('fk_weekly_hours_practitioner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_weekly_hours')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('weekly_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_weekly_hours_practitioner_id'), ['practitioner_id'], unique=False)

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attachment_name', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('attachment_type', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('attachment_body', sa.Text(), nullable=True))



def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('attachment_body')
        batch_op.drop_column('attachment_type')
        batch_op.drop_column('attachment_name')

    with op.batch_alter_table('weekly_hours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_weekly_hours_practitioner_id'))

    op.drop_table('weekly_hours')
    op.drop_table('calendar_settings')
    with op.batch_alter_table('availability_exceptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_availability_exceptions_practitioner_id'))

    op.drop_table('availability_exceptions')
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_index('uq_appointments_practitioner_start_live', sqlite_where=sa.text('cancelled_at IS NULL'), postgresql_where=sa.text('cancelled_at IS NULL'))
        batch_op.drop_index('ix_appointments_client_start')

    op.drop_table('appointments')
