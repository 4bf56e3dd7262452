"""appointments: opening hours, exceptions, booking rules, appointments, outbox attachments

A practitioner's weekly hours and exceptions, their booking rules and calendar feed (its secret
stored only as a hash), and the appointments booked in them. The database itself refuses two
live appointments of one practitioner that overlap (not only ones with the same start): an
exclusion constraint on PostgreSQL (btree_gist), triggers on SQLite. A partial unique index over
(practitioner, start) stays as the plain form of the same rule. Cancelled appointments are
outside all three, so a cancelled time is free again. The outbox gains one text attachment per
message (the .ics of a confirmation).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 20:38:16.123388

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
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

    _create_no_overlap()

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



# Why a constraint and not a lock: a check before the write (even inside the transaction)
# lets two requests with overlapping but different starts (09:00 and 09:15) both pass and both
# write. Serialising bookings with a lock would be sound only as long as every writer of
# appointments remembers to take it; a constraint holds for every writer, including the CLI,
# the admin and code not yet written.
# - PostgreSQL: an exclusion constraint over (practitioner =, [start, end) &&) for live rows.
#   btree_gist supplies the gist operator class for the integer '='; it is a trusted extension
#   (PostgreSQL 13+), so the database owner may create it. A concurrent second insert waits
#   for the first transaction and then fails with an exclusion violation (an IntegrityError).
# - SQLite has no exclusion constraints, so triggers refuse the insert or update with
#   RAISE(ABORT) (an IntegrityError too). That is race-free because SQLite has one writer at a
#   time and our connections take the write lock (BEGIN IMMEDIATE, portal/database.py) before
#   the first write, so the trigger's look-up sees every committed appointment. Times are
#   stored as UTC text of one fixed format, so comparing the text compares the moments.
#   (A later batch_alter_table on appointments recreates the table and drops these triggers:
#   recreate them there.)
NO_OVERLAP = 'ex_appointments_no_overlap'
SQLITE_OVERLAP = """
    SELECT RAISE(ABORT, 'appointments overlap: {name}')
    WHERE NEW.cancelled_at IS NULL AND EXISTS (
        SELECT 1 FROM appointments AS other
        WHERE other.practitioner_id = NEW.practitioner_id AND other.id IS NOT NEW.id
          AND other.cancelled_at IS NULL
          AND other.starts_at < NEW.ends_at AND NEW.starts_at < other.ends_at);
"""


def _create_no_overlap():
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS btree_gist')
        op.execute(f"ALTER TABLE appointments ADD CONSTRAINT {NO_OVERLAP} EXCLUDE USING gist "
                   "(practitioner_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
                   "WHERE (cancelled_at IS NULL)")
    elif dialect == 'sqlite':
        op.execute(f"CREATE TRIGGER {NO_OVERLAP}_insert BEFORE INSERT ON appointments BEGIN"
                   + SQLITE_OVERLAP.format(name=NO_OVERLAP) + "END")
        op.execute(f"CREATE TRIGGER {NO_OVERLAP}_update BEFORE UPDATE OF practitioner_id, "
                   "starts_at, ends_at, cancelled_at ON appointments BEGIN"
                   + SQLITE_OVERLAP.format(name=NO_OVERLAP) + "END")


def _drop_no_overlap():
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        op.execute(f'ALTER TABLE appointments DROP CONSTRAINT {NO_OVERLAP}')
    elif dialect == 'sqlite':
        op.execute(f'DROP TRIGGER {NO_OVERLAP}_insert')
        op.execute(f'DROP TRIGGER {NO_OVERLAP}_update')


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
    _drop_no_overlap()
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_index('uq_appointments_practitioner_start_live', sqlite_where=sa.text('cancelled_at IS NULL'), postgresql_where=sa.text('cancelled_at IS NULL'))
        batch_op.drop_index('ix_appointments_client_start')

    op.drop_table('appointments')
