"""Background work: jobs kept in the database (the truth of what was asked and how it
ended) and run by workers that a queue (huey: an SQLite file, Redis, or at once) wakes.

The modules are imported where used; this package itself loads nothing, so the services
can read ``records`` and ``settings`` without the queue library.
"""
