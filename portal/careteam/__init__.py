"""Her contact details and care team, the calls about an urgent flag, and sharing with the team."""
