"""The background task that fetches the Evotor images of a user's products as catalog thumbnails.

Queued after every successful catalog refresh (evosync/tasks/jobs.py). One task handles a bounded batch
and queues the next one, so a big catalog never holds a worker for long. See docs/ui.md, «Thumbnails».
"""

from __future__ import annotations

from evosync.connections.clients import evotor_client_for
from evosync.connections.errors import NotConnected
from evosync.tasks.queue import task
from evosync.thumbs.service import store_evotor_thumbs


@task()
def fetch_thumbs_task(user_id: int, after_id: int = 0) -> None:
    """Store thumbs of the user's products after ``after_id``; queue the next batch while more remain."""
    try:
        client = evotor_client_for(user_id)
    except NotConnected:
        return
    last = store_evotor_thumbs(user_id, client, after_id)
    if last is not None:
        fetch_thumbs_task(user_id, last)
