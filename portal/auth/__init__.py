"""Signing in and out, invitations, password resets."""
