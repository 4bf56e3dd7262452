"""Messages between a client and her practitioner, and the staff's morning digest."""
