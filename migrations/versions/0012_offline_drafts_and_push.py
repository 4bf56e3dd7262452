"""offline drafts and push reminders

A check-in remembers the one-time submission id of the form its answers came from, so the same
draft sent again by her phone is recognised as hers and never reported as a conflict. Her
reminder can come by e-mail, by push, or both (reminder_email). Web Push subscriptions (one per
device) and the pushes waiting for them (an outbox with the same lease pattern as e-mail).

Revision ID: 0012
Revises: 0011 (the integrator re-chains the branches' migrations)
Create Date: 2026-12-06 21:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submission_id', sa.Uuid(), nullable=True))

    with op.batch_alter_table('client_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_email', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))

    op.create_table('push_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('endpoint', sa.String(length=1000), nullable=False),
    sa.Column('p256dh', sa.String(length=200), nullable=False),
    sa.Column('auth', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                            name=op.f('fk_push_subscriptions_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_push_subscriptions')),
    sa.UniqueConstraint('endpoint', name=op.f('uq_push_subscriptions_endpoint')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('push_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_push_subscriptions_user_id'), ['user_id'],
                              unique=False)

    op.create_table('push_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claim_token', sa.String(length=40), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dead_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['subscription_id'], ['push_subscriptions.id'],
                            name=op.f('fk_push_messages_subscription_id_push_subscriptions'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_push_messages')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('push_messages', schema=None) as batch_op:
        batch_op.create_index('ix_push_messages_due', ['sent_at', 'dead_at', 'next_attempt_at'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_push_messages_subscription_id'),
                              ['subscription_id'], unique=False)


def downgrade():
    with op.batch_alter_table('push_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_push_messages_subscription_id'))
        batch_op.drop_index('ix_push_messages_due')
    op.drop_table('push_messages')
    with op.batch_alter_table('push_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_push_subscriptions_user_id'))
    op.drop_table('push_subscriptions')
    with op.batch_alter_table('client_profiles', schema=None) as batch_op:
        batch_op.drop_column('reminder_email')
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.drop_column('submission_id')
