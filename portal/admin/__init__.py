"""The practice owner's pages: people, invitations, enquiries."""
