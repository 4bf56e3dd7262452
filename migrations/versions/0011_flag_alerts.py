"""flag alerts: flags raised by one submission are handled as one alert; longer log details

Adds flags.alert_key (shared by the flags one evaluation raised) and an index on
(client_id, alert_key). Existing flags are grouped the way the code groups new ones: flags of
one client raised at the same moment came from one evaluation, so they share a key. Each flag
keeps its own row, status, acknowledgement time and note.

audit_events.detail becomes TEXT: a dashboard view lists the ids of the clients it showed.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 20:50:00.000000

"""
import uuid

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.add_column(sa.Column('alert_key', sa.String(length=36), nullable=True))
        batch_op.create_index('ix_flags_client_alert', ['client_id', 'alert_key'], unique=False)

    # SQLite rebuilds the table (keeping AUTOINCREMENT: log ids are never reused, see 0006);
    # PostgreSQL widens the column in place.
    with op.batch_alter_table('audit_events', schema=None,
                              table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.alter_column('detail', existing_type=sa.String(length=255), type_=sa.Text(),
                              existing_nullable=True)

    flags = sa.table(
        'flags',
        sa.column('id', sa.Integer),
        sa.column('client_id', sa.Integer),
        sa.column('raised_at', sa.DateTime(timezone=True)),
        sa.column('alert_key', sa.String(36)),
    )
    bind = op.get_bind()
    keys = {}
    rows = bind.execute(sa.select(flags.c.id, flags.c.client_id, flags.c.raised_at)).all()
    for row in rows:
        group = (row.client_id, row.raised_at)
        keys.setdefault(group, []).append(row.id)
    for ids in keys.values():
        bind.execute(
            flags.update().where(flags.c.id.in_(ids)).values(alert_key=str(uuid.uuid4()))
        )


def downgrade():
    with op.batch_alter_table('audit_events', schema=None,
                              table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.alter_column('detail', existing_type=sa.Text(), type_=sa.String(length=255),
                              existing_nullable=True, postgresql_using='substr(detail, 1, 255)')
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.drop_index('ix_flags_client_alert')
        batch_op.drop_column('alert_key')
