"""WSGI entry point for production: gunicorn 'dashboard.wsgi:server'."""

from . import create_app

app = create_app()
server = app.server
