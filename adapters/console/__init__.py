"""The web console (``/console/`` on the DMS listener): server-rendered HTML
pages for operators and auditors over the admin facade, signed in with an
admin token, in Vietnamese or English."""
