"""The practitioner's side: dashboard, client pages, notes, flags."""
