"""The access log pages: the admin's full log and its CSV export."""
