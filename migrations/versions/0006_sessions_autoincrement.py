"""server-side sessions, ids never reused, random pseudonyms

Sessions live in a table: the login cookie carries only a random id, so a sign-out, a new
password or an erasure ends them for every copy of the cookie. users.session_version, the
old way to void cookies, goes. On SQLite every table with an integer key is rebuilt with
AUTOINCREMENT, so an erased person's id is never handed to the next account; PostgreSQL's
sequences never reuse a number, so nothing is rebuilt there. Each account gets a random
pseudonym for the access log instead of one derived from its id.

Every cookie signed in before this migration stops working: everyone signs in again once.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 08:00:00

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# Every table keyed by an integer of its own (client_profiles is keyed by its user's id).
INTEGER_KEYED_TABLES = (
    'audit_events',
    'enquiries',
    'modules',
    'users',
    'assignments',
    'checkins',
    'consents',
    'erasure_requests',
    'flags',
    'instrument_texts',
    'invitations',
    'lessons',
    'module_texts',
    'notes',
    'password_resets',
    'questionnaire_responses',
    'recommendation_dismissals',
    'recovery_codes',
    'lesson_progress',
    'lesson_texts',
    'note_revisions',
    'content_revisions',
    'email_changes',
    'outbox_messages',
)


def _rebuild_on_sqlite(autoincrement: bool) -> None:
    """Rebuild every integer-keyed table on SQLite with (or without) AUTOINCREMENT.

    The rows are copied as they are, and SQLite starts each table's counter after its highest
    id. migrations/env.py turns foreign keys off for the run: dropping the old table would
    otherwise cascade to every row that points at it. So they are checked here, before the
    migration commits.
    """
    bind = op.get_bind()
    if bind.dialect.name != 'sqlite':
        return
    for table in INTEGER_KEYED_TABLES:
        with op.batch_alter_table(
            table, recreate='always', table_kwargs={'sqlite_autoincrement': autoincrement}
        ):
            pass
    broken = bind.exec_driver_sql('PRAGMA foreign_key_check').fetchall()
    if broken:
        raise RuntimeError(f'rebuilding the tables broke foreign keys: {broken[:10]}')


def upgrade():
    op.create_table('user_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('remembered', sa.Boolean(), nullable=False),
    sa.Column('browser', sa.String(length=40), nullable=False),
    sa.Column('system', sa.String(length=40), nullable=False),
    sa.Column('ip_address', sa.String(length=45), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_sessions_token_hash')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)

    # A random pseudonym for every account there is, then required for every new one.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pseudonym', sa.String(length=64), nullable=True))
    bind = op.get_bind()
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('pseudonym', sa.String))
    for (user_id,) in bind.execute(sa.select(users.c.id)).all():
        bind.execute(
            users.update().where(users.c.id == user_id).values(pseudonym=secrets.token_hex(32))
        )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('pseudonym', existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_column('session_version')

    _rebuild_on_sqlite(autoincrement=True)


def downgrade():
    _rebuild_on_sqlite(autoincrement=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('session_version', sa.Integer(), nullable=False, server_default='1')
        )
        batch_op.drop_column('pseudonym')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('session_version', existing_type=sa.Integer(), server_default=None)
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))
    op.drop_table('user_sessions')
