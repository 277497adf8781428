"""20 threads toggling the same rules over real HTTP → no 5xx, the unique constraint holds (target E3)."""

from __future__ import annotations

import random
import re
import threading

import requests
from sqlalchemy import func, select

from evosync.rules.models import SyncFilter


def _logged_in_session(base: str, email: str) -> tuple[requests.Session, str]:
    session = requests.Session()
    html = session.get(f"{base}/login", timeout=10).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    response = session.post(
        f"{base}/login",
        data={"email": email, "password": "correct horse battery", "csrf_token": token},
        timeout=10,
    )
    assert response.status_code == 200 and "/connections" in response.url
    page = session.get(f"{base}/catalog", timeout=10).text
    header_token = re.search(r"X-CSRFToken&#34;: &#34;([^&]+)&#34;|\"X-CSRFToken\": \"([^\"]+)\"", page)
    return session, next(group for group in header_token.groups() if group)


def test_twenty_threads_toggling_the_same_rules(app, db, shop, ids, live_server_url):
    targets = [("store", ids.store(1)), ("group", ids.group("Кофе")), ("store", ids.store(2))]
    sessions = [_logged_in_session(live_server_url, shop.email) for _ in range(20)]
    statuses: list[int] = []
    lock = threading.Lock()

    def worker(index: int) -> None:
        session, token = sessions[index]
        rng = random.Random(index)
        for _ in range(10):
            entity_type, entity_id = rng.choice(targets)
            response = session.post(
                f"{live_server_url}/catalog/filters",
                data={
                    "entity_type": entity_type,
                    "entity_id": entity_id,
                    "mode": rng.choice(["include", "exclude", "clear"]),
                },
                headers={"X-CSRFToken": token, "HX-Request": "true"},
                timeout=30,
            )
            with lock:
                statuses.append(response.status_code)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(statuses) == 200
    assert all(status < 500 for status in statuses), sorted(set(statuses))
    assert statuses.count(200) >= 150, sorted(set(statuses))
    per_entity = db.session.execute(
        select(SyncFilter.entity_type, SyncFilter.entity_id, func.count()).group_by(
            SyncFilter.entity_type, SyncFilter.entity_id
        )
    ).all()
    assert all(count == 1 for _, _, count in per_entity), per_entity
