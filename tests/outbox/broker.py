"""A Celery broker that refuses connections, for real: tasks are published (not run eagerly) to a closed port."""

import socket
from contextlib import contextmanager

from config.celery_app import app


def closed_port() -> int:
    """A local port nothing listens on: bound for a moment by us, then released."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def unreachable_broker():
    """Publish tasks to a Redis broker on a closed port, as a worker-less deployment with Redis down would."""
    conf = app.conf
    saved = conf.task_always_eager, conf.broker_url
    conf.task_always_eager = False
    conf.broker_url = f"redis://127.0.0.1:{closed_port()}/0"
    app._pool = None  # the connection pool is built from broker_url on first use
    try:
        yield
    finally:
        conf.task_always_eager, conf.broker_url = saved
        app._pool = None
