"""The web console for supervisors and admins: its runtime (sign-in, sessions, CSRF, rendering) lives here; its pages
belong to the areas that own the data (``Registry.web_pages``)."""
