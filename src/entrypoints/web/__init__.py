"""The Starlette web app: OAuth install, Salla webhooks, admin API, metrics, merchant dashboard.

Build it with :func:`entrypoints.web.app.create_app`.
"""
