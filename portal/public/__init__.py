"""Pages anyone may open: the welcome page, the contact form, the help page."""
