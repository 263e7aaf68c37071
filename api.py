"""The Flask app (created by create_app)."""
